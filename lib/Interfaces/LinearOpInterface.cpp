//===- LinearOpInterface.cpp - Linear ops with a constant weight ----------===//

#include "lowrank/Interfaces/LinearOpInterface.h"

#include "lowrank/Support/MappedWeights.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace lowrank {

#include "lowrank/Interfaces/LinearOpInterface.cpp.inc"

static std::optional<ElementsAttr> getConstantF32Matrix(Value value) {
  ElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(attr.getType());
  if (!type || type.getRank() < 2 || !type.hasStaticShape() ||
      !type.getElementType().isF32())
    return std::nullopt;
  return attr;
}

bool isConstantMatrix(Value value) {
  return getConstantF32Matrix(value).has_value();
}

/// The elements of a dense or dense_resource f32 attribute, row-major.
static FailureOr<ArrayRef<float>> getFloatData(ElementsAttr attr,
                                               std::vector<float> &scratch) {
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return failure();
    ArrayRef<char> bytes = blob->getData();
    if (bytes.size() != attr.getNumElements() * sizeof(float))
      return failure();
    return ArrayRef<float>(reinterpret_cast<const float *>(bytes.data()),
                           attr.getNumElements());
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return failure();
  scratch.assign(dense.getValues<float>().begin(),
                 dense.getValues<float>().end());
  return ArrayRef<float>(scratch);
}

FailureOr<WeightMatrix> readConstantMatrix(Value value, bool transpose) {
  std::optional<ElementsAttr> attr = getConstantF32Matrix(value);
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
  releaseMappedPages(reinterpret_cast<const char *>(data->data()),
                     data->size() * sizeof(float));
  return transpose ? numerics::transposed(matrix) : matrix;
}

DenseResourceElementsAttr createWeightAttr(MLIRContext *context,
                                           StringRef name,
                                           ArrayRef<int64_t> shape,
                                           const WeightMatrix &matrix) {
  auto type = RankedTensorType::get(shape, Float32Type::get(context));
  assert(type.getNumElements() == matrix.size() && "shape/data mismatch");
  ArrayRef<char> bytes(reinterpret_cast<const char *>(matrix.data()),
                       matrix.size() * sizeof(float));
  return DenseResourceElementsAttr::get(
      type, name,
      HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, /*align=*/64));
}

} // namespace lowrank
