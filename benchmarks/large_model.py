"""A synthetic model larger than protobuf's 2 GB limit, and the peak memory
of compressing it.

  large_model.py generate DIR [--layers 4] [--long 1048576] [--short 128]
      writes DIR/large.onnx with its weights in DIR/large.onnx.data: a chain
      of MatMul + Relu layers alternating [long, short] and [short, long]
      float32 weights (4 x 1048576 x 128 x 4 bytes = 2 GiB by default). Each
      weight is rank 8 plus small noise, written to the data file chunk by
      chunk (the generator never holds a whole weight).

  large_model.py check DIR/out.onnx DIR/large.onnx [--rank 8]
      runs the ONNX checker on the compressed model (by path: it has external
      data) and compares a few output rows of every layer's factors with the
      original weight, reading both through numpy memory maps.

  large_model.py bench LOWRANK_OPT DIR [--rank 8]
      generates the model if needed, compresses it with
      `--lowrank-select-ranks=rank=R --lowrank-factorize=svd=randomized
      --emit=onnx`, and prints the peak resident memory of lowrank-opt
      (getrusage of the child) against the weights' size.
"""

import argparse
import os
import resource
import subprocess
import sys
import time

import numpy as np


def layer_shapes(layers, long, short):
    return [(long, short) if i % 2 == 0 else (short, long) for i in range(layers)]


def generate(args):
    import onnx
    from onnx import TensorProto, helper

    os.makedirs(args.dir, exist_ok=True)
    data_name = "large.onnx.data"
    shapes = layer_shapes(args.layers, args.long, args.short)
    rng = np.random.default_rng(0)
    initializers, nodes = [], []
    offset = 0
    previous = "x"
    with open(os.path.join(args.dir, data_name), "wb") as data:
        for i, (rows, cols) in enumerate(shapes):
            u = (rng.standard_normal((rows, 8)) / np.sqrt(8)).astype(np.float32)
            v = rng.standard_normal((8, cols), dtype=np.float32)
            noise = 1e-3 * rng.standard_normal((1024, cols), dtype=np.float32)
            chunk = max(1, (64 << 20) // (cols * 4))
            for start in range(0, rows, chunk):
                stop = min(rows, start + chunk)
                block = (u[start:stop] @ v).astype(np.float32)
                block += np.resize(noise, block.shape)
                data.write(block.tobytes())
            tensor = TensorProto()
            tensor.name = f"layer{i}.weight"
            tensor.data_type = TensorProto.FLOAT
            tensor.dims.extend([rows, cols])
            tensor.data_location = TensorProto.EXTERNAL
            for key, value in (("location", data_name), ("offset", str(offset)),
                               ("length", str(rows * cols * 4))):
                entry = tensor.external_data.add()
                entry.key, entry.value = key, value
            offset += rows * cols * 4
            initializers.append(tensor)
            nodes.append(helper.make_node("MatMul", [previous, tensor.name],
                                          [f"h{i}"], name=f"layer{i}"))
            nodes.append(helper.make_node("Relu", [f"h{i}"], [f"r{i}"],
                                          name=f"relu{i}"))
            previous = f"r{i}"
    graph = helper.make_graph(
        nodes, "large",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, shapes[0][0]])],
        [helper.make_tensor_value_info(previous, TensorProto.FLOAT,
                                       [1, shapes[-1][1]])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    with open(os.path.join(args.dir, "large.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    print(f"generated {len(shapes)} layers, {offset} bytes of weights "
          f"({offset / 2**30:.2f} GiB, over the 2 GB protobuf limit: "
          f"{offset > 2**31 - 1})")


def tensor_view(model_path, tensor):
    """A numpy memory map of an external-data initializer (or the array of
    an inline one)."""
    from onnx import numpy_helper

    if tensor.data_location != tensor.EXTERNAL:
        return numpy_helper.to_array(tensor)
    entries = {e.key: e.value for e in tensor.external_data}
    path = os.path.join(os.path.dirname(model_path), entries["location"])
    return np.memmap(path, dtype=np.float32, mode="r",
                     offset=int(entries.get("offset", 0)),
                     shape=tuple(tensor.dims))


def check(args):
    import onnx

    onnx.checker.check_model(args.output)
    print("onnx checker: ok")
    out = onnx.load(args.output, load_external_data=False)
    ref = onnx.load(args.original, load_external_data=False)
    weights = [tensor_view(args.original, t) for t in ref.graph.initializer]
    inits = {t.name: t for t in out.graph.initializer}
    external = all(t.data_location == onnx.TensorProto.EXTERNAL
                   for t in out.graph.initializer)
    print(f"initializers with external data: {external}")
    # Each factored layer is two MatMuls, A then B, in graph order.
    factors = [tensor_view(args.output, inits[n.input[1]])
               for n in out.graph.node
               if n.op_type == "MatMul" and n.input[1] in inits]
    assert len(factors) == 2 * len(weights), (len(factors), len(weights))
    rows = np.random.default_rng(1)
    worst = 0.0
    for i, w in enumerate(weights):
        a, b = factors[2 * i], factors[2 * i + 1]
        assert a.shape == (w.shape[0], args.rank) and b.shape == (args.rank, w.shape[1])
        picked = np.sort(rows.choice(w.shape[0], 16, replace=False))
        approx = np.asarray(a[picked]) @ np.asarray(b)
        exact = np.asarray(w[picked])
        error = np.linalg.norm(approx - exact) / np.linalg.norm(exact)
        worst = max(worst, error)
    print(f"layers: {len(weights)}, worst relative error on sampled rows: "
          f"{'below 1e-2' if worst < 1e-2 else worst}")
    if worst >= 1e-2:
        sys.exit(1)


def bench(args):
    model = os.path.join(args.dir, "large.onnx")
    if not os.path.exists(model):
        generate(args)
    weights = os.path.getsize(model + ".data")
    output = os.path.join(args.dir, "out.onnx")
    command = [args.lowrank_opt, model,
               f"--lowrank-select-ranks=rank={args.rank} skip-heads=false grouping=false",
               "--lowrank-factorize=svd=randomized", "--emit=onnx", "-o", output]
    start = time.time()
    subprocess.run(command, check=True)
    seconds = time.time() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(f"weights: {weights / 2**30:.2f} GiB; lowrank-opt peak RSS: "
          f"{peak / 2**30:.2f} GiB = {peak / weights:.2f}x the weights; "
          f"{seconds:.0f} s")


parser = argparse.ArgumentParser()
sub = parser.add_subparsers(dest="command", required=True)
for name in ("generate", "bench"):
    p = sub.add_parser(name)
    if name == "bench":
        p.add_argument("lowrank_opt")
    p.add_argument("dir")
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--long", type=int, default=1048576)
    p.add_argument("--short", type=int, default=128)
    p.add_argument("--rank", type=int, default=8)
p = sub.add_parser("check")
p.add_argument("output")
p.add_argument("original")
p.add_argument("--rank", type=int, default=8)
args = parser.parse_args()
{"generate": generate, "check": check, "bench": bench}[args.command](args)
