//===- Spectral.cpp - onnx DFT and STFT to linalg -------------------------===//
//
// A discrete Fourier transform of length N is a linear map: each output
// component is a sum over the samples and their components of the input
// times a twiddle factor. With N known at compile time the factors are a
// constant table T[k][n][ci][co] (computed in double precision, the angle
// reduced as 2 pi ((k n) mod N) / N), and the transform is one
// linalg.generic contraction over n and ci:
//
//   DFT:  y[..., k, ..., co] = sum x[..., n, ..., ci] T[k, n, ci, co]
//   STFT: y[b, f, k, co]     = sum s[b, f step + n, ci] w[n] T[k, n, ci, co]
//
// (a real STFT signal may also be [batch, length], as ONNX Runtime allows).
//
// A forward transform multiplies by e^(-2 pi i k n / N), an inverse one by
// e^(+2 pi i k n / N) / N; a one-sided forward transform keeps the first
// N / 2 + 1 rows, and a one-sided inverse reads a half spectrum and writes
// the real signal, counting each frequency strictly between 0 and N / 2
// twice (its conjugate twin), as numpy's irfft does. Inputs longer than N
// are cut, shorter ones read as padded with zeros.
//
// Sizes that ONNX gives as run-time scalars (DFT's axis, STFT's
// frame_length) must match the result type: the candidates the types allow
// are compiled, and the generated code checks the value and switches on it
// (scf.index_switch). STFT's frame_step may be a run-time value: the body
// reads the signal at f * step + n.
//
//===----------------------------------------------------------------------===//

#include "ControlFlowUtils.h"
#include "RuntimeChecks.h"
#include "TensorOpsPatterns.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace lowrank;

namespace {

/// The largest twiddle table built (elements): 256 MiB in float32.
constexpr int64_t kMaxTableElements = int64_t(1) << 26;

/// One transform of length N along an axis of `axisSize` samples.
struct Transform {
  int64_t length = 0;        // N
  int64_t rows = 0;          // output positions k
  int64_t samples = 0;       // input positions n read (at most N)
  int64_t inComponents = 1;  // 1 (real) or 2 (complex)
  int64_t outComponents = 2; // 2, or 1 for a one-sided inverse
  bool inverse = false;
  bool onesided = false;

  Transform(int64_t length, int64_t axisSize, int64_t inComponents,
            bool inverse, bool onesided)
      : length(length), inComponents(inComponents), inverse(inverse),
        onesided(onesided) {
    if (inverse && onesided) {
      rows = length;
      samples = std::min(axisSize, length / 2 + 1);
      outComponents = 1;
    } else {
      rows = onesided ? length / 2 + 1 : length;
      samples = std::min(axisSize, length);
    }
  }

  /// The table's element count, saturated at INT64_MAX (a hostile
  /// dft_length must not wrap below the limit).
  int64_t getTableElements() const {
    __int128 count =
        static_cast<__int128>(rows) * samples * inComponents * outComponents;
    return count > INT64_MAX ? INT64_MAX : static_cast<int64_t>(count);
  }

  /// T[k][n][ci][co] as a constant of element type `type`.
  DenseElementsAttr buildTable(FloatType type) const {
    SmallVector<double> values(getTableElements(), 0.0);
    auto at = [&](int64_t k, int64_t n, int64_t ci, int64_t co) -> double & {
      return values[((k * samples + n) * inComponents + ci) * outComponents +
                    co];
    };
    for (int64_t k = 0; k < rows; ++k) {
      for (int64_t n = 0; n < samples; ++n) {
        int64_t reduced = static_cast<int64_t>(
            (static_cast<unsigned __int128>(k) * n) % length);
        double theta = 2.0 * M_PI * double(reduced) / double(length);
        double c = std::cos(theta), s = std::sin(theta);
        if (inverse && onesided) {
          // Row k is the sample, n the frequency of the half spectrum.
          bool single = n == 0 || (length % 2 == 0 && 2 * n == length);
          double scale = (single ? 1.0 : 2.0) / double(length);
          at(k, n, 0, 0) = c * scale;
          if (inComponents == 2)
            at(k, n, 1, 0) = -s * scale;
          continue;
        }
        // (re + i im) (c + i sigma s), scaled.
        double sigma = inverse ? 1.0 : -1.0;
        double scale = inverse ? 1.0 / double(length) : 1.0;
        at(k, n, 0, 0) = c * scale;
        at(k, n, 0, 1) = sigma * s * scale;
        if (inComponents == 2) {
          at(k, n, 1, 0) = -sigma * s * scale;
          at(k, n, 1, 1) = c * scale;
        }
      }
    }
    auto tableType = RankedTensorType::get(
        {rows, samples, inComponents, outComponents}, type);
    if (type.isF64())
      return DenseElementsAttr::get(tableType, ArrayRef(values));
    SmallVector<float> narrow(values.begin(), values.end());
    return DenseElementsAttr::get(tableType, ArrayRef(narrow));
  }
};

Value createIndexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// `selector` (an index) as one of `candidates`, each built by `build` and
/// cast to `resultType`: directly for one candidate, else by an
/// scf.index_switch whose default (never taken: the caller asserts that
/// the selector is a candidate) is the first candidate's.
Value buildCandidateSwitch(OpBuilder &b, Location loc, Value selector,
                           ArrayRef<int64_t> candidates,
                           RankedTensorType resultType,
                           function_ref<Value(OpBuilder &, int64_t)> build) {
  auto buildCast = [&](OpBuilder &nested, int64_t candidate) -> Value {
    Value value = build(nested, candidate);
    if (value.getType() == resultType)
      return value;
    return tensor::CastOp::create(nested, loc, resultType, value);
  };
  if (candidates.size() == 1)
    return buildCast(b, candidates.front());
  auto switchOp = scf::IndexSwitchOp::create(
      b, loc, TypeRange{resultType}, selector, candidates, candidates.size());
  auto fill = [&](Region &region, int64_t candidate) {
    Block *block = b.createBlock(&region);
    OpBuilder nested = OpBuilder::atBlockEnd(block);
    scf::YieldOp::create(nested, loc, buildCast(nested, candidate));
  };
  OpBuilder::InsertionGuard guard(b);
  for (auto [region, candidate] :
       llvm::zip(switchOp.getCaseRegions(), candidates))
    fill(region, candidate);
  fill(switchOp.getDefaultRegion(), candidates.front());
  return switchOp.getResult(0);
}

/// Asserts that `selector` is one of `candidates`.
void assertCandidate(OpBuilder &b, Location loc, Value selector,
                     ArrayRef<int64_t> candidates, const Twine &message) {
  Value any = arith::ConstantIntOp::create(b, loc, 0, 1);
  for (int64_t candidate : candidates)
    any = arith::OrIOp::create(
        b, loc, any,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, selector,
                              createIndexConstant(b, loc, candidate)));
  cf::AssertOp::create(b, loc, any, message.str());
}

/// The scalar integer tensor `value` read as an index.
Value readIndexScalar(OpBuilder &b, Location loc, Value value) {
  Value scalar = extractScalar(b, loc, value);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), scalar);
}

/// The body of both contractions: acc + product of `factors`.
Value accumulate(OpBuilder &b, Location loc, Value acc,
                 ArrayRef<Value> factors) {
  Value product = factors.front();
  for (Value factor : factors.drop_front())
    product = arith::MulFOp::create(b, loc, product, factor);
  return arith::AddFOp::create(b, loc, acc, product);
}

struct DFTLowering : OpConversionPattern<onnx::DFTOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::DFTOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = dyn_cast<RankedTensorType>(input.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!inputType || !resultType)
      return rewriter.notifyMatchFailure(op, "needs ranked types");
    auto elementType = dyn_cast<FloatType>(inputType.getElementType());
    if (!elementType || !(elementType.isF32() || elementType.isF64()))
      return op.emitOpError("is lowered for float32 and float64 only");
    int64_t rank = inputType.getRank();
    int64_t inComponents = inputType.getShape().back();
    if (ShapedType::isDynamic(inComponents))
      return op.emitOpError("needs a static complex dimension");
    bool inverse = op.getInverse(), onesided = op.getOnesided();

    std::optional<int64_t> length;
    if (!isNoneValue(adaptor.getDftLength())) {
      std::optional<SmallVector<int64_t>> given =
          getConstantIntValues(adaptor.getDftLength());
      if (!given || given->size() != 1)
        return op.emitOpError(
            "needs dft_length known at compile time (a constant)");
      if ((*given)[0] < 1)
        return op.emitOpError("dft_length must be positive");
      length = (*given)[0];
    }

    // The axes the types allow, and the transform along each.
    auto transformAlong = [&](int64_t axis) -> std::optional<Transform> {
      int64_t axisSize = inputType.getDimSize(axis);
      if (ShapedType::isDynamic(axisSize))
        return std::nullopt;
      int64_t n = length
                      ? *length
                      : (inverse && onesided ? 2 * (axisSize - 1) : axisSize);
      if (n < 1)
        return std::nullopt;
      Transform transform(n, axisSize, inComponents, inverse, onesided);
      auto fits = [](int64_t declared, int64_t actual) {
        return ShapedType::isDynamic(declared) || declared == actual;
      };
      if (!fits(resultType.getDimSize(axis), transform.rows) ||
          !fits(resultType.getShape().back(), transform.outComponents))
        return std::nullopt;
      for (int64_t i = 0; i + 1 < rank; ++i)
        if (i != axis && !ShapedType::isDynamic(inputType.getDimSize(i)) &&
            !fits(resultType.getDimSize(i), inputType.getDimSize(i)))
          return std::nullopt;
      return transform;
    };

    Value selector;
    SmallVector<int64_t> candidates;
    std::optional<SmallVector<int64_t>> constantAxis =
        isNoneValue(adaptor.getAxis())
            ? std::optional<SmallVector<int64_t>>(SmallVector<int64_t>{-2})
            : getConstantIntValues(adaptor.getAxis());
    if (constantAxis) {
      if (constantAxis->size() != 1)
        return op.emitOpError("axis must be a scalar");
      int64_t axis = (*constantAxis)[0];
      if (axis < -rank || axis >= rank - 1 || axis == -1)
        return op.emitOpError("axis ") << axis << " is outside [-" << rank
                                       << ", -2] and [0, " << rank - 2 << "]";
      candidates.push_back(axis < 0 ? axis + rank : axis);
    } else {
      for (int64_t axis = 0; axis + 1 < rank; ++axis)
        candidates.push_back(axis);
    }
    SmallVector<int64_t> valid;
    for (int64_t axis : candidates) {
      std::optional<Transform> transform = transformAlong(axis);
      if (!transform)
        continue;
      if (transform->getTableElements() > kMaxTableElements)
        return op.emitOpError("a transform of length ")
               << transform->length << " needs a table of "
               << transform->getTableElements()
               << " elements, over the limit of " << kMaxTableElements;
      valid.push_back(axis);
    }
    if (valid.empty())
      return op.emitOpError(
          "no axis gives the result type (the axis must have a static size, "
          "and the sizes must match)");

    std::string prefix = getNodePrefix(op);
    if (!constantAxis) {
      // Normalize the run-time axis and check it against the candidates.
      Value axis = readIndexScalar(rewriter, loc, adaptor.getAxis());
      Value negative =
          arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt, axis,
                                createIndexConstant(rewriter, loc, 0));
      selector = arith::SelectOp::create(
          rewriter, loc, negative,
          arith::AddIOp::create(rewriter, loc, axis,
                                createIndexConstant(rewriter, loc, rank)),
          axis);
      assertCandidate(rewriter, loc, selector, valid,
                      prefix + "DFT axis must be one whose transform has "
                               "the result's shape");
    }

    Value result = buildCandidateSwitch(
        rewriter, loc, selector, valid, resultType,
        [&](OpBuilder &b, int64_t axis) {
          return buildTransform(b, loc, input, axis, *transformAlong(axis),
                                resultType, elementType);
        });
    rewriter.replaceOp(op, result);
    return success();
  }

  /// The contraction along `axis`, of the result type with the axis and
  /// complex sizes of `transform`.
  static Value buildTransform(OpBuilder &b, Location loc, Value input,
                              int64_t axis, const Transform &transform,
                              RankedTensorType resultType,
                              FloatType elementType) {
    auto inputType = cast<RankedTensorType>(input.getType());
    int64_t rank = inputType.getRank();
    if (inputType.getDimSize(axis) > transform.samples) {
      // Read only the samples the transform uses.
      SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, input);
      SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
      sizes[axis] = b.getIndexAttr(transform.samples);
      input = tensor::ExtractSliceOp::create(b, loc, input, offsets, sizes,
                                             strides);
    }
    SmallVector<int64_t> shape(resultType.getShape());
    shape[axis] = transform.rows;
    shape.back() = transform.outComponents;
    auto caseType = RankedTensorType::get(shape, elementType);
    Value init = createZeroTensor(b, loc, caseType, input);
    Value table =
        arith::ConstantOp::create(b, loc, transform.buildTable(elementType));

    MLIRContext *context = b.getContext();
    auto dim = [&](int64_t i) { return getAffineDimExpr(i, context); };
    int64_t sample = rank, component = rank + 1;
    SmallVector<AffineExpr> inputExprs;
    for (int64_t i = 0; i < rank; ++i)
      inputExprs.push_back(i == axis       ? dim(sample)
                           : i == rank - 1 ? dim(component)
                                           : dim(i));
    SmallVector<AffineExpr> outputExprs;
    for (int64_t i = 0; i < rank; ++i)
      outputExprs.push_back(dim(i));
    SmallVector<AffineMap> maps = {
        AffineMap::get(rank + 2, 0, inputExprs, context),
        AffineMap::get(rank + 2, 0,
                       {dim(axis), dim(sample), dim(component), dim(rank - 1)},
                       context),
        AffineMap::get(rank + 2, 0, outputExprs, context)};
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    iterators.append(2, utils::IteratorType::reduction);
    return linalg::GenericOp::create(
               b, loc, TypeRange{caseType}, ValueRange{input, table},
               ValueRange{init}, maps, iterators,
               [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
                 linalg::YieldOp::create(nested, nestedLoc,
                                         accumulate(nested, nestedLoc, args[2],
                                                    {args[0], args[1]}));
               })
        .getResult(0);
  }
};

struct STFTLowering : OpConversionPattern<onnx::STFTOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::STFTOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value signal = adaptor.getSignal();
    auto signalType = dyn_cast<RankedTensorType>(signal.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!signalType || !resultType)
      return rewriter.notifyMatchFailure(op, "needs ranked types");
    auto elementType = dyn_cast<FloatType>(signalType.getElementType());
    if (!elementType || !(elementType.isF32() || elementType.isF64()))
      return op.emitOpError("is lowered for float32 and float64 only");
    // A real signal may come as [batch, length] (ONNX Runtime takes it).
    int64_t inComponents =
        signalType.getRank() == 2 ? 1 : signalType.getDimSize(2);
    if (ShapedType::isDynamic(inComponents))
      return op.emitOpError("needs a static complex dimension");
    bool onesided = op.getOnesided();
    int64_t signalLength = signalType.getDimSize(1);
    Value window = adaptor.getWindow();
    bool hasWindow = !isNoneValue(window);
    int64_t windowLength =
        hasWindow ? cast<RankedTensorType>(window.getType()).getDimSize(0)
                  : ShapedType::kDynamic;
    bool hasFrameLength = !isNoneValue(adaptor.getFrameLength());
    std::optional<int64_t> frameLength;
    if (hasFrameLength) {
      if (std::optional<SmallVector<int64_t>> given =
              getConstantIntValues(adaptor.getFrameLength()))
        frameLength = given->front();
    }
    std::string prefix = getNodePrefix(op);

    // The frame lengths the types allow.
    SmallVector<int64_t> candidates;
    if (frameLength) {
      candidates.push_back(*frameLength);
    } else if (!ShapedType::isDynamic(windowLength)) {
      candidates.push_back(windowLength);
    } else if (!hasFrameLength && !hasWindow) {
      if (ShapedType::isDynamic(signalLength))
        return op.emitOpError("needs frame_length or a window when the signal "
                              "length is not static");
      candidates.push_back(signalLength);
    } else {
      int64_t bins = resultType.getDimSize(2);
      if (ShapedType::isDynamic(bins))
        return op.emitOpError("needs a frame length known at compile time "
                              "(a constant frame_length, a window of static "
                              "size or a static number of bins)");
      if (onesided)
        candidates.append({2 * bins - 2, 2 * bins - 1});
      else
        candidates.push_back(bins);
    }
    llvm::erase_if(candidates, [&](int64_t n) {
      return n < 1 ||
             (!ShapedType::isDynamic(signalLength) && n > signalLength) ||
             (!ShapedType::isDynamic(windowLength) && n != windowLength);
    });
    if (candidates.empty())
      return op.emitOpError("the frame length, window and signal sizes do not "
                            "fit together");
    for (int64_t n : candidates) {
      Transform transform(n, n, inComponents, /*inverse=*/false, onesided);
      if (!ShapedType::isDynamic(resultType.getDimSize(2)) &&
          resultType.getDimSize(2) != transform.rows)
        return op.emitOpError("the result has ")
               << resultType.getDimSize(2) << " bins, a frame of " << n
               << " samples gives " << transform.rows;
      if (transform.getTableElements() > kMaxTableElements)
        return op.emitOpError("a frame of ")
               << n << " samples needs a table of "
               << transform.getTableElements() << " elements, over the limit "
               << "of " << kMaxTableElements;
    }

    // Run-time values and the checks ONNX Runtime makes.
    Value step = readIndexScalar(rewriter, loc, adaptor.getFrameStep());
    Value zero = createIndexConstant(rewriter, loc, 0);
    cf::AssertOp::create(rewriter, loc,
                         arith::CmpIOp::create(rewriter, loc,
                                               arith::CmpIPredicate::sgt, step,
                                               zero),
                         prefix + "STFT frame_step must be positive");
    Value selector;
    if (hasFrameLength && !frameLength) {
      selector = readIndexScalar(rewriter, loc, adaptor.getFrameLength());
      assertCandidate(rewriter, loc, selector, candidates,
                      prefix + "STFT frame_length must give the result's "
                               "number of bins");
    } else if (hasWindow && ShapedType::isDynamic(windowLength)) {
      selector = tensor::DimOp::create(rewriter, loc, window, 0);
      assertCandidate(rewriter, loc, selector, candidates,
                      prefix + "STFT window must be frame_length long");
    }
    if (hasWindow && ShapedType::isDynamic(windowLength) && frameLength) {
      Value given = tensor::DimOp::create(rewriter, loc, window, 0);
      cf::AssertOp::create(
          rewriter, loc,
          arith::CmpIOp::create(
              rewriter, loc, arith::CmpIPredicate::eq, given,
              createIndexConstant(rewriter, loc, *frameLength)),
          prefix + "STFT window must be frame_length long");
    }
    Value length = tensor::DimOp::create(rewriter, loc, signal, 1);
    // Each candidate's checks hold where it is the one selected: the signal
    // holds a frame, and the frame count is the result's.
    int64_t declaredFrames = resultType.getDimSize(1);
    Value valid = arith::ConstantIntOp::create(rewriter, loc, 1, 1);
    Value fits = valid;
    for (int64_t frame : candidates) {
      Value frameSize = createIndexConstant(rewriter, loc, frame);
      Value holds = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::sge, length, frameSize);
      Value counted = valid;
      if (!ShapedType::isDynamic(declaredFrames))
        counted = arith::CmpIOp::create(
            rewriter, loc, arith::CmpIPredicate::eq,
            countFrames(rewriter, loc, length, frameSize, step),
            createIndexConstant(rewriter, loc, declaredFrames));
      if (selector) {
        Value other = arith::CmpIOp::create(
            rewriter, loc, arith::CmpIPredicate::ne, selector, frameSize);
        holds = arith::OrIOp::create(rewriter, loc, other, holds);
        counted = arith::OrIOp::create(rewriter, loc, other, counted);
      }
      valid = arith::AndIOp::create(rewriter, loc, valid, holds);
      fits = arith::AndIOp::create(rewriter, loc, fits, counted);
    }
    cf::AssertOp::create(rewriter, loc, valid,
                         prefix + "STFT signal is shorter than a frame");
    cf::AssertOp::create(
        rewriter, loc, fits,
        prefix + "STFT gives another number of frames than the result's");

    Value result = buildCandidateSwitch(
        rewriter, loc, selector, candidates, resultType,
        [&](OpBuilder &b, int64_t frame) {
          return buildFrames(
              b, loc, signal, window, step, length, frame,
              Transform(frame, frame, inComponents, false, onesided),
              resultType, elementType);
        });
    rewriter.replaceOp(op, result);
    return success();
  }

  /// (length - frame) / step + 1, the number of whole frames (the caller
  /// checks that length >= frame and step > 0).
  static Value countFrames(OpBuilder &b, Location loc, Value length,
                           Value frameSize, Value step) {
    return arith::AddIOp::create(
        b, loc,
        arith::DivUIOp::create(
            b, loc, arith::SubIOp::create(b, loc, length, frameSize), step),
        createIndexConstant(b, loc, 1));
  }

  /// The transforms of every frame of `frame` samples. The reads stay in
  /// the signal because the last frame ends at (frames - 1) step + frame
  /// <= length.
  static Value buildFrames(OpBuilder &b, Location loc, Value signal,
                           Value window, Value step, Value length,
                           int64_t frame, const Transform &transform,
                           RankedTensorType resultType, FloatType elementType) {
    Value frames =
        countFrames(b, loc, length, createIndexConstant(b, loc, frame), step);
    auto caseType = RankedTensorType::get(
        {resultType.getDimSize(0), resultType.getDimSize(1), transform.rows, 2},
        elementType);
    SmallVector<Value> dynamicSizes;
    if (caseType.isDynamicDim(0))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, signal, 0));
    if (caseType.isDynamicDim(1))
      dynamicSizes.push_back(frames);
    Value empty = tensor::EmptyOp::create(b, loc, caseType.getShape(),
                                          elementType, dynamicSizes);
    Value zeroValue = arith::ConstantOp::create(
        b, loc, elementType, b.getFloatAttr(elementType, 0.0));
    Value init = linalg::FillOp::create(b, loc, zeroValue, empty).getResult(0);
    Value table =
        arith::ConstantOp::create(b, loc, transform.buildTable(elementType));

    // Loops (b, f, k, co, n, ci).
    MLIRContext *context = b.getContext();
    auto dim = [&](int64_t i) { return getAffineDimExpr(i, context); };
    SmallVector<Value> inputs = {table};
    SmallVector<AffineMap> maps = {
        AffineMap::get(6, 0, {dim(2), dim(4), dim(5), dim(3)}, context)};
    bool hasWindow = !isNoneValue(window);
    if (hasWindow) {
      inputs.push_back(window);
      maps.push_back(AffineMap::get(6, 0, {dim(4)}, context));
    }
    maps.push_back(
        AffineMap::get(6, 0, {dim(0), dim(1), dim(2), dim(3)}, context));
    SmallVector<utils::IteratorType> iterators(4,
                                               utils::IteratorType::parallel);
    iterators.append(2, utils::IteratorType::reduction);
    return linalg::GenericOp::create(
               b, loc, TypeRange{caseType}, inputs, ValueRange{init}, maps,
               iterators,
               [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
                 auto index = [&](int64_t i) -> Value {
                   return linalg::IndexOp::create(nested, nestedLoc, i);
                 };
                 Value position = arith::AddIOp::create(
                     nested, nestedLoc,
                     arith::MulIOp::create(nested, nestedLoc, index(1), step),
                     index(4));
                 SmallVector<Value> indices = {index(0), position};
                 if (cast<RankedTensorType>(signal.getType()).getRank() == 3)
                   indices.push_back(index(5));
                 Value sample = tensor::ExtractOp::create(nested, nestedLoc,
                                                          signal, indices);
                 SmallVector<Value> factors = {sample, args[0]};
                 if (hasWindow)
                   factors.push_back(args[1]);
                 linalg::YieldOp::create(
                     nested, nestedLoc,
                     accumulate(nested, nestedLoc, args.back(), factors));
               })
        .getResult(0);
  }
};

} // namespace

void lowrank::populateONNXSpectralToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<DFTLowering, STFTLowering>(patterns.getContext());
}
