"""Sequential calibration (`lowrank-calibrate --sequential OPTIONS`).

One-layer calibration measures every linear layer's input in the original
model. Once the layers before it are compressed, a layer sees other
inputs x~ instead of x. Sequential calibration measures them: the layers
are taken in stages, one per input tensor, in graph order; for each stage
the model is compressed with lowrank-opt and the given options using the
statistics gathered so far, and the original and the compressed model run
every calibration input side by side. The stage's layers then get
G = sum x~ x~^T, the mean of x~, and the cross products C = sum x~ x^T.

lowrank-opt factors such a layer's corrected weight W* = G^-1 C W: the
weight whose outputs on the inputs it now sees come closest to the
original layer's outputs, ||X W - X~ W*|| minimal, and truncates it whitened
with G (docs/Compression.md, "Sequential calibration"). The statistics are
for one compression setting: the options given here are the ones to
compress with (lowrank-opt adds nothing but `calibration=`).
"""

import pathlib
import subprocess
import tempfile

import numpy as np
import onnx

from . import capture as capture_module
from . import lrstats


class SequentialError(Exception):
    pass


def stages_in_graph_order(model: onnx.ModelProto,
                          ops: list[capture_module.LinearOp]) -> list[list[capture_module.LinearOp]]:
    """The linear ops grouped by the tensor they read, in the order of the
    first node that reads it."""
    first_use = {}
    for index, node in enumerate(model.graph.node):
        for name in node.input:
            first_use.setdefault(name, index)
    stages: dict[str, list[capture_module.LinearOp]] = {}
    for op in ops:
        stages.setdefault(op.input, []).append(op)
    return [stages[name] for name in sorted(stages, key=lambda n: first_use.get(n, -1))]


def _session(model: onnx.ModelProto, outputs: list[str]):
    import onnxruntime as ort

    model = onnx.ModelProto.FromString(model.SerializeToString())
    existing = {o.name for o in model.graph.output}
    for name in outputs:
        if name not in existing:
            model.graph.output.append(
                onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def compress(tool, model_path, options: str, out: pathlib.Path) -> None:
    cmd = [str(tool), str(model_path), f"--lowrank-compress={options}", "--emit=onnx",
           "-o", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        errors = [line for line in proc.stderr.splitlines() if "error:" in line]
        raise SequentialError(f"{' '.join(cmd)} failed: "
                              + ("\n".join(errors[:5]) or proc.stderr.strip()[-2000:]))


def capture_sequential(model_path, feeds, options: str, tool, log=print,
                       work: pathlib.Path | None = None) -> list[lrstats.LayerStats]:
    """Statistics of every linear op of `model_path`, each stage measured in
    the model compressed with `options` from the statistics before it."""
    if "calibration=" in options:
        raise SequentialError("the options must not name calibration=: the statistics "
                              "of each stage are what is being computed")
    model_path = pathlib.Path(model_path)
    model = onnx.load(str(model_path))
    ops = capture_module.find_linear_ops(model)
    if not ops:
        raise SequentialError(f"{model_path}: no linear op with a constant weight")
    stats = {layer.name: layer for layer in capture_module.capture(model_path, feeds)}
    stages = stages_in_graph_order(model, ops)
    graph_inputs = {i.name for i in model.graph.input}
    with tempfile.TemporaryDirectory(prefix="lowrank-sequential-") as tmp:
        folder = work or pathlib.Path(tmp)
        for index, stage in enumerate(stages):
            tensor = stage[0].input
            # Nothing before the first stage is compressed: its inputs, read
            # by no compressed layer, are the original ones.
            if index == 0 or tensor in graph_inputs:
                continue
            stats_path = folder / "stages.lrstats"
            lrstats.write(stats_path, [stats[op.name] for op in ops], model=model_path.name)
            compressed_path = folder / "stage.onnx"
            compress(tool, model_path, f"{options} calibration={stats_path}", compressed_path)
            compressed = onnx.load(str(compressed_path))
            produced = {o for node in compressed.graph.node for o in node.output}
            if tensor not in produced:
                raise SequentialError(f"the compressed model has no tensor '{tensor}', the "
                                      f"input of layer '{stage[0].name}'")
            original_session = _session(model, [tensor])
            compressed_session = _session(compressed, [tensor])
            acc = lrstats.CrossAccumulator(stage[0].dim)
            for feed in feeds:
                original = stage[0].rows(original_session.run([tensor], feed)[0])
                seen = stage[0].rows(compressed_session.run([tensor], feed)[0])
                acc.add_pair(seen, original)
            for op in stage:
                stats[op.name] = lrstats.LayerStats(op.name, op.op, op.input, acc.samples,
                                                    acc.mean(), acc.gram, acc.cross)
            shift = np.linalg.norm(acc.gram - acc.cross) / max(np.linalg.norm(acc.cross), 1e-300)
            log(f"stage {index + 1} of {len(stages)}: {', '.join(op.name for op in stage)} "
                f"(input '{tensor}': ||G - C|| / ||C|| = {shift:.2e})")
    return [stats[op.name] for op in ops]
