"""Capture of calibration statistics with ONNX Runtime (`lowrank-calibrate`).

The linear ops are the ones lowrank-opt factorizes: MatMul whose right
operand is a constant 2-D weight (an initializer or Constant, possibly behind
a Transpose), Gemm with a constant B, and Conv with a constant 1x1 kernel and
group 1. The activation input of each becomes an extra graph output; every
calibration input is run once, and the rows of each activation are
accumulated into sum(x x^T) and sum(x) in float64. The result is a
`.lrstats` file (see lrstats.py and docs/PythonTools.md).

Layer names are the ONNX node names; an unnamed node is `<OpType>_<index>`
with its position in the graph, as lowrank-opt's importer names it.
"""

import argparse
import pathlib
import sys
import time
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import numpy_helper

from . import lrstats


@dataclass
class LinearOp:
    name: str
    op: str
    input: str  # the activation tensor
    dim: int  # K = d_in
    trans_a: bool = False  # Gemm: rows of A^T

    def rows(self, value: np.ndarray) -> np.ndarray:
        """The activation as N row vectors of dimension K."""
        if self.op == "Conv":  # [N, C, spatial...] -> channel vectors
            return np.moveaxis(value, 1, -1).reshape(-1, self.dim)
        if self.op == "Gemm" and self.trans_a:
            return value.T
        return value.reshape(-1, self.dim)


def node_name(node: onnx.NodeProto, index: int) -> str:
    return node.name or f"{node.op_type}_{index}"


def _constants(graph: onnx.GraphProto) -> dict[str, np.ndarray]:
    values = {t.name: t for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value":
                    values[node.output[0]] = attr.t
    return values


def find_linear_ops(model: onnx.ModelProto) -> list[LinearOp]:
    graph = model.graph
    constants = _constants(graph)
    producers = {out: node for node in graph.node for out in node.output}

    def shape_of(name):
        """Shape of a constant, also behind a Transpose; None otherwise."""
        if name in constants:
            return list(constants[name].dims)
        node = producers.get(name)
        if node is not None and node.op_type == "Transpose" and node.input[0] in constants:
            dims = list(constants[node.input[0]].dims)
            perm = next((list(a.ints) for a in node.attribute if a.name == "perm"),
                        list(reversed(range(len(dims)))))
            return [dims[p] for p in perm]
        return None

    ops = []
    for index, node in enumerate(graph.node):
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type == "MatMul":
            shape = shape_of(node.input[1])
            if shape is not None and len(shape) == 2 and shape_of(node.input[0]) is None:
                ops.append(LinearOp(node_name(node, index), "MatMul", node.input[0], shape[0]))
        elif node.op_type == "Gemm":
            shape = shape_of(node.input[1])
            if shape is not None and len(shape) == 2:
                k = shape[1] if attrs.get("transB", 0) else shape[0]
                ops.append(LinearOp(node_name(node, index), "Gemm", node.input[0], k,
                                    bool(attrs.get("transA", 0))))
        elif node.op_type == "Conv":
            shape = shape_of(node.input[1])
            if (shape is not None and len(shape) >= 3 and all(d == 1 for d in shape[2:])
                    and attrs.get("group", 1) == 1):
                ops.append(LinearOp(node_name(node, index), "Conv", node.input[0], shape[1]))
    return ops


def load_inputs(paths, model: onnx.ModelProto) -> list[dict[str, np.ndarray]]:
    """Feeds from .npz files (name -> array), .npy and .pb files (one per
    graph input, in the graph's input order unless a .pb names its input),
    and directories of them: a directory holding input_*.pb files is one
    feed (the ONNX test data layout); any other directory is walked."""
    initializers = {t.name for t in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in initializers]
    feeds = []

    def tensor_file(path):
        if path.suffix == ".npy":
            return None, np.load(path)
        tensor = onnx.TensorProto()
        try:
            tensor.ParseFromString(path.read_bytes())
        except Exception as err:  # protobuf raises its own DecodeError
            raise SystemExit(f"error: {path}: not an ONNX TensorProto: {err}") from err
        return tensor.name or None, numpy_helper.to_array(tensor)

    def group(files):
        feed = {}
        for position, path in enumerate(sorted(files)):
            name, value = tensor_file(path)
            name = name or (names[position] if position < len(names) else None)
            if name not in names:
                raise SystemExit(f"error: {path}: the model has no input "
                                 f"{name or '#' + str(position)} (inputs: {', '.join(names)})")
            feed[name] = value
        return feed

    def visit(path):
        path = pathlib.Path(path)
        if path.is_dir():
            pbs = sorted(path.glob("input_*.pb"))
            if pbs:
                feeds.append(group(pbs))
                return
            for child in sorted(path.iterdir()):
                if child.is_dir() or child.suffix in (".npz", ".npy", ".pb"):
                    visit(child)
        elif path.suffix == ".npz":
            with np.load(path) as npz:
                feed = {name: npz[name] for name in npz.files}
            unknown = set(feed) - set(names)
            if unknown:
                raise SystemExit(f"error: {path}: the model has no input "
                                 f"{sorted(unknown)[0]} (inputs: {', '.join(names)})")
            feeds.append(feed)
        elif path.suffix in (".npy", ".pb"):
            feeds.append(group([path]))
        elif not path.exists():
            raise SystemExit(f"error: {path}: no such file or directory")
        else:
            raise SystemExit(f"error: {path}: not a .npz, .npy or .pb file")

    for path in paths:
        visit(path)
    return feeds


def token_feeds(path, model: onnx.ModelProto) -> list[dict[str, np.ndarray]]:
    """One feed per row of a .npy of token ids ([N, T] or [T], integers):
    `input_ids` [1, T] (the model's only input if it has no input of that
    name) and, where the model has one, an all-ones `attention_mask`."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise SystemExit(f"error: {path}: no such file")
    try:
        tokens = np.load(path)
    except (OSError, ValueError) as err:
        raise SystemExit(f"error: {path}: not a .npy file: {err}") from err
    if tokens.ndim == 1:
        tokens = tokens[None, :]
    if tokens.ndim != 2 or not np.issubdtype(tokens.dtype, np.integer) or tokens.shape[1] == 0:
        raise SystemExit(f"error: {path}: token ids must be an integer array [sequences, "
                         f"tokens], not {tokens.dtype} {list(tokens.shape)}")
    initializers = {t.name for t in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in initializers]
    if "input_ids" in names:
        ids_name = "input_ids"
    elif len(names) == 1:
        ids_name = names[0]
    else:
        raise SystemExit(f"error: {path}: the model has no input 'input_ids' "
                         f"(inputs: {', '.join(names)})")
    feeds = []
    for row in tokens.astype(np.int64):
        feed = {ids_name: row[None, :]}
        if "attention_mask" in names:
            feed["attention_mask"] = np.ones_like(feed[ids_name])
        feeds.append(feed)
    return feeds


def capture(model_path, feeds, model_name: str | None = None) -> list[lrstats.LayerStats]:
    """Runs `feeds` through the model and returns the statistics of every
    linear op's input."""
    import onnxruntime as ort

    model = onnx.load(str(model_path))
    ops = find_linear_ops(model)
    if not ops:
        raise SystemExit(f"error: {model_path}: no linear op with a constant weight")
    graph_inputs = {i.name for i in model.graph.input}
    existing = {o.name for o in model.graph.output}
    tensors = sorted({op.input for op in ops} - graph_inputs)
    for name in tensors:
        if name not in existing:
            model.graph.output.append(
                onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    options = ort.SessionOptions()
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    acc = {name: None for name in {op.input for op in ops}}
    first = {op.input: op for op in ops}
    for feed in feeds:
        values = dict(zip(tensors, session.run(tensors, feed))) if tensors else {}
        values.update({k: v for k, v in feed.items() if k in acc})
        for name in acc:
            op = first[name]
            rows = op.rows(values[name])
            if rows.shape[-1] != op.dim:
                raise SystemExit(f"error: {model_path}: layer '{op.name}': input '{name}' has "
                                 f"{rows.shape[-1]} features, the weight expects {op.dim}")
            if acc[name] is None:
                acc[name] = lrstats.Accumulator(op.dim)
            acc[name].add(rows)
    if not feeds:
        raise SystemExit(f"error: {model_path}: no calibration inputs")
    return [lrstats.LayerStats(op.name, op.op, op.input, acc[op.input].samples,
                               acc[op.input].mean(), acc[op.input].gram) for op in ops]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="lowrank-calibrate",
        description="Capture the input statistics of every linear op of an ONNX model "
        "(X X^T in float64, mean, sample count) into a .lrstats file.")
    parser.add_argument("model", type=pathlib.Path)
    parser.add_argument("inputs", nargs="*", type=pathlib.Path,
                        help=".npz/.npy/.pb files or directories of them")
    parser.add_argument("--sentences", type=pathlib.Path,
                        help="text file, one sentence per line, tokenized for all-MiniLM-L6-v2")
    parser.add_argument("--tokens", type=pathlib.Path, action="append", default=[],
                        help=".npy of token ids [sequences, tokens]: one input per sequence "
                        "(input_ids [1, tokens]); repeatable")
    parser.add_argument("-o", "--output", type=pathlib.Path, required=True)
    parser.add_argument("--sequential", metavar="OPTIONS",
                        help="sequential calibration for these --lowrank-compress options "
                        "(without calibration=): each stage measured in the model compressed "
                        "before it, with the cross products lowrank-opt corrects weights by")
    parser.add_argument("--lowrank-opt", type=pathlib.Path,
                        help="the lowrank-opt that --sequential compresses with")
    args = parser.parse_args(argv)
    if args.sequential is not None and args.lowrank_opt is None:
        raise SystemExit("error: --sequential needs --lowrank-opt")
    if not args.model.is_file():
        raise SystemExit(f"error: {args.model}: no such file")
    model = onnx.load(str(args.model), load_external_data=False)
    feeds = load_inputs(args.inputs, model)
    if args.sentences:
        from .models import minilm

        feeds += minilm.tokenize(minilm.read_sentences(args.sentences))
    for path in args.tokens:
        feeds += token_feeds(path, model)
    start = time.perf_counter()
    if args.sequential is not None:
        from . import sequential

        try:
            layers = sequential.capture_sequential(args.model, feeds, args.sequential,
                                                   args.lowrank_opt)
        except (sequential.SequentialError, lrstats.StatsError) as err:
            raise SystemExit(f"error: {err}") from err
    else:
        layers = capture(args.model, feeds)
    lrstats.write(args.output, layers, model=args.model.name)
    print(f"{args.output}: {len(layers)} layers, {len(feeds)} inputs, "
          f"{time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
