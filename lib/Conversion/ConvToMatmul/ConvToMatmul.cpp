//===- ConvToMatmul.cpp - 2-D convolutions as im2col and a matmul ---------===//
//
// linalg.conv_2d_nchw_fchw lowers to a seven-deep loop nest that the CPU
// pipeline runs as scalar loops. Rewritten as a matrix product, it runs in
// the runtime's GEMM kernels instead: per image n,
//
//   out[n] (F x OH*OW) += W (F x C*KH*KW) . col[n] (C*KH*KW x OH*OW),
//   col[n, c, kh, kw, oh, ow] = in[n, c, oh*sh + kh*dh, ow*sw + kw*dw]
//
// The gather is one linalg.generic with an affine input map; a 1x1 kernel
// of unit strides reads the input itself. The output keeps its init (the
// bias), which the product accumulates onto, as the convolution did.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <algorithm>

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKCONVTOMATMUL
#include "lowrank/Conversion/Passes.h.inc"
} // namespace lowrank

using namespace mlir;

#define DEBUG_TYPE "lowrank-conv-to-matmul"

namespace {

/// The largest gathered column matrix, in elements (64 MiB of f32): beyond
/// it, as for a 3 x 3 convolution of 64 channels over a 1024 x 1024 image
/// (2.4 GB), the convolution keeps its loop nest rather than allocate that.
constexpr int64_t kMaxColumnElements = int64_t(1) << 24;

/// col[n, c, kh, kw, oh, ow] of one image (n = 0 of `image`, 1 x C x H x W)
/// collapsed to C*KH*KW x OH*OW.
Value buildColumns(OpBuilder &b, Location loc, Value image,
                   ArrayRef<int64_t> kernel, ArrayRef<int64_t> outSizes,
                   ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations) {
  auto imageType = cast<RankedTensorType>(image.getType());
  int64_t channels = imageType.getDimSize(1);
  Type elementType = imageType.getElementType();
  bool direct = kernel[0] == 1 && kernel[1] == 1 && strides[0] == 1 &&
                strides[1] == 1 && imageType.getDimSize(2) == outSizes[0] &&
                imageType.getDimSize(3) == outSizes[1];
  SmallVector<ReassociationIndices> toMatrix;
  Value columns;
  if (direct) {
    columns = image; // 1 x C x OH x OW
    toMatrix = {{0, 1}, {2, 3}};
  } else {
    MLIRContext *context = b.getContext();
    AffineExpr n, c, kh, kw, oh, ow;
    bindDims(context, n, c, kh, kw, oh, ow);
    auto read = AffineMap::get(6, 0,
                               {n, c, oh * strides[0] + kh * dilations[0],
                                ow * strides[1] + kw * dilations[1]},
                               context);
    auto write = AffineMap::getMultiDimIdentityMap(6, context);
    SmallVector<int64_t> shape = {1,         channels,    kernel[0],
                                  kernel[1], outSizes[0], outSizes[1]};
    Value empty = tensor::EmptyOp::create(b, loc, shape, elementType);
    columns =
        linalg::GenericOp::create(
            b, loc, empty.getType(), ValueRange{image}, ValueRange{empty},
            ArrayRef<AffineMap>{read, write},
            SmallVector<utils::IteratorType>(6, utils::IteratorType::parallel),
            [](OpBuilder &nested, Location nestedLoc, ValueRange args) {
              linalg::YieldOp::create(nested, nestedLoc, args[0]);
            })
            .getResult(0);
    toMatrix = {{0, 1, 2, 3}, {4, 5}};
  }
  return tensor::CollapseShapeOp::create(b, loc, columns, toMatrix);
}

struct ConvToMatmul : OpRewritePattern<linalg::Conv2DNchwFchwOp> {
  ConvToMatmul(MLIRContext *context, bool directConvolutions)
      : OpRewritePattern(context), directConvolutions(directConvolutions) {}
  bool directConvolutions;

  LogicalResult matchAndRewrite(linalg::Conv2DNchwFchwOp conv,
                                PatternRewriter &rewriter) const override {
    if (!conv.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(conv, "needs tensors");
    Value input = conv.getDpsInputs()[0], filter = conv.getDpsInputs()[1];
    Value init = conv.getDpsInits()[0];
    auto inputType = cast<RankedTensorType>(input.getType());
    auto filterType = cast<RankedTensorType>(filter.getType());
    auto outType = cast<RankedTensorType>(init.getType());
    if (!inputType.getElementType().isF32() ||
        !filterType.getElementType().isF32() ||
        !outType.getElementType().isF32())
      return rewriter.notifyMatchFailure(conv, "the kernels are f32");
    // The batch may be symbolic: the product runs image by image.
    if (!filterType.hasStaticShape() ||
        llvm::any_of(inputType.getShape().drop_front(),
                     ShapedType::isDynamic) ||
        llvm::any_of(outType.getShape().drop_front(), ShapedType::isDynamic))
      return rewriter.notifyMatchFailure(conv, "needs static sizes");
    if (directConvolutions)
      return rewriter.notifyMatchFailure(conv, "left to the direct kernel");
    SmallVector<int64_t> strides(conv.getStrides().getValues<int64_t>());
    SmallVector<int64_t> dilations(conv.getDilations().getValues<int64_t>());
    ArrayRef<int64_t> kernel = filterType.getShape().drop_front(2);
    ArrayRef<int64_t> outSizes = outType.getShape().drop_front(2);
    // Saturating: each factor is below 2^31 in any tensor that fits.
    int64_t columnElements = filterType.getDimSize(1);
    for (int64_t size : {kernel[0], kernel[1], outSizes[0], outSizes[1]})
      columnElements = std::min(columnElements * size, kMaxColumnElements + 1);
    if (columnElements > kMaxColumnElements)
      return rewriter.notifyMatchFailure(conv,
                                         "the columns would be too large");

    Location loc = conv.getLoc();
    Value weights = tensor::CollapseShapeOp::create(
        rewriter, loc, filter,
        SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
    auto buildImage = [&](OpBuilder &b, Value image, Value outImage) {
      Value columns =
          buildColumns(b, loc, image, kernel, outSizes, strides, dilations);
      Value acc = tensor::CollapseShapeOp::create(
          b, loc, outImage, SmallVector<ReassociationIndices>{{0, 1}, {2, 3}});
      Value product = linalg::MatmulOp::create(b, loc, TypeRange{acc.getType()},
                                               ValueRange{weights, columns},
                                               ValueRange{acc})
                          .getResult(0);
      return tensor::ExpandShapeOp::create(
          b, loc, outImage.getType(), product,
          SmallVector<ReassociationIndices>{{0, 1}, {2, 3}});
    };

    if (outType.getDimSize(0) == 1) {
      rewriter.replaceOp(conv, buildImage(rewriter, input, init));
      return success();
    }
    // One image at a time: the slices of the batch loop.
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value batch = tensor::DimOp::create(rewriter, loc, init, 0);
    auto loop = scf::ForOp::create(
        rewriter, loc, zero, batch, one, ValueRange{init},
        [&](OpBuilder &b, Location nestedLoc, Value n, ValueRange carried) {
          auto slice = [&](Value source, Value into) -> Value {
            auto type = cast<RankedTensorType>(source.getType());
            SmallVector<OpFoldResult> offsets(type.getRank(),
                                              b.getIndexAttr(0));
            offsets[0] = n;
            SmallVector<OpFoldResult> sizes,
                steps(type.getRank(), b.getIndexAttr(1));
            sizes.push_back(b.getIndexAttr(1));
            for (int64_t size : type.getShape().drop_front())
              sizes.push_back(b.getIndexAttr(size));
            if (!into) {
              SmallVector<int64_t> shape(type.getShape());
              shape[0] = 1;
              auto sliceType =
                  RankedTensorType::get(shape, type.getElementType());
              return tensor::ExtractSliceOp::create(
                  b, nestedLoc, sliceType, source, offsets, sizes, steps);
            }
            return tensor::InsertSliceOp::create(b, nestedLoc, source, into,
                                                 offsets, sizes, steps);
          };
          Value image = slice(input, Value());
          Value outImage = slice(carried[0], Value());
          Value result = buildImage(b, image, outImage);
          scf::YieldOp::create(b, nestedLoc, slice(result, carried[0]));
        });
    rewriter.replaceOp(conv, loop.getResult(0));
    return success();
  }
};

/// The grouped (and depthwise) convolution of the ONNX lowering, a generic
/// over loops (n, g, m, o_1..o_s, c, k_1..k_s) that multiplies and adds,
/// gets the loop order (n, g, m, o_1..o_s-1, c, k_1..k_s, o_s): the loop
/// lowering then runs the innermost loop along an output row, where input
/// and output are contiguous (for unit strides) and LLVM vectorizes it,
/// instead of over a 3 x 3 window.
struct GroupedConvLoopOrder : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
        op.getNumDpsInits() != 1)
      return rewriter.notifyMatchFailure(op, "not a convolution's operands");
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    int64_t numParallel = llvm::count(iterators, utils::IteratorType::parallel);
    int64_t spatialRank = numParallel - 3;
    if (spatialRank < 1 ||
        static_cast<int64_t>(iterators.size()) != 4 + 2 * spatialRank ||
        !llvm::all_of(ArrayRef(iterators).take_front(numParallel),
                      linalg::isParallelIterator))
      return rewriter.notifyMatchFailure(op, "not (n, g, m, o..., c, k...)");
    AffineMap outputMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
    auto leadingDims =
        AffineMap::getMultiDimIdentityMap(numParallel, op.getContext());
    if (outputMap.getNumResults() != numParallel ||
        outputMap.getResults() != leadingDims.getResults() ||
        !llvm::any_of(op.getBody()->getOperations(),
                      llvm::IsaPred<arith::MulFOp>))
      return rewriter.notifyMatchFailure(op, "not a multiply-accumulate");
    SmallVector<unsigned> order = {0, 1, 2};
    for (int64_t i = 0; i + 1 < spatialRank; ++i)
      order.push_back(3 + i);
    for (int64_t i = 0; i <= spatialRank; ++i)
      order.push_back(numParallel + i);
    order.push_back(numParallel - 1);
    return failure(failed(linalg::interchangeGenericOp(rewriter, op, order)));
  }
};

struct ConvToMatmulPass
    : lowrank::impl::LowrankConvToMatmulBase<ConvToMatmulPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ConvToMatmul>(&getContext(), directConvolutions);
    patterns.add<GroupedConvLoopOrder>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
