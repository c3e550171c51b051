"""Compression of billion-parameter Llama-architecture models on one machine
(docs/Benchmarks.md, "Compression at scale"). Not a test: it prints numbers.

  llama_scale.py generate DIR [--shape tinyllama|llama-7b] [--layers N]
      writes DIR/model.onnx, a Llama decoder in float16 (token embedding,
      RMSNorm, grouped-query attention with rotary embeddings and a causal
      mask, SwiGLU, untied head) for 1 x --seq tokens, with its weights in
      DIR/model.onnx.data. Each linear weight has a decaying spectrum
      (a rank-512 part with singular values decaying like exp(-4 i / 512)
      over a noise floor) and is written row block by row block, so the
      generator never holds more than one weight.

  llama_scale.py stats DIR
      writes DIR/model.lrstats: for every linear layer the Gram matrix of a
      synthetic input with a decaying covariance and a few outlier channels,
      as `lowrank-calibrate` would capture it. Layers reading the same
      tensor (q/k/v, gate/up) point at one array of the file.

  llama_scale.py check DIR [--max-error E]
      runs DIR/model.onnx and DIR/out.onnx in ONNX Runtime on the same
      tokens and prints the relative error of the compressed model's logits
      and the sampled-row errors of its factors; exits 1 when the logits
      are not finite or their error exceeds E.

  llama_scale.py bench LOWRANK_OPT DIR [--calibrated] [--cut 0.2]
      compresses DIR/model.onnx with `param-ratio=1-cut` (plain SVD, or
      whitened with DIR/model.lrstats when --calibrated) into DIR/out.onnx,
      then prints wall time, CPU time, peak resident memory of lowrank-opt
      (getrusage of the child, which counts the mapped pages of the weights
      and the statistics it touched) and its peak anonymous memory (sampled
      from /proc every 0.2 s: what it holds beyond mapped files) against the
      size of the weights, and the error of a few sampled rows of every
      factored layer.

Shapes: tinyllama is TinyLlama-1.1B (22 layers, hidden 2048, 32 query and
4 key/value heads, SwiGLU 5632, vocabulary 32000: 1.10e9 parameters, 2.2 GB
in float16); llama-7b is Llama-2-7B (32 layers, hidden 4096, 32 heads,
SwiGLU 11008: 6.74e9 parameters, 13.5 GB).
"""

import argparse
import json
import os
import resource
import struct
import subprocess
import sys
import time

import numpy as np

SHAPES = {
    "tinyllama": dict(layers=22, hidden=2048, heads=32, kv_heads=4,
                      ffn=5632, vocab=32000),
    "llama-7b": dict(layers=32, hidden=4096, heads=32, kv_heads=32,
                     ffn=11008, vocab=32000),
    # For the test suite: the same graph, small enough to run in seconds,
    # large enough (512) for the float64 SVDs to take the Gram route.
    "test": dict(layers=2, hidden=512, heads=8, kv_heads=2, ffn=1408,
                 vocab=1000),
}
SPECTRUM_RANK = 512
ALIGN = 64


def linear_layers(shape):
    """(node name, input tensor, rows, cols) of every linear weight of the
    decoder blocks, in graph order; the head comes last."""
    h, kv = shape["hidden"], shape["hidden"] // shape["heads"] * shape["kv_heads"]
    f = shape["ffn"]
    layers = []
    for i in range(shape["layers"]):
        p = f"layers.{i}"
        layers += [(f"{p}.q_proj", f"{p}.attn_in", h, h),
                   (f"{p}.k_proj", f"{p}.attn_in", h, kv),
                   (f"{p}.v_proj", f"{p}.attn_in", h, kv),
                   (f"{p}.o_proj", f"{p}.attn_out", h, h),
                   (f"{p}.gate_proj", f"{p}.mlp_in", h, f),
                   (f"{p}.up_proj", f"{p}.mlp_in", h, f),
                   (f"{p}.down_proj", f"{p}.mlp_act", f, h)]
    layers.append(("lm_head", "final_norm", h, shape["vocab"]))
    return layers


class WeightWriter:
    """Appends float16 tensors to the external data file and returns their
    TensorProtos (external references)."""

    def __init__(self, path):
        self.name = os.path.basename(path)
        self.file = open(path, "wb")
        self.offset = 0

    def add(self, name, dims, blocks):
        from onnx import TensorProto

        start = self.offset
        for block in blocks:
            data = np.ascontiguousarray(block, dtype=np.float16).tobytes()
            self.file.write(data)
            self.offset += len(data)
        expected = 2 * int(np.prod(dims))
        assert self.offset - start == expected, (name, self.offset - start)
        tensor = TensorProto()
        tensor.name = name
        tensor.data_type = TensorProto.FLOAT16
        tensor.dims.extend(dims)
        tensor.data_location = TensorProto.EXTERNAL
        for key, value in (("location", self.name), ("offset", str(start)),
                           ("length", str(expected))):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, value
        # Keep offsets aligned for memory mapping.
        pad = (-self.offset) % ALIGN
        self.file.write(b"\0" * pad)
        self.offset += pad
        return tensor


def decaying_weight_blocks(rng, rows, cols, block_rows=1024):
    """Row blocks of U diag(s) V^T + noise with U, V Gaussian (nearly
    orthonormal columns at these sizes), s_i = exp(-4 i / 512), scaled so
    that the entries have the standard deviation of a trained layer's
    (about 1 / sqrt(rows))."""
    k = min(SPECTRUM_RANK, rows, cols)
    s = np.exp(-4.0 * np.arange(k) / k).astype(np.float32)
    v = rng.standard_normal((k, cols), dtype=np.float32) / np.sqrt(cols)
    sv = s[:, None] * v
    scale = np.sqrt(cols / np.sum(s**2)) / np.sqrt(rows)
    noise = 0.02 * scale
    for start in range(0, rows, block_rows):
        stop = min(rows, start + block_rows)
        u = rng.standard_normal((stop - start, k), dtype=np.float32)
        block = scale * (u @ sv)
        block += noise * rng.standard_normal(block.shape, dtype=np.float32)
        yield block


def generate(args):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    shape = dict(SHAPES[args.shape])
    if args.layers:
        shape["layers"] = args.layers
    h, heads, kv_heads = shape["hidden"], shape["heads"], shape["kv_heads"]
    head_dim = h // heads
    seq = args.seq
    os.makedirs(args.dir, exist_ok=True)
    model_path = os.path.join(args.dir, "model.onnx")
    writer = WeightWriter(model_path + ".data")
    rng = np.random.default_rng(0)
    inits, nodes = [], []
    f16 = TensorProto.FLOAT16

    def const(name, array):
        inits.append(numpy_helper.from_array(array, name))
        return name

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def ones_weight(name, n):
        inits.append(writer.add(name, [n], [np.ones(n, np.float16)]))
        return name

    def rms_norm(x, weight, name):
        sq = node("Mul", [x, x], f"{name}.sq")
        mean = node("ReduceMean", [sq], f"{name}.mean", axes=[-1], keepdims=1)
        eps = node("Add", [mean, "eps"], f"{name}.eps")
        root = node("Sqrt", [eps], f"{name}.sqrt")
        normed = node("Div", [x, root], f"{name}.div")
        return node("Mul", [normed, weight], name)

    def linear(x, name, rows, cols):
        inits.append(writer.add(f"{name}.weight", [rows, cols],
                                decaying_weight_blocks(rng, rows, cols)))
        return node("MatMul", [x, f"{name}.weight"], name)

    def rotary(x, name):
        # x: [1, heads, seq, head_dim]; rotate_half(x) = [-x2, x1].
        half = head_dim // 2
        x1 = node("Slice", [x, "zero1", "half1", "axis3"], f"{name}.x1")
        x2 = node("Slice", [x, "half1", "end1", "axis3"], f"{name}.x2")
        neg = node("Neg", [x2], f"{name}.neg")
        rot = node("Concat", [neg, x1], f"{name}.rot", axis=-1)
        a = node("Mul", [x, "rope.cos"], f"{name}.a")
        b = node("Mul", [rot, "rope.sin"], f"{name}.b")
        del half
        return node("Add", [a, b], name)

    const("eps", np.array(1e-5, np.float16))
    const("zero1", np.array([0], np.int64))
    const("half1", np.array([head_dim // 2], np.int64))
    const("end1", np.array([head_dim], np.int64))
    const("axis3", np.array([3], np.int64))
    const("q_shape", np.array([1, seq, heads, head_dim], np.int64))
    const("kv_shape", np.array([1, seq, kv_heads, 1, head_dim], np.int64))
    const("kv_expand", np.array([1, seq, kv_heads, heads // kv_heads, head_dim],
                                np.int64))
    const("merged", np.array([1, seq, h], np.int64))
    const("scale", np.array(1.0 / np.sqrt(head_dim), np.float16))
    mask = np.triu(np.full((seq, seq), -np.inf, np.float32), 1)
    const("causal_mask", mask.astype(np.float16))
    inv = 1.0 / (10000.0 ** (np.arange(0, head_dim, 2) / head_dim))
    angles = np.arange(seq)[:, None] * inv[None, :]
    angles = np.concatenate([angles, angles], axis=-1)
    const("rope.cos", np.cos(angles).astype(np.float16))
    const("rope.sin", np.sin(angles).astype(np.float16))

    vocab = shape["vocab"]
    inits.append(writer.add(
        "embed_tokens.weight", [vocab, h],
        (0.02 * rng.standard_normal((min(4096, vocab - s), h),
                                    dtype=np.float32)
         for s in range(0, vocab, 4096))))
    x = node("Gather", ["embed_tokens.weight", "input_ids"], "embed")
    for i in range(shape["layers"]):
        p = f"layers.{i}"
        attn_in = rms_norm(x, ones_weight(f"{p}.input_norm.weight", h),
                           f"{p}.attn_in")
        q = linear(attn_in, f"{p}.q_proj", h, h)
        k = linear(attn_in, f"{p}.k_proj", h, kv_heads * head_dim)
        v = linear(attn_in, f"{p}.v_proj", h, kv_heads * head_dim)
        q = node("Reshape", [q, "q_shape"], f"{p}.q_heads")
        q = node("Transpose", [q], f"{p}.q_t", perm=[0, 2, 1, 3])
        q = rotary(q, f"{p}.q_rope")
        heads_of = []
        for tag, t in (("k", k), ("v", v)):
            t = node("Reshape", [t, "kv_shape"], f"{p}.{tag}_heads")
            t = node("Expand", [t, "kv_expand"], f"{p}.{tag}_repeat")
            t = node("Reshape", [t, "q_shape"], f"{p}.{tag}_all")
            t = node("Transpose", [t], f"{p}.{tag}_t", perm=[0, 2, 1, 3])
            heads_of.append(t)
        k, v = heads_of
        k = rotary(k, f"{p}.k_rope")
        kt = node("Transpose", [k], f"{p}.k_tt", perm=[0, 1, 3, 2])
        scores = node("MatMul", [q, kt], f"{p}.scores")
        scores = node("Mul", [scores, "scale"], f"{p}.scaled")
        scores = node("Add", [scores, "causal_mask"], f"{p}.masked")
        probs = node("Softmax", [scores], f"{p}.probs", axis=-1)
        ctx = node("MatMul", [probs, v], f"{p}.ctx")
        ctx = node("Transpose", [ctx], f"{p}.ctx_t", perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, "merged"], f"{p}.attn_out")
        o = linear(ctx, f"{p}.o_proj", h, h)
        x = node("Add", [x, o], f"{p}.attn_res")
        mlp_in = rms_norm(x, ones_weight(f"{p}.post_norm.weight", h),
                          f"{p}.mlp_in")
        gate = linear(mlp_in, f"{p}.gate_proj", h, shape["ffn"])
        up = linear(mlp_in, f"{p}.up_proj", h, shape["ffn"])
        sig = node("Sigmoid", [gate], f"{p}.sig")
        silu = node("Mul", [gate, sig], f"{p}.silu")
        act = node("Mul", [silu, up], f"{p}.mlp_act")
        down = linear(act, f"{p}.down_proj", shape["ffn"], h)
        x = node("Add", [x, down], f"{p}.mlp_res")
        print(f"block {i + 1}/{shape['layers']}: "
              f"{writer.offset / 2**30:.2f} GiB written", flush=True)
    final = rms_norm(x, ones_weight("final_norm.weight", h), "final_norm")
    logits = linear(final, "lm_head", h, vocab)
    writer.file.close()
    graph = helper.make_graph(
        nodes, "llama",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, seq])],
        [helper.make_tensor_value_info(logits, f16, [1, seq, vocab])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="lowrank-opt llama_scale.py")
    model.ir_version = 8
    with open(model_path, "wb") as f:
        f.write(model.SerializeToString())
    params = sum(int(np.prod(t.dims)) for t in inits)
    with open(os.path.join(args.dir, "shape.json"), "w") as f:
        json.dump(shape, f)
    print(f"generated {model_path}: {shape['layers']} blocks, {params / 1e9:.3f}e9 "
          f"parameters, {writer.offset / 2**30:.2f} GiB of float16 weights")


def synthetic_gram(rng, dim, samples):
    """sum x x^T of `samples` inputs whose covariance decays (a rank-256
    part over a floor) and has a few outlier channels, as activations do."""
    k = min(256, dim)
    basis = rng.standard_normal((dim, k)) / np.sqrt(dim)
    decay = np.exp(-4.0 * np.arange(k) / k)
    cov = (basis * decay) @ basis.T
    cov += 0.01 * np.mean(decay) * np.eye(dim)
    outliers = rng.choice(dim, size=max(1, dim // 512), replace=False)
    cov[outliers, outliers] *= 50.0
    return samples * cov


def write_stats(args):
    shape = json.load(open(os.path.join(args.dir, "shape.json")))
    rng = np.random.default_rng(1)
    layers = linear_layers(shape)[:-1]  # the head is not factored
    inputs = {}
    for _, tensor, rows, _ in layers:
        inputs.setdefault(tensor, rows)
    offsets, offset = {}, 0
    for tensor, dim in inputs.items():
        mean_off = offset
        gram_off = mean_off + ((8 * dim + ALIGN - 1) // ALIGN) * ALIGN
        offset = gram_off + ((8 * dim * dim + ALIGN - 1) // ALIGN) * ALIGN
        offsets[tensor] = (mean_off, gram_off)
    samples = 64 * 128
    entries = [{"name": name, "op": "MatMul", "input": tensor, "dim": rows,
                "samples": samples,
                "mean": {"offset": offsets[tensor][0], "count": rows},
                "gram": {"offset": offsets[tensor][1], "count": rows * rows}}
               for name, tensor, rows, _ in layers]
    header = json.dumps({"format": "lowrank-calibration", "version": 1,
                         "model": "model.onnx", "dtype": "float64",
                         "layers": entries}).encode()
    header += b" " * (-(16 + len(header)) % ALIGN)
    path = os.path.join(args.dir, "model.lrstats")
    with open(path + ".tmp", "wb") as f:
        f.write(b"LRSTATS\x00" + struct.pack("<Q", len(header)) + header)
        base = f.tell()
        for tensor, dim in inputs.items():
            mean_off, gram_off = offsets[tensor]
            f.seek(base + mean_off)
            f.write(np.zeros(dim, np.float64).tobytes())
            f.seek(base + gram_off)
            f.write(synthetic_gram(rng, dim, samples).astype(np.float64).tobytes())
        f.seek(base + offset)
        f.truncate()
    os.replace(path + ".tmp", path)
    print(f"wrote {path}: {len(entries)} layers, {len(inputs)} distinct inputs, "
          f"{os.path.getsize(path) / 2**30:.2f} GiB")


def sampled_errors(model_path, output_path, rows=16):
    """Relative error of `rows` sampled rows of every factored weight:
    A[rows] @ B against W[rows], read through memory maps."""
    import onnx

    def view(path, tensor):
        entries = {e.key: e.value for e in tensor.external_data}
        if tensor.data_location != tensor.EXTERNAL:
            from onnx import numpy_helper
            return numpy_helper.to_array(tensor)
        dtype = {onnx.TensorProto.FLOAT16: np.float16,
                 onnx.TensorProto.FLOAT: np.float32}[tensor.data_type]
        return np.memmap(os.path.join(os.path.dirname(path), entries["location"]),
                         dtype=dtype, mode="r", offset=int(entries.get("offset", 0)),
                         shape=tuple(tensor.dims))

    ref = onnx.load(model_path, load_external_data=False)
    out = onnx.load(output_path, load_external_data=False)
    weights = {t.name: t for t in ref.graph.initializer}
    inits = {t.name: t for t in out.graph.initializer}
    producers = {o: n for n in out.graph.node for o in n.output}
    rng = np.random.default_rng(2)
    errors = {}
    for n in out.graph.node:
        # A factored layer y = (x A) B: B writes the original node's output,
        # which the generator names after the node.
        if n.op_type != "MatMul" or n.input[1] not in inits:
            continue
        first = producers.get(n.input[0])
        if first is None or first.op_type != "MatMul" or first.input[1] not in inits:
            continue
        original = n.output[0] + ".weight"
        if original not in weights:
            continue
        w = view(model_path, weights[original])
        a = view(output_path, inits[first.input[1]])
        b = view(output_path, inits[n.input[1]])
        picked = np.sort(rng.choice(w.shape[0], rows, replace=False))
        approx = np.asarray(a[picked], np.float32) @ np.asarray(b, np.float32)
        exact = np.asarray(w[picked], np.float32)
        errors[n.name] = float(np.linalg.norm(approx - exact) / np.linalg.norm(exact))
    return errors


def check(args):
    import onnxruntime as ort

    model = os.path.join(args.dir, "model.onnx")
    output = os.path.join(args.dir, "out.onnx")
    shape = json.load(open(os.path.join(args.dir, "shape.json")))
    seq = ort.InferenceSession(model).get_inputs()[0].shape[1]
    ids = np.random.default_rng(3).integers(0, shape["vocab"], (1, seq))
    logits = []
    for path in (model, output):
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        logits.append(session.run(None, {"input_ids": ids})[0].astype(np.float64))
    finite = bool(np.isfinite(logits[1]).all())
    error = float(np.linalg.norm(logits[1] - logits[0]) /
                  np.linalg.norm(logits[0]))
    print(f"compressed logits finite: {finite}")
    print(f"relative logit error: {'below' if error <= args.max_error else 'above'} "
          f"{args.max_error:g} ({error:.4f})")
    errors = np.array(list(sampled_errors(model, output).values()))
    print(f"factored layers checked: {len(errors)}; sampled-row relative error: "
          f"max {errors.max() if len(errors) else 0:.3f}")
    if not finite or error > args.max_error or len(errors) == 0:
        sys.exit(1)


def bench(args):
    model = os.path.join(args.dir, "model.onnx")
    weights = os.path.getsize(model + ".data")
    output = os.path.join(args.dir, "out.onnx")
    report = os.path.join(args.dir, "report.json")
    rule = f"param-ratio={1 - args.cut:g}"
    if args.calibrated:
        rule += f" calibration={os.path.join(args.dir, 'model.lrstats')}"
    command = [args.lowrank_opt, model, f"--lowrank-compress={rule}",
               f"--lowrank-report={report}", "--emit=onnx", "-o", output]
    print(" ".join(command), flush=True)
    start = time.time()
    child = subprocess.Popen(command)
    anon = 0
    # Peak anonymous memory: the process's own, beyond the pages of the
    # mapped weights and statistics that ru_maxrss also counts.
    while child.poll() is None:
        try:
            with open(f"/proc/{child.pid}/status") as status:
                for line in status:
                    if line.startswith("RssAnon:"):
                        anon = max(anon, int(line.split()[1]) * 1024)
        except OSError:
            pass
        time.sleep(0.2)
    if child.returncode != 0:
        sys.exit(f"lowrank-opt failed with exit code {child.returncode}")
    seconds = time.time() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = usage.ru_maxrss * 1024
    cpu = usage.ru_utime + usage.ru_stime
    stats = 0
    if args.calibrated:
        stats = os.path.getsize(os.path.join(args.dir, "model.lrstats"))
    written = sum(os.path.getsize(p) for p in (output, output + ".data")
                  if os.path.exists(p))
    summary = json.load(open(report)).get("totals", {})
    print(f"weights {weights / 2**30:.2f} GiB, statistics {stats / 2**30:.2f} GiB; "
          f"{seconds:.0f} s wall, {cpu:.0f} s CPU ({cpu / seconds:.2f} cores); "
          f"peak RSS {peak / 2**30:.2f} GiB "
          f"({peak / weights:.2f}x the weights), of it at most "
          f"{anon / 2**30:.2f} GiB anonymous (not file pages); "
          f"output {written / 2**30:.2f} GiB")
    for key in ("factorable_param_ratio", "param_ratio", "factored_layers",
                "dense_layers"):
        if key in summary:
            print(f"  report {key}: {summary[key]}")
    errors = sampled_errors(model, output)
    if errors:
        values = np.array(list(errors.values()))
        print(f"  sampled-row relative error of {len(values)} factored layers: "
              f"median {np.median(values):.3f}, max {values.max():.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("generate")
    p.add_argument("dir")
    p.add_argument("--shape", choices=sorted(SHAPES), default="tinyllama")
    p.add_argument("--layers", type=int, default=0,
                   help="number of decoder blocks (default: the shape's)")
    p.add_argument("--seq", type=int, default=128)
    p = sub.add_parser("stats")
    p.add_argument("dir")
    p = sub.add_parser("check")
    p.add_argument("dir")
    p.add_argument("--max-error", type=float, default=0.1)
    p = sub.add_parser("bench")
    p.add_argument("lowrank_opt")
    p.add_argument("dir")
    p.add_argument("--calibrated", action="store_true")
    p.add_argument("--cut", type=float, default=0.2)
    args = parser.parse_args()
    {"generate": generate, "stats": write_stats, "check": check,
     "bench": bench}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
