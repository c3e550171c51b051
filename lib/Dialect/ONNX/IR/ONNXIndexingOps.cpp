//===- ONNXIndexingOps.cpp - Verifiers of the indexing operators ----------===//
//
// Ranks and axes of GatherElements, GatherND, Trilu, Range, Size, Pad,
// CumSum, CumProd, ReverseSequence and GridSample. Dynamic dimensions are
// accepted wherever a static size would be checked.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace lowrank::onnx;

static std::optional<int64_t> getRankOf(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type)
    return std::nullopt;
  return type.getRank();
}

/// Whether `value` is a scalar or a 1-D tensor of one element (or unranked).
static bool isScalarLike(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type)
    return true;
  return type.getRank() == 0 ||
         (type.getRank() == 1 && !(type.getDimSize(0) > 1));
}

LogicalResult GatherElementsOp::verify() {
  std::optional<int64_t> rank = getRankOf(getData());
  std::optional<int64_t> indicesRank = getRankOf(getIndices());
  if (rank && *rank == 0)
    return emitOpError("data must have rank >= 1");
  if (rank && indicesRank && *rank != *indicesRank)
    return emitOpError("indices must have the rank of data (")
           << *rank << "), got " << *indicesRank;
  // I64Attr getters return uint64_t: -1 arrives as 2^64 - 1.
  int64_t axis = static_cast<int64_t>(getAxis());
  if (rank && (axis < -*rank || axis >= *rank))
    return emitOpError("axis ")
           << axis << " is out of range for rank " << *rank;
  return success();
}

LogicalResult GatherNDOp::verify() {
  std::optional<int64_t> rank = getRankOf(getData());
  std::optional<int64_t> indicesRank = getRankOf(getIndices());
  int64_t batchDims = static_cast<int64_t>(getBatchDims());
  if (batchDims < 0)
    return emitOpError("batch_dims must not be negative");
  if (rank && *rank < 1)
    return emitOpError("data must have rank >= 1");
  if (indicesRank && *indicesRank < 1)
    return emitOpError("indices must have rank >= 1");
  if (rank && indicesRank && batchDims >= std::min(*rank, *indicesRank))
    return emitOpError("batch_dims must be less than both ranks");
  if (rank && indicesRank) {
    auto indicesType = cast<RankedTensorType>(getIndices().getType());
    int64_t depth = indicesType.getDimSize(*indicesRank - 1);
    if (!ShapedType::isDynamic(depth) && depth > *rank - batchDims)
      return emitOpError("index tuples of ")
             << depth << " coordinates for " << *rank - batchDims
             << " dimensions";
  }
  return success();
}

LogicalResult ReverseSequenceOp::verify() {
  int64_t batchAxis = static_cast<int64_t>(getBatchAxis());
  int64_t timeAxis = static_cast<int64_t>(getTimeAxis());
  if ((batchAxis != 0 && batchAxis != 1) || (timeAxis != 0 && timeAxis != 1) ||
      batchAxis == timeAxis)
    return emitOpError("batch_axis and time_axis must be 0 and 1 in either "
                       "order, got ")
           << batchAxis << " and " << timeAxis;
  auto inputType = dyn_cast<RankedTensorType>(getInput().getType());
  if (inputType && inputType.getRank() < 2)
    return emitOpError("input must have rank >= 2");
  if (auto resultType = dyn_cast<RankedTensorType>(getY().getType());
      inputType && resultType &&
      failed(verifyCompatibleShape(inputType, resultType)))
    return emitOpError("the result must have the shape of input");
  auto lensType = dyn_cast<RankedTensorType>(getSequenceLens().getType());
  if (lensType && lensType.getRank() != 1)
    return emitOpError("sequence_lens must be 1-D");
  if (inputType && lensType && !inputType.isDynamicDim(batchAxis) &&
      !lensType.isDynamicDim(0) &&
      lensType.getDimSize(0) != inputType.getDimSize(batchAxis))
    return emitOpError("sequence_lens must have one length per batch item (")
           << inputType.getDimSize(batchAxis) << "), got "
           << lensType.getDimSize(0);
  return success();
}

LogicalResult GridSampleOp::verify() {
  if (!llvm::is_contained({"linear", "bilinear", "nearest", "cubic", "bicubic"},
                          getMode()))
    return emitOpError("unknown mode '") << getMode() << "'";
  if (!llvm::is_contained({"zeros", "border", "reflection"}, getPaddingMode()))
    return emitOpError("unknown padding_mode '") << getPaddingMode() << "'";
  if (getAlignCorners() != 0 && getAlignCorners() != 1)
    return emitOpError("align_corners must be 0 or 1");
  auto inputType = dyn_cast<RankedTensorType>(getX().getType());
  auto gridType = dyn_cast<RankedTensorType>(getGrid().getType());
  if (inputType && inputType.getRank() < 3)
    return emitOpError("X must have rank >= 3 (N, C, spatial...)");
  if (!inputType || !gridType)
    return success();
  int64_t rank = inputType.getRank();
  if (gridType.getRank() != rank)
    return emitOpError("grid must have the rank of X (")
           << rank << "), got " << gridType.getRank();
  int64_t coords = gridType.getShape().back();
  if (!ShapedType::isDynamic(coords) && coords != rank - 2)
    return emitOpError("grid must hold ")
           << rank - 2 << " coordinates per position, got " << coords;
  if (auto resultType = dyn_cast<RankedTensorType>(getY().getType())) {
    SmallVector<int64_t> expected = {inputType.getDimSize(0),
                                     inputType.getDimSize(1)};
    llvm::append_range(expected, gridType.getShape().drop_front().drop_back());
    if (failed(verifyCompatibleShape(expected, resultType.getShape())))
      return emitOpError("the result must be N x C x grid's positions");
  }
  return success();
}

LogicalResult TriluOp::verify() {
  if (std::optional<int64_t> rank = getRankOf(getInput()); rank && *rank < 2)
    return emitOpError("input must have rank >= 2");
  if (!isa<NoneType>(getK().getType()) && !isScalarLike(getK()))
    return emitOpError("k must be a scalar");
  return success();
}

LogicalResult RangeOp::verify() {
  for (Value v : {getStart(), getLimit(), getDelta()}) {
    if (!isScalarLike(v))
      return emitOpError("start, limit and delta must be scalars");
    if (getElementTypeOrSelf(v.getType()) !=
        getElementTypeOrSelf(getOutput().getType()))
      return emitOpError("inputs and result must have one element type");
  }
  if (std::optional<int64_t> rank = getRankOf(getOutput()); rank && *rank != 1)
    return emitOpError("result must be 1-D");
  return success();
}

LogicalResult SizeOp::verify() {
  if (std::optional<int64_t> rank = getRankOf(getSize()); rank && *rank != 0)
    return emitOpError("result must be a scalar");
  return success();
}

LogicalResult PadOp::verify() {
  if (!llvm::is_contained({"constant", "reflect", "edge", "wrap"}, getMode()))
    return emitOpError("unknown mode '") << getMode() << "'";
  if (std::optional<int64_t> padsRank = getRankOf(getPads());
      padsRank && *padsRank != 1)
    return emitOpError("pads must be 1-D");
  std::optional<int64_t> rank = getRankOf(getData());
  if (Value axes = getAxes()) {
    // Pads of the listed axes only.
    auto axesType = dyn_cast<RankedTensorType>(axes.getType());
    if (axesType && axesType.getRank() != 1)
      return emitOpError("axes must be 1-D");
    rank = axesType && !axesType.isDynamicDim(0)
               ? std::optional<int64_t>(axesType.getDimSize(0))
               : std::nullopt;
  }
  auto padsType = dyn_cast<RankedTensorType>(getPads().getType());
  if (rank && padsType && padsType.getRank() == 1 &&
      !padsType.isDynamicDim(0) && padsType.getDimSize(0) != 2 * *rank)
    return emitOpError("pads has ")
           << padsType.getDimSize(0) << " values, expected " << 2 * *rank;
  Value value = getConstantValue();
  if (!isa<NoneType>(value.getType())) {
    if (!isScalarLike(value))
      return emitOpError("constant_value must be a scalar");
    if (getElementTypeOrSelf(value.getType()) !=
        getElementTypeOrSelf(getData().getType()))
      return emitOpError("constant_value must have the element type of data");
  }
  return success();
}

LogicalResult CumSumOp::verify() {
  if (!isScalarLike(getAxis()))
    return emitOpError("axis must be a scalar");
  return success();
}

LogicalResult CumProdOp::verify() {
  if (!isScalarLike(getAxis()))
    return emitOpError("axis must be a scalar");
  return success();
}

LogicalResult ResizeOp::verify() {
  if (!llvm::is_contained({"nearest", "linear", "cubic"}, getMode()))
    return emitOpError("unknown mode '") << getMode() << "'";
  if (!llvm::is_contained({"half_pixel", "half_pixel_symmetric",
                           "pytorch_half_pixel", "align_corners",
                           "asymmetric", "tf_crop_and_resize"},
                          getCoordinateTransformationMode()))
    return emitOpError("unknown coordinate_transformation_mode '")
           << getCoordinateTransformationMode() << "'";
  if (!llvm::is_contained({"round_prefer_floor", "round_prefer_ceil", "floor",
                           "ceil", "simple"},
                          getNearestMode()))
    return emitOpError("unknown nearest_mode '") << getNearestMode() << "'";
  if (!llvm::is_contained({"stretch", "not_larger", "not_smaller"},
                          getKeepAspectRatioPolicy()))
    return emitOpError("unknown keep_aspect_ratio_policy '")
           << getKeepAspectRatioPolicy() << "'";
  std::optional<int64_t> rank = getRankOf(getX());
  std::optional<int64_t> count = rank;
  if (std::optional<ArrayRef<int64_t>> axes = getAxes()) {
    count = axes->size();
    if (rank) {
      SmallVector<bool> seen(*rank, false);
      for (int64_t axis : *axes) {
        int64_t a = axis < 0 ? axis + *rank : axis;
        if (a < 0 || a >= *rank)
          return emitOpError("axis ") << axis << " is out of range";
        if (seen[a])
          return emitOpError("axis ") << axis << " is listed twice";
        seen[a] = true;
      }
    }
  }
  for (Value v : {getScales(), getSizes()}) {
    if (isa<NoneType>(v.getType()))
      continue;
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type)
      continue;
    if (type.getRank() != 1)
      return emitOpError("scales and sizes must be 1-D");
    if (count && !type.isDynamicDim(0) && type.getDimSize(0) != 0 &&
        type.getDimSize(0) != *count)
      return emitOpError("scales and sizes need one value per resized "
                         "dimension (")
             << *count << "), got " << type.getDimSize(0);
  }
  return success();
}

SmallVector<int64_t> ResizeOp::getResizedAxes() {
  std::optional<int64_t> rank = getRankOf(getX());
  if (!rank)
    return {};
  std::optional<ArrayRef<int64_t>> axes = getAxes();
  if (!axes)
    return llvm::to_vector(llvm::seq<int64_t>(0, *rank));
  SmallVector<int64_t> resized;
  for (int64_t axis : *axes) {
    int64_t a = axis < 0 ? axis + *rank : axis;
    if (a < 0 || a >= *rank)
      return {};
    resized.push_back(a);
  }
  return resized;
}
