//===- LinearOpInterface.cpp - Linear ops with a constant weight ----------===//

#include "lowrank/Interfaces/LinearOpInterface.h"

#include "lowrank/Support/MappedWeights.h"
#include "lowrank/Support/SpilledBytes.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/APFloat.h"

#include <cmath>
#include <cstring>

using namespace mlir;

namespace lowrank {

#include "lowrank/Interfaces/LinearOpInterface.cpp.inc"

bool isWeightElementType(Type type) {
  return type && (type.isF32() || type.isF16() || type.isBF16());
}

static std::optional<ElementsAttr> getConstantFloatMatrix(Value value) {
  ElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(attr.getType());
  // A weight with no elements (a zero-size dimension) has nothing to
  // factor and is not a layer.
  if (!type || type.getRank() < 2 || !type.hasStaticShape() ||
      type.getNumElements() == 0 ||
      !isWeightElementType(type.getElementType()))
    return std::nullopt;
  return attr;
}

bool isConstantMatrix(Value value) {
  return getConstantFloatMatrix(value).has_value();
}

/// float32 from the bits of a float16 or bfloat16.
static float widenHalf(uint16_t bits, bool isBF16) {
  if (isBF16) {
    uint32_t wide = uint32_t(bits) << 16;
    float result;
    std::memcpy(&result, &wide, sizeof(result));
    return result;
  }
  // The compiler's half type converts exactly, without APFloat's cost per
  // element (a 7B model has 6.7e9 of them).
  _Float16 half;
  std::memcpy(&half, &bits, sizeof(half));
  return static_cast<float>(half);
}

/// The bits of `value` rounded to nearest-even float16 or bfloat16.
static uint16_t narrowHalf(float value, bool isBF16) {
  if (!isBF16) {
    _Float16 half = static_cast<_Float16>(value);
    uint16_t bits;
    std::memcpy(&bits, &half, sizeof(bits));
    return bits;
  }
  uint32_t wide;
  std::memcpy(&wide, &value, sizeof(wide));
  if (std::isnan(value))
    return static_cast<uint16_t>((wide >> 16) | 0x40); // stays a quiet NaN
  wide += 0x7fff + ((wide >> 16) & 1);
  return static_cast<uint16_t>(wide >> 16);
}

/// The elements of a dense or dense_resource float attribute, row-major;
/// f32 blobs are read in place, other types converted into `scratch`.
static FailureOr<ArrayRef<float>> getFloatData(ElementsAttr attr,
                                               std::vector<float> &scratch) {
  Type elementType = attr.getElementType();
  int64_t count = attr.getNumElements();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return failure();
    ArrayRef<char> bytes = blob->getData();
    if (elementType.isF32()) {
      if (bytes.size() != count * sizeof(float))
        return failure();
      return ArrayRef<float>(reinterpret_cast<const float *>(bytes.data()),
                             count);
    }
    if (bytes.size() != count * sizeof(uint16_t))
      return failure();
    scratch.resize(count);
    bool isBF16 = elementType.isBF16();
    for (int64_t i = 0; i < count; ++i) {
      uint16_t bits;
      std::memcpy(&bits, bytes.data() + 2 * i, sizeof(bits));
      scratch[i] = widenHalf(bits, isBF16);
    }
    // Converted: the pages of a mapped weight need not stay resident.
    releaseMappedPages(bytes.data(), bytes.size());
    return ArrayRef<float>(scratch);
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return failure();
  scratch.clear();
  scratch.reserve(count);
  for (const APFloat &value : dense.getValues<APFloat>())
    scratch.push_back(value.convertToFloat());
  return ArrayRef<float>(scratch);
}

FailureOr<WeightMatrix> readConstantMatrix(Value value, bool transpose) {
  std::optional<ElementsAttr> attr = getConstantFloatMatrix(value);
  if (!attr)
    return failure();
  std::vector<float> scratch;
  FailureOr<ArrayRef<float>> data = getFloatData(*attr, scratch);
  if (failed(data))
    return failure();
  // Higher-rank weights (1x1 convolutions) read as dim 0 x the rest.
  auto type = cast<RankedTensorType>(attr->getType());
  int64_t rows = type.getDimSize(0), cols = type.getNumElements() / rows;
  WeightMatrix matrix(rows, cols, data->data());
  // A weight mapped from an external data file is now copied: its pages
  // need not stay resident (see MappedWeights.h).
  if (attr->getElementType().isF32())
    releaseMappedPages(reinterpret_cast<const char *>(data->data()),
                       data->size() * sizeof(float));
  return transpose ? numerics::transposed(matrix) : matrix;
}

/// A blob holding a copy of `bytes`, 64-byte aligned: large ones in the
/// spill file (SpilledBytes.h), so that the weights a pass creates do not
/// accumulate in the process's memory, the others on the heap.
static AsmResourceBlob copyToBlob(ArrayRef<char> bytes) {
  constexpr size_t kAlignment = 64;
  if (bytes.size() >= kMinSpilledBytes) {
    if (std::optional<SpilledBytes> spilled = spillBytes(bytes))
      return AsmResourceBlob(
          ArrayRef<char>(spilled->data, spilled->size), kAlignment,
          [spilled = *spilled](void *, size_t, size_t) {
            releaseSpilledBytes(spilled);
          },
          /*dataIsMutable=*/false);
  }
  return HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, kAlignment);
}

DenseResourceElementsAttr createWeightAttr(MLIRContext *context,
                                           StringRef name,
                                           ArrayRef<int64_t> shape,
                                           const WeightMatrix &matrix,
                                           Type elementType) {
  if (!elementType)
    elementType = Float32Type::get(context);
  auto type = RankedTensorType::get(shape, elementType);
  assert(type.getNumElements() == matrix.size() && "shape/data mismatch");
  if (elementType.isF32()) {
    ArrayRef<char> bytes(reinterpret_cast<const char *>(matrix.data()),
                         matrix.size() * sizeof(float));
    return DenseResourceElementsAttr::get(type, name, copyToBlob(bytes));
  }
  assert(isWeightElementType(elementType) && "not a weight element type");
  bool isBF16 = elementType.isBF16();
  std::vector<uint16_t> narrow(matrix.size());
  for (size_t i = 0; i < narrow.size(); ++i)
    narrow[i] = narrowHalf(matrix.data()[i], isBF16);
  ArrayRef<char> bytes(reinterpret_cast<const char *>(narrow.data()),
                       narrow.size() * sizeof(uint16_t));
  return DenseResourceElementsAttr::get(type, name, copyToBlob(bytes));
}

} // namespace lowrank
