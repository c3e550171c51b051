#!/usr/bin/env python3
"""Differential fuzzer: random ONNX graphs through lowrank-run and ONNX Runtime.

Each iteration builds a random valid ONNX graph from the operators the
compiler lowers (lib/Conversion/ONNXToLinalg): elementwise unary and
broadcasting binary operators, MatMul and Gemm with constant weights, Conv,
pooling, normalization, reductions, Softmax, shape and data-movement
operators, Cast, Where and more, at opsets 11 to 21, with random static
shapes, element types (float, integer and bool tensors where the operator
allows them) and data. The graph must pass `onnx.checker` and strict shape
inference.

ONNX Runtime (CPU, basic graph optimizations) computes the reference
outputs. Graphs it refuses are regenerated and not counted, and so are
graphs on which it contradicts itself (optimized and unoptimized runs
differ, or output shapes differ from ONNX shape inference) or whose values
are not finite or above MAX_MAGNITUDE. `lowrank-run` then compiles and runs
the graph on the same inputs (`.npy` files) with the reference outputs as
`--expect`, and once more with every graph input and output dimension
made symbolic, compiled by `lowrank-run --symbolic-dims` for any sizes (a
clean refusal is no failure there; a mismatch or crash is). Graphs with a
MatMul or Gemm on a constant weight are also
compressed at full rank by `lowrank-opt --emit=onnx`; the compressed model
must pass the checker and match the original's reference outputs, under ONNX
Runtime and under lowrank-run.

A failure is a tool killed by a signal or timing out, a non-zero exit that
is not a clean refusal, or a mismatch. A clean refusal prints only one-line
`file: error:` (and `note:`) diagnostics that explain themselves; MLIR's
conversion and verifier messages ("failed to legalize operation",
"'linalg.generic' op ...") are failures. Each failure is shrunk (nodes are
cut out, their values becoming graph inputs fed with the reference's
intermediate values, while the same kind of failure remains) and written to
the artifacts folder: the model, its inputs, the reference outputs, a
one-line `reason.txt` and a `command.sh` rerunning the failing check. The
exit status is 1 when anything failed. Compiler bugs found and not fixed
yet are listed in KNOWN_ISSUES: nodes they match are not generated, and the
output says so.

Tolerances (float outputs; integer and bool outputs must be equal):
  lowrank-run vs ONNX Runtime          rtol 1e-4, atol 1e-5 * max(1, M)
  graphs with float16 values           rtol 4e-3, atol 4e-3 * max(1, M)
  compressed model vs original         rtol 1e-3, atol 1e-4 * max(1, M)
  compressed float16 model vs original rtol 1e-2, atol 1e-2 * max(1, M)
where M is the largest magnitude of any float value in the graph (inputs,
weights and every intermediate, from the reference run): float rounding
errors scale with the values a result is computed from, not only with the
result. A full-rank factorization is exact but rounds differently (two
products instead of one). Discontinuous operators (Floor, Round,
comparisons, ArgMax, Cast to integers, Mod, ...) only read values every
correct implementation computes bit for bit (inputs, data movement,
Add/Sub/Mul of such values), and operators with a restricted domain (Log,
Sqrt, Div, Pow, ...) read inputs made positive or bounded, so that rounding
differences cannot turn into large ones.
"""

import argparse
import collections
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ml_generators import ML_GENERATORS  # noqa: E402

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BUILD_DIR = os.path.join(SCRIPT_DIR, "..", "..", "build")

# Opsets of the generated models; 17 most often. Each node is written in the
# form its operator has at that opset (axes as attribute or input, ...).
OPSETS = [17, 17, 17, 11, 13, 18, 21]
IR_VERSIONS = {11: 6, 13: 7, 17: 8, 18: 8, 21: 10}

FLOAT_TYPES = ("float32", "float64", "float16")
INT_TYPES = ("int32", "int64", "int8", "uint8")
NUMERIC_TYPES = FLOAT_TYPES + INT_TYPES
ALL_TYPES = NUMERIC_TYPES + ("bool",)

# Comparison tolerances; see the module docstring.
RUN_RTOL, RUN_ATOL = 1e-4, 1e-5
HALF_RTOL, HALF_ATOL = 4e-3, 4e-3
COMPRESS_RTOL, COMPRESS_ATOL = 1e-3, 1e-4
HALF_COMPRESS_RTOL, HALF_COMPRESS_ATOL = 1e-2, 1e-2
# Reference runs with a larger or non-finite value are regenerated: their
# rounding errors say nothing about the compiler.
MAX_MAGNITUDE = 1e6

# lowrank-opt options of the full-rank compression: every constant-weight
# MatMul/Gemm is factored at rank min(d_in, d_out), which is exact.
FULL_RANK_OPTIONS = ("rank-ratio=1.0 enforce-parity=false multiple=1 "
                     "min-size=1 skip-heads=false")

# Messages of MLIR's conversion framework and verifier: a modelled operator
# the lowering did not handle. One line, but no explanation for the user.
UNCLEAR_ERRORS = re.compile(r"failed to legalize|failed to materialize|"
                            r"'[a-z_]+\.[a-z_.]+' op |is out-of-bounds")
CRASH_MARKERS = ("Stack dump", "PLEASE submit", "Assertion", "LLVM ERROR",
                 "UNREACHABLE", "terminate called", "Segmentation fault",
                 "AddressSanitizer", "runtime error:")
DIAGNOSTIC_LINE = re.compile(r"^\S.*?: (error|note|warning): ")


class KnownIssue:
    """A compiler bug not yet fixed: nodes it matches are not generated."""

    def __init__(self, name, description, matches):
        self.name = name
        self.description = description
        self.matches = matches  # NodeInfo -> bool


class NodeInfo:
    """A node about to be added: what known issues are matched against."""

    def __init__(self, op, attrs, inputs, outputs, opset):
        self.op = op
        self.attrs = attrs
        self.inputs = [v for v in inputs if v is not None]
        self.outputs = outputs  # (dtype, shape) of each output
        self.opset = opset

    def input_type(self, index=0):
        return self.inputs[index].dtype if len(self.inputs) > index else None


# Known compiler bugs, excluded from generation (and counted in the output)
# until fixed. Each has a reproducer; remove the entry with the fix.
KNOWN_ISSUES = [
]


class GenerationSkip(Exception):
    """The chosen operator does not apply to the graph built so far."""


class Value:
    """A tensor of the graph under construction.

    `props` holds what the generator knows about its data: `exact` (every
    correct implementation computes it bit for bit), `small` (|x| <= 16,
    integral when an integer), `positive` (>= 0.5, or >= 1 for integers),
    `nonzero`, `bounded` (|x| <= 1) and `constant` (computed from constants
    only, which the compiler folds).
    """

    def __init__(self, name, dtype, shape, props, data=None):
        self.name = name
        self.dtype = dtype
        self.shape = tuple(shape)
        self.props = frozenset(props)
        self.data = data  # the array of a constant

    @property
    def rank(self):
        return len(self.shape)

    def is_float(self):
        return self.dtype in FLOAT_TYPES


# Which properties of its inputs an operator's outputs keep. Integer and
# bool results are always exact; unlisted operators keep nothing.
_MOVE = frozenset({"exact", "small", "positive", "nonzero", "bounded"})
KEEPS = {
    **{op: _MOVE for op in (
        "Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose",
        "Concat", "Split", "Slice", "Gather", "Expand", "Tile", "Dropout",
        "Max", "Min", "MaxPool", "GlobalMaxPool", "ReduceMax", "ReduceMin",
        "Where")},
    "Abs": frozenset({"exact", "small", "nonzero", "bounded"}),
    "Neg": frozenset({"exact", "small", "nonzero", "bounded"}),
    "Relu": frozenset({"exact", "small", "bounded"}),
    "Sign": frozenset({"exact", "small", "bounded"}),
    "Floor": frozenset({"exact", "small"}),
    "Ceil": frozenset({"exact", "small"}),
    "Round": frozenset({"exact", "small"}),
    "Clip": frozenset({"exact", "small"}),
    "Add": frozenset({"exact"}), "Sub": frozenset({"exact"}),
    "Mul": frozenset({"exact"}), "PRelu": frozenset({"exact"}),
    "LeakyRelu": frozenset({"exact"}), "ThresholdedRelu": frozenset({"exact"}),
    "Cast": frozenset({"exact"}), "DequantizeLinear": frozenset({"exact"}),
}


class GraphBuilder:
    """Builds one random graph node by node, tracking value types."""

    def __init__(self, rng, opset, max_nodes):
        self.rng = rng
        self.opset = opset
        self.max_nodes = max_nodes
        self.nodes = []
        self.inputs = []          # (Value, data array)
        self.initializers = []    # TensorProto
        self.values = []          # Values operators may read
        self.consumed = set()
        self.counter = 0

    # -- names, shapes, data -------------------------------------------------

    def fresh_name(self, prefix):
        self.counter += 1
        return f"{prefix}{self.counter}"

    def chance(self, p):
        return self.rng.random() < p

    def choice(self, items):
        return items[int(self.rng.integers(len(items)))]

    def random_shape(self, min_rank=0, max_rank=4, max_dim=6):
        """A shape of random rank and sizes."""
        rank = int(self.rng.integers(min_rank, max_rank + 1))
        return tuple(int(self.rng.integers(1, max_dim + 1)) for _ in range(rank))

    def random_data(self, shape, dtype, props):
        """Data for a leaf with the given properties."""
        rng = self.rng
        if dtype == "bool":
            return np.asarray(rng.random(shape) < 0.5)
        if dtype in FLOAT_TYPES:
            if "positive" in props:
                data = rng.uniform(0.5, 3.0, shape)
            elif "nonzero" in props:
                data = rng.uniform(0.5, 3.0, shape) * rng.choice([-1, 1], shape)
            elif "bounded" in props:
                data = rng.uniform(-1.0, 1.0, shape)
            elif self.chance(0.5):
                # A grid of quarters: ties for Round, equal values for
                # comparisons, ArgMax and Max.
                data = rng.integers(-12, 13, shape) * 0.25
            else:
                data = rng.uniform(-3.0, 3.0, shape)
            return np.asarray(data).astype(dtype)
        info = np.iinfo(dtype)
        if "bounded" in props:
            return np.asarray(rng.integers(0 if info.min == 0 else -1, 2, shape)).astype(dtype)
        if "positive" in props or ("nonzero" in props and info.min == 0):
            low, high = 1, 6
        elif info.min == 0:
            low, high = 0, 20
        else:
            low, high = -10, 10
        data = rng.integers(low, high + 1, shape)
        if "nonzero" in props and info.min < 0:
            data = rng.integers(1, 6, shape) * rng.choice([-1, 1], shape)
        return np.asarray(data).astype(dtype)

    # -- leaves ---------------------------------------------------------------

    def add_input(self, shape, dtype, props=(), data=None):
        """A new graph input with `data`, or data of the given properties."""
        props = set(props) | {"exact", "small"}
        value = Value(self.fresh_name("in"), dtype, shape, props)
        if data is None:
            data = self.random_data(shape, dtype, props)
        self.inputs.append((value, data))
        self.values.append(value)
        return value

    def add_constant(self, array, name_prefix="c", as_node=None):
        """A constant: an initializer, or sometimes a Constant node."""
        array = np.asarray(array)
        name = self.fresh_name(name_prefix)
        if as_node is None:
            as_node = self.chance(0.1)
        tensor = numpy_helper.from_array(array, name)
        if as_node:
            self.nodes.append(helper.make_node(
                "Constant", [], [name], value=tensor, name=name + "_node"))
        else:
            self.initializers.append(tensor)
        return Value(name, array.dtype.name, array.shape, {"exact", "constant"}, array)

    def add_leaf(self, shape, dtype, props=()):
        """Data the generator controls: a graph input or a constant."""
        if self.chance(0.7):
            return self.add_input(shape, dtype, props)
        props = set(props) | {"exact", "small", "constant"}
        value = self.add_constant(self.random_data(shape, dtype, props), "k")
        value.props = frozenset(props)
        return value

    def int_constant(self, values, dtype="int64"):
        """A constant integer tensor (shapes, axes, indices)."""
        return self.add_constant(np.asarray(values, dtype=dtype), "s",
                                 as_node=self.chance(0.05))

    # -- picking operands -----------------------------------------------------

    def pick(self, dtypes, need=(), min_rank=0, max_rank=4, fresh=0.15,
             condition=True):
        """An existing value that fits, preferring recent ones, or a new leaf.

        `need` lists properties the operand must have; a float or integer
        value without `positive`/`nonzero` is conditioned into |x| + 1, one
        without `bounded` into Tanh(x).
        """
        need = set(need)
        fits = [v for v in self.values
                if v.dtype in dtypes and min_rank <= v.rank <= max_rank]
        ready = [v for v in fits if need <= v.props]
        if ready and not self.chance(fresh):
            return self.recent(ready)
        conditionable = need and (need <= {"positive", "nonzero"} or need == {"bounded"})
        if fits and condition and conditionable and self.chance(0.5):
            source = self.recent(fits)
            if need == {"bounded"}:
                if source.is_float():
                    return self.add_node("Tanh", [source])[0]
            elif source.dtype != "bool":
                magnitude = self.add_node("Abs", [source])[0]
                one = self.add_constant(np.ones((), source.dtype), "one")
                out = self.add_node("Add", [magnitude, one])[0]
                out.props = frozenset(out.props | {"positive", "nonzero"})
                return out
        dtype = self.choice(list(dtypes))
        return self.add_leaf(self.random_shape(min_rank, max_rank), dtype, need)

    def supported(self, op, dtypes, arity=1, attrs=None):
        """The types of `dtypes` ONNX Runtime runs `op` on (repeats kept:
        they weight the choice)."""
        kept = tuple(t for t in dtypes if ort_supports(op, self.opset, t, arity, attrs))
        if not kept:
            raise GenerationSkip(f"no type for {op}")
        return kept

    def recent(self, candidates):
        """One of `candidates`, the later ones (newer values) likelier."""
        weights = np.arange(1, len(candidates) + 1, dtype=float) ** 2
        index = self.rng.choice(len(candidates), p=weights / weights.sum())
        return candidates[int(index)]

    def broadcast_partner(self, value, dtype=None, props=(), unidirectional=False):
        """A leaf whose shape broadcasts with `value`'s.

        Unidirectional partners broadcast to `value`'s shape (PRelu slopes);
        others may also stretch `value`'s size-1 dimensions or add leading
        ones.
        """
        shape = list(value.shape)
        if not unidirectional and self.chance(0.2) and len(shape) < 4:
            shape = [int(self.rng.integers(1, 4))] + shape
        drop = int(self.rng.integers(0, len(shape) + 1)) if self.chance(0.4) else 0
        shape = shape[drop:]
        for i, dim in enumerate(shape):
            if self.chance(0.3):
                shape[i] = 1
            elif dim == 1 and not unidirectional and self.chance(0.3):
                shape[i] = int(self.rng.integers(2, 5))
        return self.add_leaf(tuple(shape), dtype or value.dtype, props)

    # -- nodes ------------------------------------------------------------------

    def add_node(self, op_type, inputs, attrs=None, num_outputs=1, keeps=None,
                 domain=""):
        """Appends a node, infers its outputs' types, returns their Values.

        `inputs` holds Values or None (an omitted optional input). Raises
        GenerationSkip when inference refuses the node or a known issue
        matches it.
        """
        attrs = attrs or {}
        names = [self.fresh_name(op_type.lower() + "_") for _ in range(num_outputs)]
        node = helper.make_node(op_type, [v.name if v else "" for v in inputs],
                                names, name=self.fresh_name(op_type + "_"),
                                domain=domain or None, **attrs)
        self.nodes.append(node)
        try:
            types = self.infer_types(names)
        except Exception as error:  # inference refuses: not a valid node
            self.nodes.pop()
            raise GenerationSkip(str(error).splitlines()[0]) from error
        info = NodeInfo(op_type, attrs, inputs, types, self.opset)
        for issue in KNOWN_ISSUES:
            if issue.matches(info):
                self.nodes.pop()
                AVOIDED[issue.name] += 1
                raise GenerationSkip(issue.name)
        real = [v for v in inputs if v is not None]
        for v in real:
            self.consumed.add(v.name)
        if keeps is None:
            keeps = KEEPS.get(op_type, frozenset())
        kept = frozenset.intersection(*(v.props for v in real)) & keeps \
            if real else frozenset(keeps)
        # Values computed from constants only are folded by the compiler;
        # so are shapes, which are static.
        folded = op_type == "Shape" or (
            bool(real) and all("constant" in v.props for v in real))
        outputs = []
        for name, (dtype, shape) in zip(names, types):
            props = set(kept)
            if dtype not in FLOAT_TYPES:
                props.add("exact")
            if folded:
                props.add("constant")
            outputs.append(Value(name, dtype, shape, props))
        self.values.extend(outputs)
        return outputs

    def infer_types(self, names):
        """(dtype, shape) of the named values, by strict shape inference."""
        model = self.to_model(outputs=[])
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True,
                                                     data_prop=True)
        found = {vi.name: vi for vi in inferred.graph.value_info}
        result = []
        for name in names:
            if name not in found:
                raise ValueError(f"no type inferred for {name}")
            tensor_type = found[name].type.tensor_type
            if not tensor_type.HasField("shape"):
                raise ValueError(f"no shape inferred for {name}")
            dims = []
            for dim in tensor_type.shape.dim:
                if not dim.HasField("dim_value") or dim.dim_value < 0:
                    raise ValueError(f"dynamic or negative dimension in {name}")
                dims.append(dim.dim_value)
            dtype = helper.tensor_dtype_to_np_dtype(tensor_type.elem_type).name
            result.append((dtype, tuple(dims)))
        return result

    def graph_outputs(self):
        """The values no node reads: every node contributes to an output."""
        inputs = {v.name for v, _ in self.inputs}
        produced = [v for v in self.values if v.name not in inputs]
        return [v for v in produced if v.name not in self.consumed]

    def to_model(self, outputs=None):
        """The graph built so far as a model (outputs: the unread values)."""
        if outputs is None:
            outputs = self.graph_outputs()
        graph = helper.make_graph(
            list(self.nodes), "fuzz",
            [helper.make_tensor_value_info(v.name, np_to_onnx(v.dtype), v.shape)
             for v, _ in self.inputs],
            [helper.make_tensor_value_info(v.name, np_to_onnx(v.dtype), v.shape)
             for v in outputs],
            list(self.initializers))
        opsets = [helper.make_opsetid("", self.opset)]
        if any(node.domain == "ai.onnx.ml" for node in self.nodes):
            opsets.append(helper.make_opsetid("ai.onnx.ml", 3))
        model = helper.make_model(graph, opset_imports=opsets,
                                  producer_name="lowrank-differential-fuzz")
        model.ir_version = IR_VERSIONS[self.opset]
        return model


AVOIDED = collections.Counter()


def np_to_onnx(dtype):
    """The ONNX element type of a NumPy type name."""
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def onnx_to_np(elem_type):
    """The NumPy type name of an ONNX element type."""
    return helper.tensor_dtype_to_np_dtype(elem_type).name


_SUPPORT_CACHE = {}


def ort_supports(op, opset, dtype, arity=1, attrs=None):
    """Whether ONNX Runtime has a CPU kernel for `op` on `dtype` inputs.

    Probed once per operator, opset and type with a tiny graph, so that the
    generator does not build graphs the reference cannot run.
    """
    attrs = attrs or {}
    key = (op, opset, dtype, arity, tuple(sorted(attrs.items())))
    if key not in _SUPPORT_CACHE:
        names = [f"x{i}" for i in range(arity)]
        graph = helper.make_graph(
            [helper.make_node(op, names, ["y"], **attrs)], "probe",
            [helper.make_tensor_value_info(n, np_to_onnx(dtype), (2, 3)) for n in names],
            [helper.make_empty_tensor_value_info("y")])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = IR_VERSIONS[opset]
        feeds = {n: np.ones((2, 3), dtype) for n in names}
        try:
            session = ort.InferenceSession(model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
            session.run(None, feeds)
            _SUPPORT_CACHE[key] = True
        except Exception:
            _SUPPORT_CACHE[key] = False
    return _SUPPORT_CACHE[key]


# ---------------------------------------------------------------------------
# Operator generators. Each adds one operator (and the leaves it needs) or
# raises GenerationSkip.
# ---------------------------------------------------------------------------

# op: (float types, needs on the operand, extra attributes)
UNARY_FLOAT = {
    "Sqrt": ({"positive"}, {}), "Reciprocal": ({"positive"}, {}),
    "Log": ({"positive"}, {}), "Exp": ((), {}), "Tanh": ((), {}),
    "Erf": ((), {}), "Sigmoid": ((), {}), "Floor": ({"exact"}, {}),
    "Ceil": ({"exact"}, {}), "Round": ({"exact"}, {}), "Sin": ((), {}),
    "Cos": ((), {}), "Tan": ({"bounded"}, {}), "Atan": ((), {}),
    "Sinh": ((), {}), "Cosh": ((), {}), "Softplus": ((), {}),
    "Softsign": ((), {}), "HardSwish": ((), {}),
    "LeakyRelu": ((), {"alpha": [0.01, 0.2, 1.5]}),
    "Elu": ((), {"alpha": [1.0, 0.5]}), "Celu": ((), {"alpha": [1.0, 2.0]}),
    "ThresholdedRelu": ({"exact"}, {"alpha": [1.0, 0.25, -0.5]}),
    "Selu": ((), {"alpha": [1.6732632], "gamma": [1.050701, 2.0]}),
    "HardSigmoid": ((), {"alpha": [0.2, 0.5], "beta": [0.5, 0.1]}),
}
UNARY_MIN_OPSET = {"Celu": 12, "HardSwish": 14}
UNARY_NUMERIC = {"Abs": (), "Neg": (), "Sign": ("exact",), "Relu": ()}


def gen_unary_float(b, op):
    """An elementwise operator on floats (with its attributes)."""
    need, attr_choices = UNARY_FLOAT[op]
    x = b.pick(b.supported(op, FLOAT_CHOICES), need)
    attrs = {k: float(b.choice(v)) for k, v in attr_choices.items() if b.chance(0.7)}
    b.add_node(op, [x], attrs)


def gen_unary_numeric(b, op):
    """Abs, Neg, Sign or Relu on floats or integers."""
    dtypes = b.supported(op, FLOAT_CHOICES + INT_TYPES)
    b.add_node(op, [b.pick(dtypes, UNARY_NUMERIC[op])])


def gen_not(b, _op):
    """Not on a bool tensor."""
    b.add_node("Not", [b.pick(("bool",))])


def gen_identity(b, _op):
    """Identity on any tensor."""
    b.add_node("Identity", [b.pick(ALL_TYPES)])


# Float types weighted towards float32; integer types where allowed.
FLOAT_CHOICES = ("float32", "float32", "float32", "float32", "float64", "float16")
ARITH_TYPES = FLOAT_CHOICES + ("int32", "int64", "int8", "uint8")


def gen_arith(b, op):
    """Add, Sub, Mul, Div with multidirectional broadcasting."""
    dtypes = b.supported(op, ARITH_TYPES, arity=2)
    if op == "Div":
        a = b.pick(dtypes)
        operands = [a, b.broadcast_partner(a, props={"nonzero"})]
    else:
        a = b.pick(dtypes)
        other = [v for v in b.values if v.dtype == a.dtype and v is not a
                 and broadcastable(v.shape, a.shape)]
        partner = b.recent(other) if other and b.chance(0.5) else b.broadcast_partner(a)
        operands = [a, partner]
        if b.chance(0.3):
            operands.reverse()
    b.add_node(op, operands)


def gen_pow(b, _op):
    """Pow: a positive float base, or a small integer base and exponent."""
    integers = tuple(t for t in ("int32", "int64") if ort_supports("Pow", b.opset, t, 2))
    if b.opset >= 12 and integers and b.chance(0.25):
        base = b.pick(integers, {"small"}, fresh=0.5)
        exponent = b.add_constant(b.rng.integers(0, 4, b.choice(
            [(), (1,), base.shape[-1:]])).astype(b.choice(["int64", "int32"])), "e")
        b.add_node("Pow", [base, exponent])
        return
    base = b.pick(b.supported("Pow", FLOAT_CHOICES, 2), {"positive"})
    if b.opset >= 12 and b.chance(0.4):
        exponent = b.add_constant(np.asarray(b.choice([2, 3, -1, 0]), dtype=b.choice(
            ["int64", "int32", "float32"])), "e")
    else:
        exponent = b.broadcast_partner(base, dtype="float32" if b.opset >= 12 else
                                       base.dtype, props={"bounded"})
    b.add_node("Pow", [base, exponent])


def gen_mod(b, _op):
    """Mod: fmod on exact floats, or either form on integers."""
    if b.chance(0.5):
        a = b.pick(b.supported("Mod", FLOAT_CHOICES, 2, {"fmod": 1}), {"exact"})
        fmod = 1
    else:
        a = b.pick(b.supported("Mod", INT_TYPES, 2))
        fmod = int(b.chance(0.5))
    divisor = b.broadcast_partner(a, props={"nonzero"})
    b.add_node("Mod", [a, divisor], {"fmod": fmod})


def gen_prelu(b, _op):
    """PRelu with a slope broadcasting to the input."""
    x = b.pick(b.supported("PRelu", FLOAT_CHOICES + ("int32", "int64"), 2))
    slope = b.broadcast_partner(x, unidirectional=True)
    b.add_node("PRelu", [x, slope])


def gen_compare(b, op):
    """A comparison of exact values (bool result)."""
    a = b.pick(b.supported(op, FLOAT_CHOICES + INT_TYPES + ("bool",), 2), {"exact"})
    other = [v for v in b.values if v.dtype == a.dtype and "exact" in v.props
             and broadcastable(v.shape, a.shape)]
    partner = b.recent(other) if other and b.chance(0.4) else b.broadcast_partner(a)
    b.add_node(op, [a, partner])


def gen_logical(b, op):
    """And, Or or Xor on bool tensors."""
    a = b.pick(("bool",))
    b.add_node(op, [a, b.broadcast_partner(a)])


def gen_variadic(b, op):
    """Min, Max, Sum or Mean of one to three broadcasting inputs."""
    first = b.pick(b.supported(op, FLOAT_CHOICES + INT_TYPES, 2))
    operands = [first] + [b.broadcast_partner(first)
                          for _ in range(int(b.rng.integers(0, 3)))]
    # Min and Max pick an input; a Sum of two is one addition; longer sums
    # and means may round differently.
    keeps = None if op in ("Min", "Max") else (
        frozenset({"exact"}) if op == "Sum" and len(operands) <= 2 else frozenset())
    b.add_node(op, operands, keeps=keeps)


def gen_where(b, _op):
    """Where with a broadcasting condition and branches."""
    x = b.pick(NUMERIC_TYPES)
    condition = b.pick(("bool",), fresh=0.3, max_rank=x.rank)
    if not broadcastable(condition.shape, x.shape):
        condition = b.broadcast_partner(x, dtype="bool")
    y = b.broadcast_partner(x)
    b.add_node("Where", [condition, x, y] if b.chance(0.5) else [condition, y, x])


def gen_clip(b, _op):
    """Clip with constant bounds, either or both omitted."""
    dtypes = FLOAT_CHOICES if b.opset < 12 else FLOAT_CHOICES + INT_TYPES
    if b.opset < 13:
        dtypes = tuple(t for t in dtypes if t != "float64")
    x = b.pick(dtypes)
    low = float(b.choice([-2.0, -0.5, 0.0]))
    high = float(b.choice([0.5, 1.0, 3.0]))
    if np.dtype(x.dtype).kind == "u":
        low = max(low, 0.0)  # unsigned types hold no negative bound
    bounds = [b.add_constant(np.asarray(v, dtype=x.dtype), "clip")
              if b.chance(0.7) else None for v in (low, high)]
    while bounds and bounds[-1] is None:
        bounds.pop()
    b.add_node("Clip", [x] + bounds)


CAST_TARGETS = ("float32", "float64", "float16", "int32", "int64", "int8",
                "uint8", "bool")


def gen_cast(b, _op):
    """Cast to another type, where the conversion is exact or continuous."""
    x = b.pick(ALL_TYPES)
    targets = list(CAST_TARGETS)
    if x.is_float() and not {"exact", "small"} <= x.props:
        # Conversion to integers is discontinuous: only exact small values.
        targets = [t for t in targets if t in FLOAT_TYPES]
    if x.is_float() and "positive" not in x.props:
        targets = [t for t in targets if t != "uint8"]
    if x.dtype == "float16" or x.dtype in INT_TYPES and "small" not in x.props:
        targets = [t for t in targets if t != "float16"]
    to = b.choice(targets)
    out = b.add_node("Cast", [x], {"to": np_to_onnx(to)})[0]
    if x.is_float() and to not in FLOAT_TYPES:
        out.props = frozenset(out.props | {"small"})


def gen_matmul(b, _op):
    """MatMul: usually on a constant weight (a compression candidate)."""
    dtypes = FLOAT_CHOICES + (("int32", "int64") if b.chance(0.15) else ())
    a = b.pick(dtypes, min_rank=1, max_rank=4)
    k = a.shape[-1]
    if b.chance(0.75):
        n = int(b.rng.integers(1, 9))
        shape = (k, n) if b.chance(0.9) else (k,)
        weight = weight_data(b, shape, a.dtype, fan_in=k)
        w = b.add_constant(weight, "W")
        b.add_node("MatMul", [a, w])
        return
    n = int(b.rng.integers(1, 6))
    batch = [1 if b.chance(0.3) else d for d in a.shape[:-2]]
    if b.chance(0.2):
        batch = [int(b.rng.integers(1, 3))] + batch
    if a.rank >= 2 and b.chance(0.3):
        # A dynamic left operand: (..., n, m) x a.
        other = b.add_leaf(tuple(batch) + (n, a.shape[-2]), a.dtype)
        b.add_node("MatMul", [other, a])
        return
    shape = tuple(batch) + (k, n) if a.rank >= 2 or b.chance(0.5) else (k,)
    b.add_node("MatMul", [a, b.add_leaf(shape, a.dtype)])


def weight_data(b, shape, dtype, fan_in):
    """A weight: small integers, or floats scaled by 1/sqrt(fan_in)."""
    if np.dtype(dtype).kind in "iu":
        return b.rng.integers(-3, 4, shape).astype(dtype)
    return (b.rng.standard_normal(shape) / math.sqrt(max(fan_in, 1))).astype(dtype)


def gen_gemm(b, _op):
    """Gemm on a constant B (usually), with transposes and a bias."""
    dtype = b.choice(FLOAT_CHOICES)
    a = b.pick((dtype,), min_rank=2, max_rank=2)
    trans_a = int(b.chance(0.3))
    m, k = (a.shape[1], a.shape[0]) if trans_a else a.shape
    n = int(b.rng.integers(1, 9))
    trans_b = int(b.chance(0.5))
    shape = (n, k) if trans_b else (k, n)
    if b.chance(0.85):
        weight = b.add_constant(weight_data(b, shape, dtype, fan_in=k), "W")
    else:
        weight = b.add_leaf(shape, dtype)
    inputs = [a, weight]
    if b.chance(0.7):
        c_shape = b.choice([(), (n,), (1, n), (m, n), (m, 1)])
        bias = weight_data(b, c_shape, dtype, fan_in=1)
        inputs.append(b.add_constant(bias, "bias") if b.chance(0.7)
                      else b.add_leaf(c_shape, dtype))
    attrs = {}
    if trans_a:
        attrs["transA"] = 1
    if trans_b:
        attrs["transB"] = 1
    if b.chance(0.3):
        attrs["alpha"] = float(b.choice([0.5, 2.0, -1.0]))
    if b.chance(0.3) and len(inputs) == 3:
        attrs["beta"] = float(b.choice([0.5, 2.0, 0.0]))
    b.add_node("Gemm", inputs, attrs)


# ONNX Runtime's CPU kernels of convolution and most pooling take float32
# and float16 only.
WINDOW_TYPES = ("float32", "float32", "float32", "float16")


def spatial_input(b, dtypes=WINDOW_TYPES, max_spatial=3):
    """An N x C x spatial... value (1 to `max_spatial` spatial dims)."""
    x = b.pick(dtypes, min_rank=3, max_rank=2 + max_spatial, fresh=0.3)
    if x.rank >= 3 and all(d <= 10 for d in x.shape):
        return x
    rank = int(b.rng.integers(3, 3 + max_spatial))
    shape = (int(b.rng.integers(1, 3)), int(b.rng.integers(1, 5))) + tuple(
        int(b.rng.integers(1, 8 if rank == 5 else 10)) for _ in range(rank - 2))
    return b.add_leaf(shape, b.choice(list(dtypes)))


def window_attrs(b, spatial, allow_dilation, pads_below_kernel):
    """kernel_shape, strides, pads, dilations and auto_pad for a window."""
    n = len(spatial)
    dilations = [int(b.rng.integers(1, 3)) if allow_dilation and b.chance(0.3)
                 else 1 for _ in range(n)]
    kernel = [int(b.rng.integers(1, 4)) for _ in range(n)]
    strides = [int(b.rng.integers(1, 3)) for _ in range(n)]
    attrs = {"kernel_shape": kernel}
    if b.chance(0.6):
        attrs["strides"] = strides
    if any(d > 1 for d in dilations):
        attrs["dilations"] = dilations
    auto_pad = b.choice(["NOTSET"] * 5 + ["SAME_UPPER", "SAME_LOWER", "VALID"])
    if auto_pad.startswith("SAME") and any(d > 1 for d in dilations):
        # ONNX Runtime refuses this for Conv and computes wrong shapes for
        # MaxPool: no reference.
        auto_pad = "NOTSET"
    if auto_pad != "NOTSET":
        attrs["auto_pad"] = auto_pad
    elif b.chance(0.6):
        limit = [k - 1 if pads_below_kernel else k for k in kernel]
        attrs["pads"] = [int(b.rng.integers(0, max(lim, 0) + 1)) for lim in limit] * 2
        if b.chance(0.5):
            attrs["pads"] = [int(b.rng.integers(0, max(lim, 0) + 1)) for lim in limit * 2]
    return attrs


def gen_conv(b, _op):
    """Conv with a constant weight, groups, optional bias and window attributes."""
    x = spatial_input(b)
    channels = x.shape[1]
    groups = [g for g in range(1, channels + 1) if channels % g == 0]
    group = b.choice(groups) if b.chance(0.3) else 1
    out_channels = group * int(b.rng.integers(1, 4))
    attrs = window_attrs(b, x.shape[2:], True, False)
    kernel = attrs["kernel_shape"]
    if b.chance(0.3):
        del attrs["kernel_shape"]
    if group > 1:
        attrs["group"] = group
    fan_in = channels // group * int(np.prod(kernel))
    weight = b.add_constant(weight_data(
        b, (out_channels, channels // group) + tuple(kernel), x.dtype, fan_in), "W")
    inputs = [x, weight]
    if b.chance(0.5):
        inputs.append(b.add_constant(weight_data(b, (out_channels,), x.dtype, 1), "bias"))
    b.add_node("Conv", inputs, attrs)


def gen_pool(b, op):
    """MaxPool, AveragePool or their global forms."""
    if op in ("GlobalAveragePool", "GlobalMaxPool"):
        b.add_node(op, [spatial_input(b)])
        return
    dtypes = WINDOW_TYPES
    if op == "MaxPool":
        dtypes += ("float64",) + (("int8", "uint8") if b.opset >= 12 else ())
    x = spatial_input(b, dtypes)
    attrs = window_attrs(b, x.shape[2:], op == "MaxPool", True)
    if b.chance(0.25):
        attrs["ceil_mode"] = 1
    if op == "AveragePool" and b.chance(0.4):
        attrs["count_include_pad"] = 1
    outputs = 2 if op == "MaxPool" and x.dtype.startswith("float") and b.chance(0.1) else 1
    b.add_node(op, [x], attrs, num_outputs=outputs)


def gen_batchnorm(b, _op):
    """BatchNormalization (inference) with constant statistics."""
    x = b.pick(FLOAT_CHOICES, min_rank=2, max_rank=4)
    c = x.shape[1]
    params = [b.rng.uniform(0.5, 1.5, c), b.rng.uniform(-1, 1, c),
              b.rng.uniform(-1, 1, c), b.rng.uniform(0.5, 2.0, c)]
    inputs = [x] + [b.add_constant(p.astype(x.dtype), "bn") for p in params]
    attrs = {"epsilon": float(b.choice([1e-5, 1e-3]))} if b.chance(0.3) else {}
    b.add_node("BatchNormalization", inputs, attrs)


def gen_layernorm(b, _op):
    """LayerNormalization from a random axis, sometimes with Mean and InvStdDev."""
    x = b.pick(FLOAT_CHOICES, min_rank=1)
    axis = int(b.rng.integers(-x.rank, x.rank))
    normalized = x.shape[axis:]
    scale = b.add_constant(b.rng.uniform(0.5, 1.5, normalized).astype(x.dtype), "ln")
    inputs = [x, scale]
    if b.chance(0.6):
        inputs.append(b.add_constant(b.rng.uniform(-1, 1, normalized).astype(x.dtype), "ln"))
    attrs = {}
    if axis != -1 or b.chance(0.3):
        attrs["axis"] = axis
    if b.chance(0.3):
        attrs["epsilon"] = float(b.choice([1e-5, 1e-3, 0.1]))
    outputs = b.choice([1, 1, 1, 2, 3])
    b.add_node("LayerNormalization", inputs, attrs, num_outputs=outputs)


def gen_softmax(b, op):
    """Softmax or LogSoftmax along a random axis."""
    x = b.pick(b.supported(op, FLOAT_CHOICES), min_rank=1)
    attrs = {}
    if b.chance(0.7):
        attrs["axis"] = int(b.rng.integers(-x.rank, x.rank))
    b.add_node(op, [x], attrs)


REDUCTIONS = {
    # op: (integer types allowed, operand needs, keeps)
    "ReduceSum": (True, (), frozenset({"exact"})),
    "ReduceMean": (False, (), frozenset()),
    "ReduceMax": (True, (), None),
    "ReduceMin": (True, (), None),
    "ReduceProd": (True, (), frozenset()),
    "ReduceL1": (False, (), frozenset()),
    "ReduceL2": (False, (), frozenset()),
    "ReduceLogSum": (False, {"positive"}, frozenset()),
    "ReduceLogSumExp": (False, (), frozenset()),
    "ReduceSumSquare": (False, (), frozenset()),
}


def gen_reduce(b, op):
    """A reduction over random axes (attribute or input by opset)."""
    integers, need, keeps = REDUCTIONS[op]
    dtypes = b.supported(op, FLOAT_CHOICES + (INT_TYPES if integers else ()))
    x = b.pick(dtypes, need, min_rank=1)
    if op == "ReduceProd" and not x.is_float() and "bounded" not in x.props:
        # Integer products overflow (undefined behaviour): entries in [-1, 1].
        x = b.add_leaf(x.shape, x.dtype, {"bounded"})
    count = int(b.rng.integers(0, x.rank + 1))
    axes = sorted(int(a) for a in b.rng.choice(x.rank, count, replace=False))
    axes = [a - x.rank if b.chance(0.3) else a for a in axes]
    attrs = {}
    if b.chance(0.4):
        attrs["keepdims"] = int(b.chance(0.5))
    axes_as_input = b.opset >= (13 if op == "ReduceSum" else 18)
    inputs = [x]
    if axes_as_input:
        if axes or b.chance(0.3):
            inputs.append(b.int_constant(axes))
        if (not axes) and b.chance(0.3):
            attrs["noop_with_empty_axes"] = int(b.chance(0.5))
    elif axes:
        attrs["axes"] = axes
    # Sums of floats are not exact (the order of additions differs).
    b.add_node(op, inputs, attrs, keeps=keeps if not x.is_float() or op not in
               ("ReduceSum",) else frozenset())


def gen_argreduce(b, op):
    """ArgMax or ArgMin of exact values."""
    x = b.pick(b.supported(op, FLOAT_CHOICES + INT_TYPES), {"exact"}, min_rank=1)
    attrs = {"axis": int(b.rng.integers(-x.rank, x.rank))}
    if b.chance(0.4):
        attrs["keepdims"] = int(b.chance(0.5))
    if b.opset >= 12 and b.chance(0.4):
        attrs["select_last_index"] = int(b.chance(0.5))
    b.add_node(op, [x], attrs)


def factorize(total, parts):
    """`parts` positive sizes whose product is `total`, in random order."""
    sizes = [1] * parts
    for prime in prime_factors(total):
        sizes[np.random.default_rng(total * 31 + parts + prime).integers(parts)] *= prime
    return sizes


def prime_factors(n):
    """The prime factors of n, with repeats."""
    factors, p = [], 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    return factors


def gen_reshape(b, _op):
    """Reshape to a random factorization, with 0 and -1 entries."""
    x = b.pick(ALL_TYPES)
    total = int(np.prod(x.shape))
    rank = int(b.rng.integers(0 if total == 1 else 1, 5))
    if rank == 0:
        shape = []
    else:
        shape = factorize(total, rank)
        b.rng.shuffle(shape)
        if b.chance(0.4):
            shape[int(b.rng.integers(rank))] = -1
        for i in range(min(rank, x.rank)):
            if shape[i] == x.shape[i] and b.chance(0.3):
                shape[i] = 0
    b.add_node("Reshape", [x, b.int_constant(shape)])


def gen_flatten(b, _op):
    """Flatten at a random axis."""
    x = b.pick(ALL_TYPES)
    attrs = {"axis": int(b.rng.integers(-x.rank, x.rank + 1))} if b.chance(0.7) else {}
    b.add_node("Flatten", [x], attrs)


def gen_transpose(b, _op):
    """Transpose by a random permutation (or the default reversal)."""
    x = b.pick(ALL_TYPES, min_rank=1)
    attrs = {}
    if b.chance(0.8):
        attrs["perm"] = [int(p) for p in b.rng.permutation(x.rank)]
    b.add_node("Transpose", [x], attrs)


def gen_squeeze(b, _op):
    """Squeeze size-1 dimensions (given or all)."""
    x = b.pick(ALL_TYPES, min_rank=1)
    ones = [i for i, d in enumerate(x.shape) if d == 1]
    if not ones:
        raise GenerationSkip("no size-1 dimension")
    axes = [i - x.rank if b.chance(0.3) else i
            for i in ones if b.chance(0.7)] or [ones[0]]
    if b.chance(0.2):
        b.add_node("Squeeze", [x])
    elif b.opset >= 13:
        b.add_node("Squeeze", [x, b.int_constant(axes)])
    else:
        b.add_node("Squeeze", [x], {"axes": axes})


def gen_unsqueeze(b, _op):
    """Unsqueeze one or two new dimensions."""
    x = b.pick(ALL_TYPES, max_rank=4)
    count = int(b.rng.integers(1, 3))
    out_rank = x.rank + count
    axes = [int(a) for a in b.rng.choice(out_rank, count, replace=False)]
    axes = [a - out_rank if b.chance(0.3) else a for a in axes]
    if b.opset >= 13:
        b.add_node("Unsqueeze", [x, b.int_constant(axes)])
    else:
        b.add_node("Unsqueeze", [x], {"axes": axes})


def gen_concat(b, _op):
    """Concat of two or three tensors along a random axis."""
    x = b.pick(ALL_TYPES, min_rank=1)
    axis = int(b.rng.integers(-x.rank, x.rank))
    parts = [x]
    for _ in range(int(b.rng.integers(1, 3))):
        if b.chance(0.2):
            parts.append(x)
            continue
        shape = list(x.shape)
        shape[axis] = int(b.rng.integers(1, 4))
        parts.append(b.add_leaf(tuple(shape), x.dtype))
    b.rng.shuffle(parts)
    b.add_node("Concat", parts, {"axis": axis})


def gen_split(b, _op):
    """Split into equal or given parts (num_outputs from opset 18)."""
    x = b.pick(ALL_TYPES, min_rank=1)
    axis = int(b.rng.integers(-x.rank, x.rank))
    size = x.shape[axis]
    attrs = {"axis": axis} if axis != 0 or b.chance(0.5) else {}
    if b.opset >= 18 and b.chance(0.4):
        count = int(b.rng.integers(1, min(size, 4) + 1))
        attrs["num_outputs"] = count
        b.add_node("Split", [x], attrs, num_outputs=count)
        return
    cuts = sorted(int(c) for c in b.rng.choice(
        np.arange(1, size), int(b.rng.integers(0, min(size - 1, 3) + 1)), replace=False)) \
        if size > 1 else []
    sizes = [e - s for s, e in zip([0] + cuts, cuts + [size])]
    explicit = b.chance(0.7) or any(s != sizes[0] for s in sizes)
    inputs = [x]
    if explicit:
        if b.opset >= 13:
            inputs.append(b.int_constant(sizes))
        else:
            attrs["split"] = sizes
    b.add_node("Split", inputs, attrs, num_outputs=len(sizes))


def gen_slice(b, _op):
    """Slice with random starts, ends, axes and steps (clamped, negative)."""
    x = b.pick(ALL_TYPES, min_rank=1)
    count = int(b.rng.integers(1, x.rank + 1))
    axes = [int(a) for a in b.rng.choice(x.rank, count, replace=False)]
    starts, ends, steps = [], [], []
    for axis in axes:
        dim = x.shape[axis]
        step = int(b.choice([1, 1, 1, 2, 3, -1, -2]))
        start = int(b.rng.integers(-dim - 2, dim + 2))
        end = int(b.rng.integers(-dim - 2, dim + 3))
        if b.chance(0.15):
            end = b.choice([2**63 - 1, -2**63]) if step > 0 else -2**63
        if not slice_length(dim, start, end, step) and not b.chance(0.05):
            start, end = (0, dim) if step > 0 else (dim - 1, -dim - 1)
        starts.append(start)
        ends.append(end)
        steps.append(step)
    index_type = b.choice(["int64", "int64", "int32"])
    if index_type == "int32":
        starts = [int(np.clip(s, -2**31, 2**31 - 1)) for s in starts]
        ends = [int(np.clip(e, -2**31, 2**31 - 1)) for e in ends]
    inputs = [x, b.int_constant(starts, index_type), b.int_constant(ends, index_type)]
    default_axes = axes == list(range(count))
    if not default_axes or b.chance(0.5) or any(s != 1 for s in steps):
        inputs.append(b.int_constant([a - x.rank if b.chance(0.3) else a for a in axes],
                                     index_type))
    if any(s != 1 for s in steps) or b.chance(0.3):
        inputs.append(b.int_constant(steps, index_type))
    b.add_node("Slice", inputs)


def slice_length(dim, start, end, step):
    """The number of elements a Python-style slice selects."""
    return len(range(*slice(start, end, step).indices(dim)))


def gen_gather(b, _op):
    """Gather with constant or input indices, negative ones included."""
    x = b.pick(ALL_TYPES, min_rank=1)
    axis = int(b.rng.integers(-x.rank, x.rank))
    dim = x.shape[axis]
    shape = b.random_shape(0, 2, 4)
    index_type = b.choice(["int64", "int32"])
    indices = b.rng.integers(-dim, dim, shape).astype(index_type)
    if b.chance(0.7):
        index_value = b.add_constant(indices, "idx")
    else:
        index_value = b.add_input(shape, index_type, data=indices)
    attrs = {"axis": axis} if axis != 0 or b.chance(0.5) else {}
    b.add_node("Gather", [x, index_value], attrs)


def gen_expand(b, _op):
    """Expand to a broadcast-compatible shape."""
    x = b.pick(ALL_TYPES)
    # Size-1 dimensions may stretch; others may be given as 1 (they
    # broadcast both ways).
    shape = [(int(b.rng.integers(1, 4)) if b.chance(0.5) else 1) if dim == 1
             else (dim if b.chance(0.5) else 1) for dim in x.shape]
    if b.chance(0.3):
        shape = [int(b.rng.integers(1, 3))] + shape
    b.add_node("Expand", [x, b.int_constant(shape)])


def gen_tile(b, _op):
    """Tile by one or two repeats per dimension."""
    x = b.pick(ALL_TYPES, min_rank=1, max_rank=3)
    repeats = [int(b.rng.integers(1, 3)) for _ in x.shape]
    b.add_node("Tile", [x, b.int_constant(repeats)])


def gen_shape(b, _op):
    """Shape (of start or all dimensions), often the shape an Expand reads."""
    x = b.pick(ALL_TYPES)
    attrs = {}
    if b.opset >= 15 and b.chance(0.4):
        attrs["start"] = int(b.rng.integers(-x.rank - 1, x.rank + 1))
    shape = b.add_node("Shape", [x], attrs)[0]
    target = b.pick(ALL_TYPES, fresh=0.0)
    if b.chance(0.7) and broadcastable(target.shape, shape_value(x, attrs)):
        b.add_node("Expand", [target, shape])


def shape_value(x, attrs):
    """The dimensions a Shape node with these attributes returns."""
    start = attrs.get("start", 0)
    return x.shape[start:]


def gen_constant_of_shape(b, _op):
    """ConstantOfShape, usually added to a value of its type."""
    shape = b.random_shape(0, 3)
    dtype = b.choice(["float32", "int64", "int32", "bool", "float64"])
    value = b.random_data((1,), dtype, ())
    attrs = {"value": numpy_helper.from_array(value)} if b.chance(0.8) else {}
    out = b.add_node("ConstantOfShape", [b.int_constant(list(shape))], attrs,
                     keeps=_MOVE)[0]
    out.props = frozenset(out.props | {"exact", "small"})
    partners = [v for v in b.values if v.dtype == out.dtype and v is not out
                and broadcastable(v.shape, out.shape)]
    if partners and out.dtype in ARITH_TYPES and b.chance(0.7):
        b.add_node("Add", [b.recent(partners), out])


def gen_dropout(b, _op):
    """Dropout in inference mode (an identity), sometimes with its mask."""
    x = b.pick(FLOAT_CHOICES)
    inputs = [x]
    if b.opset >= 12 and b.chance(0.4):
        inputs.append(b.add_constant(np.asarray(0.3, dtype="float32"), "ratio"))
    # Before opset 12, ONNX Runtime's inference-mode mask is all false where
    # ONNX's reference implementation (and lowrank) give all true: no mask.
    outputs = 2 if b.opset >= 12 and b.chance(0.2) else 1
    b.add_node("Dropout", inputs, num_outputs=outputs)


def gen_dequantize(b, _op):
    """DequantizeLinear, per tensor or per axis, with or without zero point."""
    dtype = b.choice(["int8", "uint8", "int32"])
    x = b.pick((dtype,), min_rank=0, max_rank=3, fresh=0.5)
    per_axis = b.opset >= 13 and x.rank >= 1 and b.chance(0.5)
    attrs = {}
    if per_axis:
        axis = int(b.rng.integers(-x.rank, x.rank))
        attrs["axis"] = axis
        scale_shape = (x.shape[axis],)
    else:
        scale_shape = ()
    scale = b.add_constant(b.rng.uniform(0.01, 0.5, scale_shape).astype("float32"), "scale")
    inputs = [x, scale]
    if dtype != "int32" and b.chance(0.6):
        info = np.iinfo(dtype)
        zero = b.rng.integers(max(info.min, -20), min(info.max, 20) + 1, scale_shape)
        inputs.append(b.add_constant(zero.astype(dtype), "zp"))
    b.add_node("DequantizeLinear", inputs, attrs)


def broadcastable(a, b_shape):
    """Whether two shapes broadcast together (multidirectionally)."""
    for x, y in zip(reversed(a), reversed(b_shape)):
        if x != y and x != 1 and y != 1:
            return False
    return True


def unary_entries():
    """Generator table entries of the unary operators."""
    entries = {op: (gen_unary_float, UNARY_MIN_OPSET.get(op, 7), 1.0) for op in UNARY_FLOAT}
    entries.update({op: (gen_unary_numeric, 7, 1.5) for op in UNARY_NUMERIC})
    return entries


# op: (generator, first opset, relative weight)
GENERATORS = {
    **unary_entries(),
    "Not": (gen_not, 7, 0.5), "Identity": (gen_identity, 7, 0.5),
    **{op: (gen_arith, 7, 3.0) for op in ("Add", "Sub", "Mul")},
    "Div": (gen_arith, 7, 2.0), "Pow": (gen_pow, 7, 1.0), "Mod": (gen_mod, 10, 1.0),
    "PRelu": (gen_prelu, 7, 1.0),
    **{op: (gen_compare, 7, 0.8) for op in ("Equal", "Less", "Greater")},
    **{op: (gen_compare, 12, 0.8) for op in ("LessOrEqual", "GreaterOrEqual")},
    **{op: (gen_logical, 7, 0.6) for op in ("And", "Or", "Xor")},
    **{op: (gen_variadic, 8, 1.0) for op in ("Min", "Max", "Sum", "Mean")},
    "Where": (gen_where, 9, 1.5), "Clip": (gen_clip, 11, 1.0),
    "Cast": (gen_cast, 7, 2.0),
    "MatMul": (gen_matmul, 7, 5.0), "Gemm": (gen_gemm, 7, 4.0),
    "Conv": (gen_conv, 7, 3.0),
    **{op: (gen_pool, 7, 1.2) for op in ("MaxPool", "AveragePool")},
    **{op: (gen_pool, 7, 0.6) for op in ("GlobalAveragePool", "GlobalMaxPool")},
    "BatchNormalization": (gen_batchnorm, 7, 1.0),
    "LayerNormalization": (gen_layernorm, 17, 2.0),
    "Softmax": (gen_softmax, 7, 2.0), "LogSoftmax": (gen_softmax, 7, 1.0),
    **{op: (gen_reduce, 7, 0.8) for op in REDUCTIONS},
    **{op: (gen_argreduce, 7, 0.8) for op in ("ArgMax", "ArgMin")},
    "Reshape": (gen_reshape, 7, 2.0), "Flatten": (gen_flatten, 7, 1.0),
    "Transpose": (gen_transpose, 7, 2.0), "Squeeze": (gen_squeeze, 7, 1.0),
    "Unsqueeze": (gen_unsqueeze, 7, 1.0), "Concat": (gen_concat, 7, 2.0),
    "Split": (gen_split, 7, 1.5), "Slice": (gen_slice, 10, 2.0),
    "Gather": (gen_gather, 7, 1.5), "Expand": (gen_expand, 8, 1.0),
    "Tile": (gen_tile, 7, 1.0), "Shape": (gen_shape, 7, 0.5),
    "ConstantOfShape": (gen_constant_of_shape, 9, 0.5),
    "Dropout": (gen_dropout, 7, 0.5), "DequantizeLinear": (gen_dequantize, 10, 0.8),
    **ML_GENERATORS,
}


def generate_graph(rng, max_nodes):
    """A random model, its input data, and the operators chosen."""
    opset = int(rng.choice(OPSETS))
    builder = GraphBuilder(rng, opset, max_nodes)
    ops = [op for op, (_, first, _) in GENERATORS.items() if first <= opset]
    weights = np.array([GENERATORS[op][2] for op in ops])
    target = int(rng.integers(1, max_nodes + 1))
    attempts = 0
    while len(builder.nodes) < target and attempts < 8 * target:
        attempts += 1
        op = ops[int(rng.choice(len(ops), p=weights / weights.sum()))]
        saved = (list(builder.nodes), list(builder.inputs), list(builder.initializers),
                 list(builder.values), set(builder.consumed))
        try:
            GENERATORS[op][0](builder, op)
        except GenerationSkip:
            (builder.nodes, builder.inputs, builder.initializers,
             builder.values, builder.consumed) = saved
    if not builder.nodes or not builder.graph_outputs():
        return None
    model = builder.to_model()
    data = [array for _, array in builder.inputs]
    return model, data


# ---------------------------------------------------------------------------
# Running the reference and the tools
# ---------------------------------------------------------------------------

class Rejected(Exception):
    """The graph is not a test: invalid, refused by ONNX Runtime, unstable."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def check_model(model):
    """onnx.checker (full) and strict shape inference with data propagation."""
    try:
        onnx.checker.check_model(model, full_check=True)
        onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True,
                                          data_prop=True)
    except Exception as error:
        raise Rejected("invalid", str(error).splitlines()[0]) from error


ort.set_default_logger_severity(4)


def ort_run(model, data, optimize=True):
    """Runs the model with ONNX Runtime (CPU, basic optimizations or none)."""
    options = ort.SessionOptions()
    options.graph_optimization_level = (
        ort.GraphOptimizationLevel.ORT_ENABLE_BASIC if optimize
        else ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 4
    try:
        session = ort.InferenceSession(model.SerializeToString(), options,
                                       providers=["CPUExecutionProvider"])
        feeds = dict(zip(graph_input_names(model), data))
        return session.run(None, feeds)
    except Exception as error:
        raise Rejected("ort", str(error).splitlines()[0][:200]) from error


def graph_input_names(model):
    """The inputs a caller feeds: graph inputs that are not initializers."""
    constants = {t.name for t in model.graph.initializer}
    return [i.name for i in model.graph.input if i.name not in constants]


def with_all_values(model):
    """The model with every node output also a graph output."""
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    types = {vi.name: vi for vi in inferred.graph.value_info}
    result = onnx.ModelProto()
    result.CopyFrom(model)
    outputs = {o.name for o in model.graph.output}
    for node in model.graph.node:
        for name in node.output:
            if name and name not in outputs and name in types:
                result.graph.output.append(types[name])
                outputs.add(name)
    return result


def reference(model, data):
    """Outputs, every intermediate value, and the largest float magnitude.

    The outputs must agree with ONNX Runtime's unoptimized run: graphs on
    which its optimizations change the result are no test of the compiler.
    """
    outputs = ort_run(model, data)
    for declared, array in zip(model.graph.output, outputs):
        dims = [d.dim_value for d in declared.type.tensor_type.shape.dim]
        if tuple(dims) != array.shape:
            raise Rejected("ort-inconsistent",
                           f"ONNX Runtime's output shape {list(array.shape)} contradicts "
                           f"ONNX shape inference ({dims})")
    plain = ort_run(model, data, optimize=False)
    rtol, atol = run_tolerance(model, 1.0)
    for optimized, unoptimized in zip(outputs, plain):
        if unoptimized.dtype.kind == "f" and not np.all(np.isfinite(unoptimized)):
            raise Rejected("unstable", "non-finite values in the reference run")
        if compare_arrays(optimized, unoptimized, rtol, atol * 10):
            raise Rejected("ort-inconsistent",
                           "ONNX Runtime's optimized and unoptimized runs differ")
    full = with_all_values(model)
    values = dict(zip([o.name for o in full.graph.output], ort_run(full, data)))
    for tensor in model.graph.initializer:
        values[tensor.name] = numpy_helper.to_array(tensor)
    for value_info, array in zip(model.graph.input, data):
        values[value_info.name] = array
    magnitude = 0.0
    for array in values.values():
        if array.dtype.kind != "f" or array.size == 0:
            continue
        if not np.all(np.isfinite(array)):
            raise Rejected("unstable", "non-finite values in the reference run")
        magnitude = max(magnitude, float(np.max(np.abs(array.astype(np.float64)))))
    if magnitude > MAX_MAGNITUDE:
        raise Rejected("unstable", f"values up to {magnitude:g}")
    return outputs, values, magnitude


def has_float16(model):
    """Whether any input, weight or value of the model is float16."""
    inferred = onnx.shape_inference.infer_shapes(model)
    infos = list(inferred.graph.input) + list(inferred.graph.value_info) + list(
        inferred.graph.output)
    return any(vi.type.tensor_type.elem_type == TensorProto.FLOAT16 for vi in infos) or any(
        t.data_type == TensorProto.FLOAT16 for t in model.graph.initializer)


def run_tolerance(model, magnitude):
    """(rtol, atol) of the lowrank-run comparison; see the module docstring."""
    scale = max(1.0, magnitude)
    if has_float16(model):
        return HALF_RTOL, HALF_ATOL * scale
    return RUN_RTOL, RUN_ATOL * scale


class Tools:
    """The compiler's command-line tools and their time limit."""

    def __init__(self, lowrank_run, lowrank_opt, timeout):
        self.lowrank_run = lowrank_run
        self.lowrank_opt = lowrank_opt
        self.timeout = timeout


class Outcome:
    """What a check found: pass, a clean refusal, or a failure."""

    def __init__(self, status, kind="", reason=""):
        self.status = status  # "pass", "refused" or "fail"
        self.kind = kind      # the failure's stage and symptom, for shrinking
        self.reason = reason
        self.factored = False  # whether compression factored any layer


def run_tool(command, timeout):
    """(returncode or None on timeout, stdout, stderr)."""
    try:
        proc = subprocess.run(command, capture_output=True, text=True,
                              timeout=timeout, errors="replace")
        return proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as expired:
        return None, expired.stdout or "", expired.stderr or ""


def classify_exit(tool, returncode, stdout, stderr, timeout):
    """None when the tool succeeded; else (status, kind, reason)."""
    if returncode == 0:
        return None
    if returncode is None:
        return "fail", f"{tool}:timeout", f"{tool} timed out after {timeout:g} s"
    if returncode < 0:
        name = signal_name(-returncode)
        return "fail", f"{tool}:signal", f"{tool} killed by {name}: {first_line(stderr)}"
    mismatch = [line for line in stdout.splitlines() if "MISMATCH" in line]
    if mismatch:
        return "fail", f"{tool}:mismatch", f"{tool} output {mismatch[0].strip()}"
    lines = [line for line in stderr.splitlines() if line.strip()]
    clean = (lines and ": error: " in lines[0]
             and all(DIAGNOSTIC_LINE.match(line) for line in lines)
             and not any(marker in stderr for marker in CRASH_MARKERS)
             and not UNCLEAR_ERRORS.search(lines[0]))
    if clean:
        return "refused", f"{tool}:refused", lines[0]
    if lines and UNCLEAR_ERRORS.search(lines[0]):
        return ("fail", f"{tool}:unclear-error",
                f"{tool} exited {returncode} with an internal error: {lines[0][:300]}")
    return ("fail", f"{tool}:exit",
            f"{tool} exited {returncode} without a clean error: {first_line(stderr or stdout)}")


def signal_name(number):
    """SIGSEGV and the like for a signal number."""
    import signal
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def first_line(text):
    """The most telling line of a tool's output (a crash or error line)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    interesting = [line for line in lines if any(m in line for m in CRASH_MARKERS)
                   or "error" in line.lower()]
    return (interesting or lines or ["(no output)"])[0][:300]


def save_arrays(folder, prefix, arrays):
    """Saves arrays as <prefix>_<i>.npy files; returns their paths."""
    paths = []
    for i, array in enumerate(arrays):
        path = os.path.join(folder, f"{prefix}_{i}.npy")
        np.save(path, array)
        paths.append(path)
    return paths


def lowrank_run_check(tools, folder, model_path, inputs, expected, rtol, atol, stage,
                      extra=()):
    """lowrank-run on the model with `expected` as --expect."""
    input_paths = save_arrays(folder, "input", inputs)
    expect_paths = save_arrays(folder, f"{stage}_expected", expected)
    command = [tools.lowrank_run, model_path, *extra]
    command += [arg for path in input_paths for arg in ("--input", path)]
    command += [arg for path in expect_paths for arg in ("--expect", path)]
    command += [f"--rtol={rtol:g}", f"--atol={atol:g}"]
    returncode, stdout, stderr = run_tool(command, tools.timeout)
    verdict = classify_exit("lowrank-run", returncode, stdout, stderr, tools.timeout)
    if verdict is None:
        return Outcome("pass")
    status, kind, reason = verdict
    if stage != "run" and status == "fail":
        reason = f"{stage} model: {reason}"
    return Outcome(status, f"{stage}:{kind}", reason)


def has_constant_weight_layer(model):
    """Whether a MatMul or Gemm reads a constant weight (a compression candidate)."""
    constants = {t.name for t in model.graph.initializer}
    constants |= {o for n in model.graph.node if n.op_type == "Constant" for o in n.output}
    return any(n.op_type in ("MatMul", "Gemm") and len(n.input) > 1 and
               n.input[1] in constants for n in model.graph.node)


def compression_tolerance(model, magnitude):
    """Full-rank factors round like any weight: float16 ones visibly."""
    scale = max(1.0, magnitude)
    if has_float16(model):
        return HALF_COMPRESS_RTOL, HALF_COMPRESS_ATOL * scale
    run_rtol, run_atol = run_tolerance(model, magnitude)
    return max(COMPRESS_RTOL, run_rtol), max(COMPRESS_ATOL * scale, run_atol)


def compression_check(tools, folder, model, model_path, inputs, expected, magnitude,
                      grouping):
    """Full-rank compression: checker, ORT and lowrank-run vs the original."""
    out_path = os.path.join(folder, "compressed.onnx")
    options = FULL_RANK_OPTIONS + f" grouping={'true' if grouping else 'false'}"
    command = [tools.lowrank_opt, model_path, f"--lowrank-compress={options}",
               "--emit=onnx", "-o", out_path]
    returncode, stdout, stderr = run_tool(command, tools.timeout)
    verdict = classify_exit("lowrank-opt", returncode, stdout, stderr, tools.timeout)
    if verdict is not None:
        status, kind, reason = verdict
        return Outcome(status, "compress:" + kind, reason)
    compressed = onnx.load(out_path)
    # float64 weights and Gemm with transA are not candidates: unchanged.
    factored = any("/lowrank/" in node.name for node in compressed.graph.node)
    try:
        onnx.checker.check_model(compressed, full_check=True)
    except Exception as error:
        return Outcome("fail", "compress:checker",
                       "compressed model fails the ONNX checker: "
                       + str(error).splitlines()[0][:200])
    rtol, atol = compression_tolerance(model, magnitude)
    try:
        actual = ort_run(compressed, inputs)
    except Rejected as error:
        return Outcome("fail", "compress:ort-refused",
                       f"ONNX Runtime refuses the compressed model: {error}")
    for i, (got, want) in enumerate(zip(actual, expected)):
        problem = compare_arrays(got, want, rtol, atol)
        if problem:
            return Outcome("fail", "compress:ort-mismatch",
                           f"compressed model under ONNX Runtime, output {i}: {problem}")
    outcome = lowrank_run_check(tools, folder, out_path, inputs, expected, rtol, atol,
                                "compressed")
    outcome.factored = factored
    return outcome


def compare_arrays(got, want, rtol, atol):
    """A one-line description of the worst difference, or None."""
    if got.shape != want.shape or got.dtype != want.dtype:
        return f"got {got.dtype}{list(got.shape)}, expected {want.dtype}{list(want.shape)}"
    if got.dtype.kind not in "fc":
        bad = np.flatnonzero(got.ravel() != want.ravel())
        if bad.size:
            i = bad[0]
            return f"index {i}: {got.ravel()[i]} vs {want.ravel()[i]} ({bad.size} differ)"
        return None
    g, w = got.astype(np.float64).ravel(), want.astype(np.float64).ravel()
    both_nan = np.isnan(g) & np.isnan(w)
    excess = np.abs(g - w) - (atol + rtol * np.abs(w))
    excess[both_nan] = 0
    excess[np.isnan(excess)] = np.inf
    if excess.size and excess.max() > 0:
        i = int(np.argmax(excess))
        return (f"index {i}: {g[i]:.9g} vs expected {w[i]:.9g} "
                f"(tolerance {atol + rtol * abs(w[i]):.3g}; "
                f"{int((excess > 0).sum())} of {g.size} differ)")
    return None


def with_symbolic_dims(model):
    """The model with every dimension of its graph inputs and outputs
    symbolic (one name per dimension), so that lowrank-run --symbolic-dims
    compiles it for any sizes."""
    result = onnx.ModelProto()
    result.CopyFrom(model)
    constants = {t.name for t in model.graph.initializer}
    for values in (result.graph.input, result.graph.output):
        for value in values:
            if value.name in constants:
                continue
            for i, dim in enumerate(value.type.tensor_type.shape.dim):
                dim.dim_param = f"{value.name}_{i}"
    return result


def check_graph(tools, model, data, workdir, grouping=True, only=None):
    """Runs every check on one graph. Raises Rejected when it is no test.

    `only` restricts the checks to one stage ("run", "symbolic" or
    "compressed"/"compress") while shrinking. Returns (Outcome,
    compressed-checked flag).
    """
    check_model(model)
    outputs, _, magnitude = reference(model, data)
    model_path = os.path.join(workdir, "model.onnx")
    onnx.save(model, model_path)
    rtol, atol = run_tolerance(model, magnitude)
    if only in (None, "run"):
        outcome = lowrank_run_check(tools, workdir, model_path, data, outputs, rtol, atol,
                                    "run")
        if outcome.status != "pass" or only == "run":
            return outcome, False
    # The same graph compiled once for any sizes. An operator not lowered
    # for run-time sizes ("failed to legalize") is tallied, not a failure;
    # a wrong value, a crash or another error is.
    if only in (None, "symbolic"):
        symbolic_path = os.path.join(workdir, "model_symbolic.onnx")
        onnx.save(with_symbolic_dims(model), symbolic_path)
        outcome = lowrank_run_check(tools, workdir, symbolic_path, data, outputs, rtol,
                                    atol, "symbolic", extra=["--symbolic-dims"])
        if only == "symbolic":
            return outcome, False
        unsupported = SYMBOLIC_UNSUPPORTED_OP.search(outcome.reason)
        if outcome.status == "pass":
            SYMBOLIC["compiled"] += 1
        elif outcome.status == "refused" or (
                outcome.kind == "symbolic:lowrank-run:unclear-error" and unsupported):
            SYMBOLIC["not lowered for run-time sizes: " + (
                unsupported.group(1) if unsupported else "refused")] += 1
        else:
            return outcome, False
    if not has_constant_weight_layer(model):
        return Outcome("pass"), False
    outcome = compression_check(tools, workdir, model, model_path, data, outputs,
                                magnitude, grouping)
    return outcome, True


# ---------------------------------------------------------------------------
# Shrinking
# ---------------------------------------------------------------------------

def cut_node(model, data, values, index):
    """The model without node `index`: its outputs become graph inputs fed
    with their reference values. Unused nodes and inputs are then dropped."""
    node = model.graph.node[index]
    if node.op_type == "Constant":
        return None  # an input instead of a constant changes what the node is
    cut = [name for name in node.output if name and name in values]
    if len(cut) != len([n for n in node.output if n]):
        return None
    reduced = onnx.ModelProto()
    reduced.CopyFrom(model)
    del reduced.graph.node[index]
    arrays = dict(zip([i.name for i in model.graph.input], data))
    for name in cut:
        array = values[name]
        reduced.graph.input.append(helper.make_tensor_value_info(
            name, np_to_onnx(array.dtype.name), array.shape))
        arrays[name] = array
    if any(o.name in cut for o in reduced.graph.output):
        return None  # a graph output that is also an input: not a test
    return prune(reduced, arrays)


def drop_output(model, data, index):
    """The model without graph output `index` (and what only it used)."""
    if len(model.graph.output) < 2:
        return None
    reduced = onnx.ModelProto()
    reduced.CopyFrom(model)
    del reduced.graph.output[index]
    return prune(reduced, dict(zip([i.name for i in model.graph.input], data)))


def prune(model, arrays):
    """Drops nodes, inputs and initializers no graph output depends on."""
    graph = model.graph
    live = {o.name for o in graph.output}
    kept = []
    for node in reversed(list(graph.node)):
        if any(o in live for o in node.output):
            kept.append(node)
            live.update(i for i in node.input if i)
    kept.reverse()
    del graph.node[:]
    graph.node.extend(kept)
    inputs = [i for i in graph.input if i.name in live]
    del graph.input[:]
    graph.input.extend(inputs)
    initializers = [t for t in graph.initializer if t.name in live]
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    return model, [arrays[i.name] for i in inputs]


def same_failure(outcome, failure):
    """Whether a candidate fails like the original: the same stage and
    symptom, and for errors the same message up to names and numbers."""
    if outcome.status != "fail" or outcome.kind != failure.kind:
        return False
    if failure.kind.endswith(":mismatch"):
        return True
    return message_shape(outcome.reason) == message_shape(failure.reason)


def message_shape(reason):
    """A message with file names, quoted names and numbers blanked out."""
    reason = re.sub(r"\S*\.onnx", "", reason)
    reason = re.sub(r"'[^']*'", "''", reason)
    return re.sub(r"\d+", "0", reason)


def shrink(tools, model, data, failure, workdir, grouping, deadline):
    """Removes nodes and outputs while the same kind of failure remains."""
    stage = failure.kind.split(":")[0]
    if stage not in ("run", "symbolic"):
        stage = "compress"
    trials = 0

    def still_fails(candidate):
        """The candidate's outcome when it fails like the original, else None."""
        nonlocal trials
        trials += 1
        candidate_model, candidate_data = candidate
        if not candidate_model.graph.node:
            return None
        try:
            outcome, _ = check_graph(tools, candidate_model, candidate_data, workdir,
                                     grouping, only=stage)
        except Rejected:
            return None
        return outcome if same_failure(outcome, failure) else None

    progress = True
    while progress and time.monotonic() < deadline:
        progress = False
        try:
            _, values, _ = reference(model, data)
        except Rejected:
            break
        steps = [("output", i) for i in range(len(model.graph.output))]
        steps += [("node", i) for i in reversed(range(len(model.graph.node)))]
        for what, index in steps:
            if time.monotonic() >= deadline:
                break
            candidate = (drop_output(model, data, index) if what == "output"
                         else cut_node(model, data, values, index))
            if candidate is None:
                continue
            outcome = still_fails(candidate)
            if outcome is not None:
                model, data = candidate
                failure = outcome
                progress = True
                break
    return model, data, failure, trials


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------

def reproduce_script(model, data, failure, grouping):
    """A shell script rerunning the failing stage on the artifact's files."""
    try:
        _, _, magnitude = reference(model, data)
    except Rejected:
        magnitude = 1.0
    inputs = " ".join(f"--input input_{i}.npy" for i in range(len(data)))
    expects = " ".join(f"--expect expected_{i}.npy" for i in range(len(model.graph.output)))
    lines = ["#!/bin/sh", "# Reruns the failing check from this folder; LOWRANK_BIN defaults to",
             "# the build's tools.", 'BIN="${LOWRANK_BIN:-%s}"' % os.path.abspath(
                 os.path.join(DEFAULT_BUILD_DIR, "bin"))]
    if failure.kind.startswith("run:"):
        rtol, atol = run_tolerance(model, magnitude)
        lines.append(f'"$BIN/lowrank-run" model.onnx {inputs} {expects} '
                     f"--rtol={rtol:g} --atol={atol:g}")
    elif failure.kind.startswith("symbolic:"):
        rtol, atol = run_tolerance(model, magnitude)
        lines.append(f'"$BIN/lowrank-run" model_symbolic.onnx --symbolic-dims {inputs} '
                     f"{expects} --rtol={rtol:g} --atol={atol:g}")
    else:
        rtol, atol = compression_tolerance(model, magnitude)
        options = FULL_RANK_OPTIONS + f" grouping={'true' if grouping else 'false'}"
        lines.append(f"\"$BIN/lowrank-opt\" model.onnx '--lowrank-compress={options}' "
                     "--emit=onnx -o compressed.onnx &&")
        lines.append(f'"$BIN/lowrank-run" compressed.onnx {inputs} {expects} '
                     f"--rtol={rtol:g} --atol={atol:g}")
    return "\n".join(lines) + "\n"


def write_artifact(folder, label, original, model, data, failure, seed, index, grouping):
    """The reproducer: model, inputs, reference outputs, one-line reason and
    a script rerunning the failing check."""
    target = os.path.join(folder, label)
    if os.path.exists(target):
        shutil.rmtree(target)
    os.makedirs(target)
    onnx.save(model, os.path.join(target, "model.onnx"))
    onnx.save(with_symbolic_dims(model), os.path.join(target, "model_symbolic.onnx"))
    onnx.save(original, os.path.join(target, "original.onnx"))
    save_arrays(target, "input", data)
    try:
        outputs = ort_run(model, data)
        save_arrays(target, "expected", outputs)
    except Rejected:
        pass
    with open(os.path.join(target, "reason.txt"), "w") as f:
        f.write(f"{failure.reason} [{failure.kind}; seed {seed} graph {index}; "
                f"{', '.join(sorted({n.op_type for n in model.graph.node}))}]\n")
    script = os.path.join(target, "command.sh")
    with open(script, "w") as f:
        f.write(reproduce_script(model, data, failure, grouping))
    os.chmod(script, 0o755)
    return target


def format_counts(counter):
    """'name count, ...' in name order."""
    return ", ".join(f"{name} {count}" for name, count in sorted(counter.items()))


def parse_args(argv):
    """The command line."""
    parser = argparse.ArgumentParser(
        description="Differential fuzzer: random ONNX graphs through lowrank-run "
                    "and lowrank-opt, checked against ONNX Runtime.")
    parser.add_argument("--seed", type=int, default=None,
                        help="random seed (default: from the clock; printed)")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--count", type=int,
                        help="number of graphs to check (default 100)")
    budget.add_argument("--seconds", type=float,
                        help="check graphs until this much time has passed")
    parser.add_argument("--first-graph", type=int, default=0,
                        help="index of the first graph (replays one graph of a seed)")
    parser.add_argument("--max-nodes", type=int, default=8,
                        help="most operators per graph (default 8)")
    parser.add_argument("--lowrank-run", help="the lowrank-run to check (default: build/bin's)",
                        default=os.path.join(DEFAULT_BUILD_DIR, "bin", "lowrank-run"))
    parser.add_argument("--lowrank-opt", help="the lowrank-opt to check (default: build/bin's)",
                        default=os.path.join(DEFAULT_BUILD_DIR, "bin", "lowrank-opt"))
    parser.add_argument("--artifacts", default="differential-artifacts",
                        help="folder for the reproducers of failures")
    parser.add_argument("--timeout", type=float, default=120,
                        help="seconds per tool invocation (default 120)")
    parser.add_argument("--shrink-seconds", type=float, default=120,
                        help="time spent shrinking each failure (default 120)")
    parser.add_argument("--no-compress", action="store_true",
                        help="skip the full-rank compression check")
    parser.add_argument("--keep-going", action="store_true",
                        help="continue after a failure (default: stop at the first)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print one line per graph")
    args = parser.parse_args(argv)
    if args.count is None and args.seconds is None:
        args.count = 100
    if args.seed is None:
        args.seed = int(time.time()) % 1000000
    return args


# What the symbolic stage found besides failures: graphs compiled for any
# sizes, and the operators that stopped the others.
SYMBOLIC = collections.Counter()
SYMBOLIC_UNSUPPORTED_OP = re.compile(r"failed to legalize operation 'onnx\.(\w+)'")


class Campaign:
    """The tallies of one run: coverage, refusals, regenerations, failures."""

    def __init__(self):
        self.coverage = collections.Counter()
        self.regenerated = collections.Counter()
        self.refusals = collections.Counter()
        self.failures = []
        self.checked = 0
        self.compressed = 0
        self.factored = 0


def check_one(args, tools, workdir, campaign, index):
    """Generates, checks and on failure shrinks and saves graph `index`."""
    rng = np.random.default_rng([args.seed, index])
    grouping = bool(rng.random() < 0.5)
    generated = generate_graph(rng, args.max_nodes)
    if generated is None:
        campaign.regenerated["empty"] += 1
        return
    model, data = generated
    try:
        outcome, did_compress = check_graph(tools, model, data, workdir, grouping,
                                            only="run" if args.no_compress else None)
    except Rejected as rejected:
        campaign.regenerated[rejected.kind] += 1
        if args.verbose:
            print(f"  graph {index}: regenerated ({rejected.kind}: {rejected})")
        return
    campaign.checked += 1
    campaign.compressed += did_compress
    campaign.factored += outcome.factored
    campaign.coverage.update(n.op_type for n in model.graph.node)
    if args.verbose:
        print(f"  graph {index}: {outcome.status} "
              f"{[n.op_type for n in model.graph.node]} {outcome.reason}")
    if outcome.status == "refused":
        campaign.refusals[normalize_refusal(outcome.reason)] += 1
    if outcome.status != "fail":
        return
    print(f"FAIL graph {index} (seed {args.seed}): {outcome.reason}")
    small, small_data, final, trials = shrink(
        tools, model, data, outcome, workdir, grouping,
        time.monotonic() + args.shrink_seconds)
    folder = write_artifact(args.artifacts, f"seed{args.seed}-graph{index}", model,
                            small, small_data, final, args.seed, index, grouping)
    print(f"  shrunk from {len(model.graph.node)} to {len(small.graph.node)} "
          f"nodes in {trials} trials: {final.reason}")
    print(f"  reproducer: {folder}")
    campaign.failures.append(folder)


def print_report(args, campaign, elapsed):
    """Coverage, refusals, known issues avoided and the summary line."""
    print("coverage (nodes per operator in checked graphs): "
          + format_counts(campaign.coverage))
    if campaign.refusals:
        print("clean refusals by lowrank-run/lowrank-opt (not failures):")
        for reason, count in campaign.refusals.most_common():
            print(f"  {count:4d}  {reason}")
    if AVOIDED:
        print("nodes not generated because of known issues: " + format_counts(AVOIDED))
    if SYMBOLIC:
        print("compiled with symbolic sizes (stage symbolic): "
              + format_counts(SYMBOLIC))
    print(f"differential-fuzz: seed {args.seed}: {campaign.checked} graphs checked "
          f"({campaign.compressed} compressed at full rank, {campaign.factored} "
          f"with factored layers), "
          f"{len(campaign.failures)} failures, {sum(campaign.refusals.values())} refused, "
          f"regenerated: {format_counts(campaign.regenerated) or 'none'}; {elapsed:.1f} s")


def main(argv=None):
    """Checks graphs until the count or time is reached; 1 on any failure."""
    args = parse_args(argv)
    for tool in (args.lowrank_run, args.lowrank_opt):
        if not os.access(tool, os.X_OK):
            print(f"differential-fuzz: error: {tool} is not an executable", file=sys.stderr)
            return 2
    tools = Tools(os.path.abspath(args.lowrank_run), os.path.abspath(args.lowrank_opt),
                  args.timeout)
    print(f"differential-fuzz: seed {args.seed}; known issues excluded from generation:"
          + ("".join(f"\n  {i.name}: {i.description}" for i in KNOWN_ISSUES) or " none"))
    start = time.monotonic()
    campaign = Campaign()
    index = args.first_graph
    with tempfile.TemporaryDirectory(prefix="lowrank-dfuzz-") as workdir:
        while not (args.count is not None and campaign.checked >= args.count
                   or args.seconds is not None and time.monotonic() - start >= args.seconds
                   or campaign.failures and not args.keep_going):
            check_one(args, tools, workdir, campaign, index)
            index += 1
    print_report(args, campaign, time.monotonic() - start)
    return 1 if campaign.failures else 0


def normalize_refusal(line):
    """A refusal message without file and node names, to count by kind."""
    line = re.sub(r"^\S+: error: ", "", line)
    line = re.sub(r"node '[^']*'", "node '...'", line)
    line = re.sub(r"'[^']*_\d+'", "'...'", line)
    return line[:200]


if __name__ == "__main__":
    sys.exit(main())
