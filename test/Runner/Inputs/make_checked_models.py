"""Writes the models and inputs of checks.test: ops whose inputs ONNX Runtime
validates (Gather indices, integer divisors, axes and pads), with valid and
invalid inputs.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper


def save_model(directory, name, nodes, inputs, outputs, initializers=(),
               opset=17):
    graph = helper.make_graph(nodes, name, inputs, outputs,
                              initializer=list(initializers))
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", opset)])
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(directory, name + ".onnx"))


def save_npy(directory, name, array):
    np.save(os.path.join(directory, name + ".npy"), array)


def main(directory):
    os.makedirs(directory, exist_ok=True)
    info = helper.make_tensor_value_info
    save_model(directory, "gather",
               [helper.make_node("Gather", ["data", "indices"], ["y"],
                                 axis=0, name="embed")],
               [info("data", TensorProto.FLOAT, [5, 4]),
                info("indices", TensorProto.INT64, [3])],
               [info("y", TensorProto.FLOAT, [3, 4])])
    save_npy(directory, "data", np.arange(20, dtype=np.float32).reshape(5, 4))
    save_npy(directory, "indices_ok", np.array([0, -1, 4], dtype=np.int64))
    save_npy(directory, "indices_high", np.array([0, 5, 1], dtype=np.int64))
    save_npy(directory, "indices_low", np.array([0, -6, 1], dtype=np.int64))
    # The most negative index: wrapping it must not bring it into range.
    save_npy(directory, "indices_min",
             np.array([np.iinfo(np.int64).min, 0, 0], dtype=np.int64))

    save_model(directory, "divide",
               [helper.make_node("Div", ["a", "b"], ["quotient"], name="div"),
                helper.make_node("Mod", ["a", "b"], ["remainder"],
                                 name="mod")],
               [info("a", TensorProto.INT64, [4]),
                info("b", TensorProto.INT64, [4])],
               [info("quotient", TensorProto.INT64, [4]),
                info("remainder", TensorProto.INT64, [4])])
    smallest = np.iinfo(np.int64).min
    save_npy(directory, "a", np.array([7, -7, smallest, 5], dtype=np.int64))
    save_npy(directory, "b_ok", np.array([2, 2, -1, -1], dtype=np.int64))
    save_npy(directory, "b_zero", np.array([2, 0, -1, 1], dtype=np.int64))

    # Slice with bounds, steps and axes given at run time and a static result
    # of 3: the bounds must give 3 elements, the step must not be 0.
    save_model(directory, "slice",
               [helper.make_node("Slice", ["seq", "starts", "ends", "axes",
                                           "steps"], ["y"], name="window")],
               [info("seq", TensorProto.FLOAT, [6])] +
               [info(name, TensorProto.INT64, [1])
                for name in ("starts", "ends", "axes", "steps")],
               [info("y", TensorProto.FLOAT, [3])])
    save_npy(directory, "seq", np.arange(6, dtype=np.float32))
    for name, value in (("start_4", 4), ("end_1", 1), ("end_2", 2),
                        ("axis_0", 0), ("axis_1", 1), ("step_back", -1),
                        ("step_zero", 0)):
        save_npy(directory, name, np.array([value], dtype=np.int64))

    # Constant operands that fail on every run are compile-time errors.
    save_model(directory, "gather_constant",
               [helper.make_node("Gather", ["data", "indices"], ["y"],
                                 axis=1, name="pick")],
               [info("data", TensorProto.FLOAT, [2, 3])],
               [info("y", TensorProto.FLOAT, [2, 1])],
               [helper.make_tensor("indices", TensorProto.INT64, [1], [3])])
    save_model(directory, "divide_constant",
               [helper.make_node("Div", ["a", "b"], ["y"], name="halve")],
               [info("a", TensorProto.INT32, [2])],
               [info("y", TensorProto.INT32, [2])],
               [helper.make_tensor("b", TensorProto.INT32, [2], [2, 0])])

    # Axes and pads given as inputs (opset 18) are read at run time; the
    # shapes leave the reduced axis open (0 or 1).
    save_model(directory, "reduce_axes",
               [helper.make_node("ReduceMean", ["cube", "axes"], ["y"],
                                 keepdims=0, name="mean")],
               [info("cube", TensorProto.FLOAT, [4, 4, 5]),
                info("axes", TensorProto.INT64, ["n"])],
               [info("y", TensorProto.FLOAT, [4, 5])], opset=18)
    save_npy(directory, "cube",
             np.arange(80, dtype=np.float32).reshape(4, 4, 5))
    save_npy(directory, "axes_first", np.array([0], dtype=np.int64))
    save_npy(directory, "axes_negative", np.array([-3], dtype=np.int64))
    save_npy(directory, "axes_high", np.array([3], dtype=np.int64))
    save_npy(directory, "axes_twice", np.array([0, -3], dtype=np.int64))
    save_npy(directory, "axes_last", np.array([2], dtype=np.int64))
    save_npy(directory, "axes_none", np.array([], dtype=np.int64))
    save_model(directory, "pad_axes",
               [helper.make_node("Pad", ["data", "pads", "", "axes"], ["y"],
                                 mode="edge", name="widen")],
               [info("data", TensorProto.FLOAT, [3, 4]),
                info("pads", TensorProto.INT64, [2]),
                info("axes", TensorProto.INT64, [1])],
               [info("y", TensorProto.FLOAT, [3, 6])], opset=18)
    save_npy(directory, "grid", np.arange(12, dtype=np.float32).reshape(3, 4))
    save_npy(directory, "pads_ok", np.array([2, 0], dtype=np.int64))
    save_npy(directory, "pads_wide", np.array([2, 1], dtype=np.int64))
    save_npy(directory, "axis_last", np.array([-1], dtype=np.int64))
    save_npy(directory, "axis_high", np.array([2], dtype=np.int64))

    # Sizes: one that int64 cannot count (a compile-time error), and 2^47
    # bytes, the most the compiler accepts, which no allocator can provide:
    # once as an output (the runner allocates it) and once as an
    # intermediate (the generated code does).
    def expand(name, shape, reduce):
        nodes = [helper.make_node("Expand", ["x", "shape"], ["big"],
                                  name="grow")]
        output = "big"
        if reduce:
            nodes.append(helper.make_node("ReduceSum", ["big"], ["total"],
                                          keepdims=0, name="sum"))
            output = "total"
        rank = 0 if reduce else len(shape)
        save_model(directory, name, nodes,
                   [info("x", TensorProto.FLOAT, [1, 1])],
                   [info(output, TensorProto.FLOAT,
                         [f"d{i}" for i in range(rank)])],
                   [helper.make_tensor("shape", TensorProto.INT64,
                                       [len(shape)], shape)])

    expand("expand_overflow", [2**32, 2**32], reduce=False)
    expand("expand_output", [2**23, 2**22], reduce=False)
    expand("expand_intermediate", [2**23, 2**22], reduce=True)
    save_npy(directory, "x", np.ones((1, 1), dtype=np.float32))

    # Long models are compiled as an entry point calling parts
    # (lowrank-split-functions): a check or an allocation that fails in a
    # part is reported the same way. 150 matrix products before and after
    # the op, each with a weight of its own (permutations of the columns).
    # With relu=True each product is followed by a Relu, whose loops make
    # the parts large enough to be cut again after bufferization: then some
    # parts allocate buffers and return them to the next.
    def chain(prefix, source, count, initializers, nodes, relu=False):
        rng = np.random.default_rng(len(prefix))
        for i in range(count):
            weight = np.eye(4, dtype=np.float32)[rng.permutation(4)]
            initializers.append(helper.make_tensor(
                f"{prefix}_w{i}", TensorProto.FLOAT, [4, 4], weight.ravel()))
            product = f"{prefix}_{i}" + ("_product" if relu else "")
            nodes.append(helper.make_node(
                "MatMul", [source, f"{prefix}_w{i}"], [product],
                name=f"{prefix}_matmul{i}"))
            if relu:
                nodes.append(helper.make_node(
                    "Relu", [product], [f"{prefix}_{i}"],
                    name=f"{prefix}_relu{i}"))
            source = f"{prefix}_{i}"
        return source

    initializers, nodes = [], []
    before = chain("before", "data", 150, initializers, nodes)
    nodes.append(helper.make_node("Gather", [before, "indices"], ["picked"],
                                  axis=0, name="embed"))
    after = chain("after", "picked", 150, initializers, nodes)
    nodes.append(helper.make_node("Identity", [after], ["y"], name="out"))
    save_model(directory, "gather_long", nodes,
               [info("data", TensorProto.FLOAT, [5, 4]),
                info("indices", TensorProto.INT64, [3])],
               [info("y", TensorProto.FLOAT, [3, 4])], initializers)

    for name, relu in (("expand_long", False), ("expand_parts", True)):
        initializers, nodes = [], []
        before = chain("before", "x", 150, initializers, nodes, relu)
        nodes.append(helper.make_node("Expand", [before, "shape"], ["big"],
                                      name="grow"))
        nodes.append(helper.make_node("ReduceSum", ["big", "axis1"],
                                      ["total"], keepdims=1, name="sum"))
        after = chain("after", "total", 150, initializers, nodes, relu)
        nodes.append(helper.make_node("ReduceSum", [after], ["y"],
                                      keepdims=0, name="out"))
        initializers += [
            helper.make_tensor("shape", TensorProto.INT64, [2], [2**43, 4]),
            helper.make_tensor("axis1", TensorProto.INT64, [1], [0])]
        save_model(directory, name, nodes,
                   [info("x", TensorProto.FLOAT, [1, 4])],
                   [info("y", TensorProto.FLOAT, [])], initializers)
    save_npy(directory, "x4", np.ones((1, 4), dtype=np.float32))


if __name__ == "__main__":
    main(sys.argv[1])
