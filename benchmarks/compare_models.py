"""The models of compare.py, written with static batch-1 input shapes, their
compressed variants and their FLOPs."""

import pathlib

import numpy as np
import onnx

import make_encoder
from compare_executors import ExecutorError, fresh, reference_outputs, run

ROOT = pathlib.Path(__file__).resolve().parent.parent
VISION_MODELS = ("resnet18", "mobilenet_v3")
DECODER_MODELS = ("decoder-prefill", "decoder-decode")


def pin_shapes(model, shapes):
    """Fixes the graph inputs' dimensions to `shapes` (name -> list) and drops
    stale intermediate shape annotations."""
    for value in model.graph.input:
        if value.name in shapes:
            dims = value.type.tensor_type.shape.dim
            for dim, size in zip(dims, shapes[value.name]):
                dim.Clear()
                dim.dim_value = size
    del model.graph.value_info[:]
    return model


def pin_outputs(model, outputs):
    """Fixes the graph outputs' dimensions to those of `outputs`, reference
    results of the pinned model."""
    for value, array in zip(model.graph.output, outputs):
        shape = value.type.tensor_type.shape
        shape.Clear()
        for size in array.shape:
            shape.dim.add().dim_value = size
    return model


def write_static(model, path, feeds):
    """Saves `model` with pinned inputs, then pins its outputs to what ONNX
    Runtime computes for `feeds`."""
    onnx.save(model, str(path))
    outputs = reference_outputs(path, feeds)
    onnx.save(pin_outputs(onnx.load(str(path)), outputs), str(path))


def minilm_model(work, seq, python):
    converted = work / "minilm-converted.onnx"
    if not converted.exists():
        tool = pathlib.Path(python).parent / "lowrank-minilm"
        run([tool, "convert", "-o", converted], "lowrank-minilm convert")
    rng = np.random.default_rng(1)
    feeds = {"input_ids": rng.integers(1000, 30000, (1, seq)).astype(np.int64),
             "attention_mask": np.ones((1, seq), np.int64)}
    path = work / f"minilm-{seq}.onnx"
    if not fresh(path, converted):
        model = pin_shapes(onnx.load(str(converted)),
                           {name: list(a.shape) for name, a in feeds.items()})
        write_static(model, path, feeds)
    return path, feeds


def bert_base_model(work, seq=128):
    hidden = 768
    feeds = {"x": np.random.default_rng(1).standard_normal(
        (1, seq, hidden)).astype(np.float32)}
    path = work / f"bert-base-{seq}.onnx"
    if not path.exists():
        onnx.save(make_encoder.build(layers=12, hidden=hidden, heads=12,
                                     ffn=3072, seq=seq), str(path))
    return path, feeds


def torch_generated(work, name, torch_python, script, args, needs):
    """work/<name>.onnx, written by benchmarks/<script> with `args` under
    the interpreter that has torch (and `needs`) unless it exists."""
    path = work / f"{name}.onnx"
    if not path.exists():
        if not torch_python:
            raise ExecutorError(f"no interpreter with {needs} (--torch-python)")
        run([torch_python, ROOT / "benchmarks" / script, "--out", work, *args],
            script)
    return path


def vision_model(work, name, torch_python):
    path = torch_generated(work, name, torch_python, "make_vision.py",
                           ["--models", name], "torchvision")
    feeds = {"images": np.random.default_rng(1).standard_normal(
        (1, 3, 224, 224)).astype(np.float32)}
    return path, feeds


def decoder_model(work, name, torch_python):
    """make_decoder.py's prefill or decode graph, with random token ids, a
    full attention mask and a random key/value cache as inputs."""
    path = torch_generated(work, name, torch_python, "make_decoder.py",
                           ["--phases", name.removeprefix("decoder-")],
                           "torch and transformers")
    graph = onnx.load(str(path), load_external_data=False).graph
    vocab = graph.output[0].type.tensor_type.shape.dim[-1].dim_value
    rng = np.random.default_rng(1)
    feeds = {}
    for value in graph.input:
        shape = [d.dim_value for d in value.type.tensor_type.shape.dim]
        if value.name == "input_ids":
            feeds[value.name] = rng.integers(0, vocab, shape).astype(np.int64)
        elif value.name == "attention_mask":
            feeds[value.name] = np.ones(shape, np.int64)
        else:
            feeds[value.name] = rng.standard_normal(shape).astype(np.float32)
    return path, feeds


def compress(opt, dense, ratio, tucker):
    path = dense.with_name(f"{dense.stem}-p{ratio}.onnx")
    if not fresh(path, dense):
        options = f"param-ratio={ratio}" + (" tucker=true" if tucker else "")
        run([opt, dense, f"--lowrank-compress={options}", "--emit=onnx", "-o",
             path], f"lowrank-opt --lowrank-compress='{options}'")
    return path


def product_flops(path):
    """FLOPs of the model's MatMul, Gemm and Conv nodes (2 per
    multiply-add), from ONNX shape inference on its static shapes."""
    model = onnx.shape_inference.infer_shapes(onnx.load(str(path)),
                                              data_prop=True)
    shapes = {}
    for value in list(model.graph.input) + list(model.graph.value_info) + \
            list(model.graph.output):
        dims = value.type.tensor_type.shape.dim
        if all(d.HasField("dim_value") for d in dims):
            shapes[value.name] = [d.dim_value for d in dims]
    for init in model.graph.initializer:
        shapes[init.name] = list(init.dims)
    flops = 0
    for node in model.graph.node:
        ins = [shapes.get(i) for i in node.input[:2]]
        out = shapes.get(node.output[0])
        if node.op_type == "MatMul" and ins[0] and ins[1]:
            k = ins[0][-1]
            flops += 2 * k * int(np.prod(out)) if out else 0
        elif node.op_type == "Gemm" and ins[0] and out:
            trans_a = next((a.i for a in node.attribute if a.name == "transA"), 0)
            k = ins[0][0] if trans_a else ins[0][1]
            flops += 2 * k * int(np.prod(out))
        elif node.op_type == "Conv" and ins[1] and out:
            # Each output element takes C_in / group x kernel multiply-adds.
            flops += 2 * int(np.prod(out)) * int(np.prod(ins[1][1:]))
    return flops
