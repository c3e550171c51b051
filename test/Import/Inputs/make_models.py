"""Writes the small ONNX models the import tests read into the directory
given as the first argument. Each model exercises one importer feature or
one kind of bad input."""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def save(name, nodes, inputs, outputs, inits=(), opset=17, check=True):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    if check:
        onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, name + ".onnx"))
    return model


f32 = TensorProto.FLOAT
vi = helper.make_tensor_value_info
rng = np.random.default_rng(0)

# A linear layer: MatMul with a 32x16 weight (a dense_resource blob) + bias.
w = numpy_helper.from_array(rng.standard_normal((32, 16)).astype(np.float32), "fc.weight")
b = numpy_helper.from_array(np.arange(16, dtype=np.float32), "fc.bias")
save("linear",
     [helper.make_node("MatMul", ["x", "fc.weight"], ["h"], name="fc"),
      helper.make_node("Add", ["h", "fc.bias"], ["y"], name="fc.add"),
      helper.make_node("Gemm", ["y", "fc.weight"], ["z"], name="gemm", transB=1, alpha=0.5)],
     [vi("x", f32, ["batch", 32])], [vi("z", f32, ["batch", 32])], [w, b])

# Attributes of every kind, omitted optional inputs and outputs.
save("attributes",
     [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1],
                       strides=[2, 2], group=1),
      helper.make_node("LeakyRelu", ["c"], ["l"], name="leaky", alpha=0.2),
      helper.make_node("Clip", ["l", "", "hi"], ["clip"], name="clip"),
      helper.make_node("MaxPool", ["clip"], ["y"], name="pool", kernel_shape=[2, 2],
                       strides=[2, 2], auto_pad="VALID"),
      helper.make_node("Constant", [], ["k"], name="const", value_ints=[1, 2, 3])],
     [vi("x", f32, [1, 3, 8, 8]), vi("w", f32, [4, 3, 3, 3]), vi("hi", f32, [])],
     [vi("y", f32, [1, 4, 2, 2]), vi("k", TensorProto.INT64, [3])])

# Opset 11 (Squeeze axes as an attribute): imported in the opset-13 form.
save("opset11",
     [helper.make_node("Squeeze", ["x"], ["y"], name="squeeze", axes=[1])],
     [vi("x", f32, [3, 1, 4])], [vi("y", f32, [3, 4])], opset=11)

# Bad inputs.
save("unsupported_op",
     [helper.make_node("Relu", ["x"], ["r"], name="act"),
      helper.make_node("RandomUniformLike", ["r"], ["y"], name="noise")],
     [vi("x", f32, [2, 3, 3])], [vi("y", f32, [2, 3, 3])])
# A node name with a newline and a terminal escape sequence.
save("control_characters",
     [helper.make_node("RandomUniformLike", ["x"], ["y"],
                       name="evil\nerror: forged\x1b[31m")],
     [vi("x", f32, [2, 3, 3])], [vi("y", f32, [2, 3, 3])])
save("opset_too_new",
     [helper.make_node("Relu", ["x"], ["y"], name="act")],
     [vi("x", f32, [2])], [vi("y", f32, [2])], opset=99, check=False)
save("opset_twice",
     [helper.make_node("Relu", ["x"], ["y"], name="act")],
     [vi("x", f32, [2])], [vi("y", f32, [2])], check=False)
twice = onnx.load(os.path.join(out, "opset_twice.onnx"))
twice.opset_import.append(helper.make_opsetid("ai.onnx", 13))
onnx.save(twice, os.path.join(out, "opset_twice.onnx"))
save("undefined_input",
     [helper.make_node("Relu", ["nowhere"], ["y"], name="act")],
     [vi("x", f32, [2])], [vi("y", f32, [2])], check=False)
save("string_input",
     [helper.make_node("Identity", ["x"], ["y"], name="id")],
     [vi("x", TensorProto.STRING, [2])], [vi("y", TensorProto.STRING, [2])])
save("wrong_shapes",
     [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")],
     [vi("x", f32, [2, 3]), vi("w", f32, [4, 5])], [vi("y", f32, [2, 5])],
     check=False)

# A ConvTranspose whose weight is inferred rank 0 (a full ReduceSum without
# keepdims): ONNX 1.12's inference read the weight's dimensions unchecked.
save("convtranspose_scalar_weight",
     [helper.make_node("ReduceSum", ["w4"], ["w"], name="sum", keepdims=0),
      helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="deconv")],
     [vi("x", f32, [1, 1, 3, 3]), vi("w4", f32, [1, 1, 2, 2])],
     [vi("y", f32, [1, 1, 4, 4])], check=False)

# Packed sub-byte initializers: int4 two to a byte (5 elements, the last
# byte half used), uint2 four to a byte, and a float8 one a byte.
i4 = helper.make_tensor("w4", TensorProto.INT4, [5], [-8, -1, 0, 3, 7])
u2 = helper.make_tensor("w2", TensorProto.UINT2, [6], [0, 1, 2, 3, 3, 1])
f8 = helper.make_tensor("w8", TensorProto.FLOAT8E4M3FN, [3], [1.0, -0.5, 448.0])
i4raw = helper.make_tensor("w4r", TensorProto.INT4, [3], bytes([0xE1, 0x03]),
                           raw=True)
save("packed_initializers",
     [helper.make_node("Identity", ["w4"], ["y4"]),
      helper.make_node("Identity", ["w4r"], ["y4r"]),
      helper.make_node("Identity", ["w2"], ["y2"]),
      helper.make_node("Identity", ["w8"], ["y8"])],
     [], [vi("y4", TensorProto.INT4, [5]), vi("y4r", TensorProto.INT4, [3]),
          vi("y2", TensorProto.UINT2, [6]),
          vi("y8", TensorProto.FLOAT8E4M3FN, [3])],
     [i4, i4raw, u2, f8], opset=25, check=False)

with open(os.path.join(out, "truncated.onnx"), "wb") as f:
    f.write(open(os.path.join(out, "linear.onnx"), "rb").read()[:100])
with open(os.path.join(out, "garbage.onnx"), "wb") as f:
    f.write(b"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x12garbage")

# External data beside the model.
ext = onnx.load(os.path.join(out, "linear.onnx"))
onnx.external_data_helper.convert_model_to_external_data(
    ext, all_tensors_to_one_file=True, location="linear_ext.bin", size_threshold=64)
onnx.save(ext, os.path.join(out, "linear_ext.onnx"))
