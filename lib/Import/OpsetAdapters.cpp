//===- OpsetAdapters.cpp - Nodes of any opset in the modelled form --------===//
//
// The modelled operations take their operators' form at opset 17. A node of
// another opset is imported by its own version's semantics: its schema's
// `since_version` says which form it has, and the versions whose form
// differs (an attribute that became an input or the reverse, or different
// semantics) are brought to the modelled form here; axes and pads known
// only at run time stay operands. A node that cannot be brought over
// exactly (old Softmax over more than the last axis, an attribute the
// modelled operation lacks) stays an `onnx.Opaque` node, which export
// writes back unchanged and code generation refuses, naming the reason
// recorded here.
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"

#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"
#include "lowrank/Dialect/ONNX/IR/ReductionAxes.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace llvm;

namespace lowrank {

bool getConstantIntegers(Value value, SmallVectorImpl<int64_t> &out) {
  auto constant = value.getDefiningOp<onnx::ConstantOp>();
  if (!constant)
    return false;
  auto dense = dyn_cast<DenseIntElementsAttr>(constant.getValue());
  if (!dense)
    return false;
  out.clear();
  for (const APInt &v : dense.getValues<APInt>())
    out.push_back(v.getSExtValue());
  return true;
}

static bool isReduceWithAxesAttribute(StringRef opType) {
  return llvm::is_contained(
      {"ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
       "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"},
      opType);
}

namespace {
/// Reads and consumes a node's attributes while a form is built; the ones
/// left over are converted one to one.
class NodeAttributes {
public:
  explicit NodeAttributes(const ::onnx::NodeProto &node) {
    for (const auto &attr : node.attribute())
      byName[attr.name()] = &attr;
  }
  const ::onnx::AttributeProto *take(StringRef name) {
    auto it = byName.find(name);
    if (it == byName.end())
      return nullptr;
    const ::onnx::AttributeProto *attr = it->second;
    byName.erase(it);
    return attr;
  }
  std::optional<int64_t> takeInt(StringRef name) {
    const ::onnx::AttributeProto *attr = take(name);
    if (!attr || attr->type() != ::onnx::AttributeProto::INT)
      return std::nullopt;
    return attr->i();
  }
  std::optional<SmallVector<int64_t>> takeInts(StringRef name) {
    const ::onnx::AttributeProto *attr = take(name);
    if (!attr || attr->type() != ::onnx::AttributeProto::INTS)
      return std::nullopt;
    return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
  }
  const StringMap<const ::onnx::AttributeProto *> &rest() const {
    return byName;
  }

private:
  StringMap<const ::onnx::AttributeProto *> byName;
};
} // namespace

Value GraphImporter::createI64Constant(ArrayRef<int64_t> values, Location loc,
                                       bool scalar) {
  auto type = scalar ? RankedTensorType::get({}, builder.getI64Type())
                     : RankedTensorType::get(
                           {static_cast<int64_t>(values.size())},
                           builder.getI64Type());
  auto attr = DenseElementsAttr::get(type, values);
  return onnx::ConstantOp::create(builder, loc, type, cast<ElementsAttr>(attr));
}

ModelledForm GraphImporter::getModelledForm(const ::onnx::NodeProto &node,
                                            int since, ArrayRef<Value> inputs,
                                            Type resultType, Location loc) {
  ModelledForm form;
  form.operands.assign(inputs.begin(), inputs.end());
  NodeAttributes attrs(node);
  StringRef opType = node.op_type();
  auto opaque = [&](const Twine &reason) {
    form.opaqueReason = reason.str();
    return form;
  };
  // Every modelled operator reads at least its first input (Constant is
  // imported apart); a node without it is malformed, and stays opaque.
  if (inputs.empty() || isa<NoneType>(inputs[0].getType()))
    return opaque("the first input is missing");
  auto setOperand = [&](unsigned index, Value value) {
    if (form.operands.size() <= index)
      form.operands.resize(index + 1, getNoValue());
    form.operands[index] = value;
  };
  auto isAbsent = [&](unsigned index) {
    return form.operands.size() <= index ||
           isa<NoneType>(form.operands[index].getType());
  };
  auto inputRank = [&](unsigned index) -> std::optional<int64_t> {
    if (index >= inputs.size())
      return std::nullopt;
    auto type = dyn_cast<RankedTensorType>(inputs[index].getType());
    if (!type)
      return std::nullopt;
    return type.getRank();
  };

  if ((opType == "Softmax" || opType == "LogSoftmax" || opType == "Hardmax") &&
      since < 13) {
    // Before opset 13 the input is flattened to 2-D at `axis` (default 1).
    // That is the one-axis form when no dimension after `axis` but one can
    // be larger than 1; otherwise Softmax and LogSoftmax normalize over the
    // dimensions from `axis` on (`flatten_from_axis`), also when the rank is
    // known only after shape refinement.
    int64_t axis = attrs.takeInt("axis").value_or(1);
    std::optional<int64_t> rank = inputRank(0);
    std::optional<int64_t> singleAxis;
    if (rank) {
      if (axis < 0)
        axis += *rank;
      if (*rank == 0 && axis == 0)
        singleAxis = 0;
      ArrayRef<int64_t> shape =
          cast<RankedTensorType>(inputs[0].getType()).getShape();
      // The one dimension from `axis` on that may exceed 1 (the last when
      // all are 1).
      SmallVector<int64_t> wide;
      for (int64_t dim = std::max<int64_t>(axis, 0); dim < *rank; ++dim)
        if (shape[dim] != 1)
          wide.push_back(dim);
      if (axis >= 0 && axis < *rank && wide.size() <= 1)
        singleAxis = wide.empty() ? *rank - 1 : wide.front();
    }
    if (singleAxis) {
      form.attributes.push_back(
          builder.getNamedAttr("axis", builder.getI64IntegerAttr(*singleAxis)));
    } else if (opType == "Hardmax") {
      return opaque("Hardmax before opset 13 over more than one axis "
                    "(flattened) is not modelled");
    } else {
      form.attributes.push_back(
          builder.getNamedAttr("axis", builder.getI64IntegerAttr(axis)));
      form.attributes.push_back(
          builder.getNamedAttr("flatten_from_axis", builder.getBoolAttr(true)));
    }
  } else if (isReduceWithAxesAttribute(opType) && since >= 18) {
    // Opset 18 moved `axes` from an attribute to an input.
    bool noop = attrs.takeInt("noop_with_empty_axes").value_or(0) != 0;
    SmallVector<int64_t> axes;
    bool runtimeAxes = false;
    if (!isAbsent(1) && !getConstantIntegers(form.operands[1], axes)) {
      // Axes computed at run time: the static shapes may leave one choice,
      // else they stay an operand, read by the generated code.
      auto inputType = dyn_cast<RankedTensorType>(inputs[0].getType());
      auto outputType = dyn_cast_or_null<RankedTensorType>(resultType);
      std::optional<SmallVector<int64_t>> implied;
      if (inputType && outputType)
        implied = onnx::inferReductionAxes(
            inputType, outputType,
            attrs.rest().lookup("keepdims")
                ? attrs.rest().lookup("keepdims")->i() != 0
                : true);
      if (implied && implied->empty()) {
        // Only size-1 dimensions are reduced, if any: the data is unchanged.
        for (auto [dim, size] : llvm::enumerate(inputType.getShape()))
          if (size == 1)
            implied->push_back(dim);
      }
      if (!implied || implied->empty())
        runtimeAxes = true;
      else
        axes = std::move(*implied);
    }
    // Empty axes with noop_with_empty_axes stay an (empty) operand too.
    bool keepOperand = runtimeAxes || (axes.empty() && noop);
    if (keepOperand && isAbsent(1))
      setOperand(1, createI64Constant({}, loc));
    if (keepOperand && noop)
      form.attributes.push_back(builder.getNamedAttr(
          "noop_with_empty_axes", builder.getI64IntegerAttr(1)));
    if (!keepOperand && !axes.empty())
      form.attributes.push_back(
          builder.getNamedAttr("axes", builder.getDenseI64ArrayAttr(axes)));
    form.operands.resize(keepOperand ? 2 : 1);
    form.extraOperands = keepOperand ? 1 : 0;
  } else if (opType == "ReduceSum" && since < 13) {
    if (std::optional<SmallVector<int64_t>> axes = attrs.takeInts("axes"))
      setOperand(1, createI64Constant(*axes, loc));
  } else if ((opType == "Squeeze" || opType == "Unsqueeze") && since < 13) {
    if (std::optional<SmallVector<int64_t>> axes = attrs.takeInts("axes"))
      setOperand(1, createI64Constant(*axes, loc));
  } else if ((opType == "Squeeze" || opType == "Unsqueeze") &&
             inputRank(1) == 0) {
    // A scalar axis (ONNX Runtime accepts it, and ONNX's own function
    // bodies use it) is the 1-D list of that axis.
    auto listType = RankedTensorType::get({1}, builder.getI64Type());
    setOperand(1, onnx::ReshapeOp::create(builder, loc, listType,
                                          form.operands[1],
                                          createI64Constant({1}, loc)));
  } else if (opType == "Split" && since < 13) {
    if (std::optional<SmallVector<int64_t>> split = attrs.takeInts("split"))
      setOperand(1, createI64Constant(*split, loc));
  } else if (opType == "Split" && since >= 18) {
    std::optional<int64_t> numOutputs = attrs.takeInt("num_outputs");
    if (numOutputs && *numOutputs != static_cast<int64_t>(node.output_size()))
      return opaque("Split with num_outputs " + Twine(*numOutputs) + " but " +
                    Twine(node.output_size()) + " outputs");
    // Without `split`, onnx.Split cuts by the num_outputs rule; the part
    // sizes follow once the input's shape is known.
  } else if (opType == "Clip" && since < 11) {
    // Opset 6: the bounds are attributes of the input's (float) type.
    auto type = dyn_cast<TensorType>(inputs[0].getType());
    if (!type || !isa<FloatType>(type.getElementType()))
      return opaque("Clip before opset 11 needs a float input");
    auto scalarType = RankedTensorType::get({}, type.getElementType());
    static constexpr StringLiteral kBounds[] = {"min", "max"};
    for (auto [index, name] : llvm::enumerate(kBounds)) {
      const ::onnx::AttributeProto *bound = attrs.take(name);
      if (!bound)
        continue;
      auto value = DenseElementsAttr::get(
          scalarType, FloatAttr::get(type.getElementType(), bound->f()));
      setOperand(index + 1, onnx::ConstantOp::create(
                                builder, loc, scalarType,
                                cast<ElementsAttr>(value)));
    }
  } else if (opType == "Slice" && since < 10) {
    std::optional<SmallVector<int64_t>> starts = attrs.takeInts("starts");
    std::optional<SmallVector<int64_t>> ends = attrs.takeInts("ends");
    std::optional<SmallVector<int64_t>> axes = attrs.takeInts("axes");
    if (!starts || !ends)
      return opaque("Slice before opset 10 without starts and ends");
    setOperand(1, createI64Constant(*starts, loc));
    setOperand(2, createI64Constant(*ends, loc));
    if (axes)
      setOperand(3, createI64Constant(*axes, loc));
  } else if (opType == "Pad" && since < 11) {
    // Opset 2: pads and the fill value are attributes.
    std::optional<SmallVector<int64_t>> pads = attrs.takeInts("pads");
    if (!pads)
      return opaque("Pad before opset 11 without pads");
    setOperand(1, createI64Constant(*pads, loc));
    const ::onnx::AttributeProto *value = attrs.take("value");
    auto type = dyn_cast<TensorType>(inputs[0].getType());
    if (value && value->f() != 0) {
      if (!type || !isa<FloatType>(type.getElementType()))
        return opaque("Pad before opset 11 needs a float input");
      auto scalarType = RankedTensorType::get({}, type.getElementType());
      auto attr = DenseElementsAttr::get(
          scalarType, FloatAttr::get(type.getElementType(), value->f()));
      setOperand(2, onnx::ConstantOp::create(builder, loc, scalarType,
                                             cast<ElementsAttr>(attr)));
    }
  } else if (opType == "Pad" && since >= 18 && !isAbsent(3)) {
    // Pads of the listed axes only: spread over every axis, unless they
    // are known at run time only.
    SmallVector<int64_t> pads, axes;
    std::optional<int64_t> rank = inputRank(0);
    bool constantAxes = rank && getConstantIntegers(form.operands[1], pads) &&
                        getConstantIntegers(form.operands[3], axes);
    if (constantAxes) {
      if (pads.size() != 2 * axes.size())
        return opaque("Pad with " + Twine(axes.size()) + " axes needs " +
                      Twine(2 * axes.size()) + " pads");
      SmallVector<int64_t> full(2 * *rank, 0);
      for (auto [i, axis] : llvm::enumerate(axes)) {
        int64_t a = axis < 0 ? axis + *rank : axis;
        if (a < 0 || a >= *rank)
          return opaque("Pad axis " + Twine(axis) + " is out of range");
        full[a] = pads[i];
        full[a + *rank] = pads[i + axes.size()];
      }
      setOperand(1, createI64Constant(full, loc));
    }
    form.operands.resize(constantAxes ? 3 : 4);
    form.extraOperands = constantAxes ? 0 : 1;
  } else if (opType == "Upsample" || (opType == "Resize" && since < 11)) {
    // Upsample (7: scales an attribute; 9: an input) and Resize-10 are
    // Resize with asymmetric coordinates; nearest rounds as ONNX Runtime
    // does for them (`simple`: down when upscaling, up when downscaling).
    if (since >= 10 && opType == "Upsample")
      return opaque("Upsample is deprecated from opset 10 on");
    Value scales = inputs.size() > 1 ? inputs[1] : Value();
    if (since < 9 && opType == "Upsample") {
      const ::onnx::AttributeProto *given = attrs.take("scales");
      if (!given || given->type() != ::onnx::AttributeProto::FLOATS)
        return opaque("Upsample without scales");
      SmallVector<float> values(given->floats().begin(), given->floats().end());
      auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                        builder.getF32Type());
      scales = onnx::ConstantOp::create(
          builder, loc, type,
          cast<ElementsAttr>(DenseElementsAttr::get(type, ArrayRef(values))));
    }
    if (!scales || isa<NoneType>(scales.getType()))
      return opaque(opType + " without scales");
    StringRef mode = "nearest";
    if (const ::onnx::AttributeProto *given = attrs.take("mode"))
      mode = given->s();
    // Opset 7 spelled bilinear interpolation `bilinear` as well.
    if (mode == "bilinear")
      mode = "linear";
    if (mode != "nearest" && mode != "linear")
      return opaque(opType + " mode '" + mode + "' is not modelled");
    form.operands = {inputs[0], getNoValue(), scales, getNoValue()};
    form.attributes.push_back(
        builder.getNamedAttr("mode", builder.getStringAttr(mode)));
    form.attributes.push_back(builder.getNamedAttr(
        "coordinate_transformation_mode", builder.getStringAttr("asymmetric")));
    if (mode == "nearest")
      form.attributes.push_back(builder.getNamedAttr(
          "nearest_mode", builder.getStringAttr("simple")));
  } else if (opType == "TopK" && since < 10) {
    // Opset 1: k is an attribute; opset 10 made it a 1-element input.
    std::optional<int64_t> k = attrs.takeInt("k");
    if (!k)
      return opaque("TopK before opset 10 without k");
    setOperand(1, createI64Constant({*k}, loc));
  } else if (opType == "DFT") {
    // Opset 17 (the modelled schema): axis is an attribute (default 1);
    // opset 20 made it an input (default -2), after dft_length.
    if (since < 20)
      setOperand(2,
                 createI64Constant({attrs.takeInt("axis").value_or(1)}, loc));
    form.extraOperands = 1;
  } else if (opType == "Dropout" && since < 12) {
    // Inference ignores the ratio; opset 12 made it an input.
    attrs.take("ratio");
  } else if (opType == "BatchNormalization" && since < 9) {
    if (attrs.takeInt("spatial").value_or(1) != 1)
      return opaque("BatchNormalization with spatial=0 is not modelled");
  } else if (opType == "LSTM" || opType == "GRU" || opType == "RNN") {
    // Before opset 7 the operators had an `output_sequence` attribute (and
    // GRU-1 no linear_before_reset); opset 14 added `layout`, default 0.
    if (since < 7)
      return opaque(opType + " before opset 7 is not modelled");
    if (const ::onnx::AttributeProto *names = attrs.take("activations")) {
      if (names->type() != ::onnx::AttributeProto::STRINGS)
        return opaque("attribute 'activations' is not a list of strings");
      SmallVector<StringRef> values(names->strings().begin(),
                                    names->strings().end());
      form.attributes.push_back(builder.getNamedAttr(
          "activations", builder.getStrArrayAttr(values)));
    }
  } else if ((opType == "DequantizeLinear" || opType == "QuantizeLinear") &&
             since >= 21) {
    // The result type carries output_dtype; precision (opset 25) only
    // matters for scales wider than float32.
    attrs.take("output_dtype");
    attrs.take("precision");
  }

  // The remaining attributes carry over by name.
  std::optional<RegisteredOperationName> registered =
      RegisteredOperationName::lookup(
          ("onnx." + (opType == "Upsample" ? "Resize" : opType)).str(),
          context);
  ArrayRef<StringAttr> known = registered->getAttributeNames();
  for (const auto &entry : attrs.rest()) {
    StringRef name = entry.getKey();
    if (!llvm::any_of(known,
                      [&](StringAttr k) { return k.getValue() == name; }))
      return opaque("attribute '" + name + "' is not modelled");
    bool failedConversion = false;
    std::optional<Attribute> value =
        convertAttribute(*entry.getValue(), loc, failedConversion);
    if (!value)
      return opaque("attribute '" + name + "' has no modelled form");
    form.attributes.push_back(builder.getNamedAttr(name, *value));
  }
  return form;
}

} // namespace lowrank
