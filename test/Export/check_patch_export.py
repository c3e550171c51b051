#!/usr/bin/env python3
"""Checks what --emit=onnx writes for ONNX input: the input model with only
the factored layers changed. Usage: check_patch_export.py LOWRANK_OPT DIR
(DIR holds the models of test/Import/Inputs/make_versioned_models.py).
Prints one line per check; exits 1 on the first failure."""

import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort

tool, folder = sys.argv[1], sys.argv[2]


def fail(message):
    print("FAIL " + message)
    sys.exit(1)


def run(*args):
    result = subprocess.run([tool, *args], capture_output=True, text=True)
    if result.returncode != 0:
        fail("lowrank-opt %s: %s" % (" ".join(args), result.stderr.strip()))


def path(name):
    return os.path.join(folder, name)


def outputs(model_path, feeds):
    session = ort.InferenceSession(model_path,
                                   providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def same_nodes(a, b, what):
    if [n.SerializeToString() for n in a.graph.node] != \
       [n.SerializeToString() for n in b.graph.node]:
        fail(what + ": nodes differ")


x = np.random.default_rng(1).standard_normal((5, 32)).astype(np.float32)

# Round trip without compression: the same model, bit-identical outputs.
run(path("control_flow.onnx"), "--emit=onnx", "-o", path("rt.onnx"))
original = onnx.load(path("control_flow.onnx"))
written = onnx.load(path("rt.onnx"))
onnx.checker.check_model(written, full_check=True)
same_nodes(original, written, "round trip")
for field in ("ir_version", "producer_name", "doc_string"):
    if getattr(original, field) != getattr(written, field):
        fail("round trip: %s changed" % field)
if original.opset_import != written.opset_import or \
   original.metadata_props != written.metadata_props or \
   original.graph.input != written.graph.input or \
   original.graph.output != written.graph.output:
    fail("round trip: opsets, metadata, inputs or outputs changed")
for flag in (True, False):
    feeds = {"x": x, "flag": np.array(flag)}
    if not all(np.array_equal(a, b) for a, b in zip(
            outputs(path("control_flow.onnx"), feeds),
            outputs(path("rt.onnx"), feeds))):
        fail("round trip: outputs differ")
print("OK round trip: %d nodes, doc strings, metadata and outputs kept"
      % len(written.graph.node))

# Compression: the If node (with its subgraphs) is written back as read, the
# two MatMuls become factor pairs named after them, their weights go.
run(path("control_flow.onnx"), "--lowrank-compress=rank=4", "--emit=onnx",
    "-o", path("small.onnx"))
small = onnx.load(path("small.onnx"))
onnx.checker.check_model(small, full_check=True)
kept_if = [n for n in small.graph.node if n.name == "branch"]
if len(kept_if) != 1 or kept_if[0] != original.graph.node[1]:
    fail("compressed: the If node changed")
names = [n.name for n in small.graph.node]
print("OK compressed nodes: " + ", ".join(names))
print("OK compressed initializers: " +
      ", ".join(sorted(t.name for t in small.graph.initializer)))
if [o.name for o in small.graph.output] != ["logits"]:
    fail("compressed: graph outputs renamed")
feeds = {"x": x, "flag": np.array(True)}
error = np.linalg.norm(outputs(path("small.onnx"), feeds)[0] -
                       outputs(path("control_flow.onnx"), feeds)[0])
print("OK compressed model runs (rank 4 error %.2f)" % error)

# Functions are inlined, the unused and custom domains kept, the custom node
# written back with its domain and attributes.
run(path("functions_and_custom.onnx"), "--lowrank-compress=rank=8",
    "--emit=onnx", "-o", path("custom_small.onnx"))
custom = onnx.load(path("custom_small.onnx"))
onnx.checker.check_model(custom)
source = onnx.load(path("functions_and_custom.onnx"))
if custom.opset_import != source.opset_import:
    fail("custom: opset imports changed")
fancy = [n for n in custom.graph.node if n.op_type == "FancyGelu"]
if len(fancy) != 1 or fancy[0] != source.graph.node[2]:
    fail("custom: the custom node changed")
print("OK custom: " + ", ".join("%s:%s" % (n.domain or "ai.onnx", n.op_type)
                                for n in custom.graph.node))

# An old opset round-trips as it is.
run(path("opset9.onnx"), "--emit=onnx", "-o", path("opset9_rt.onnx"))
same_nodes(onnx.load(path("opset9.onnx")), onnx.load(path("opset9_rt.onnx")),
           "opset 9")
feeds = {"x": np.arange(12, dtype=np.float32).reshape(3, 4)}
if not np.array_equal(outputs(path("opset9.onnx"), feeds)[0],
                      outputs(path("opset9_rt.onnx"), feeds)[0]):
    fail("opset 9: outputs differ")
print("OK opset 9 round trip")

# With --onnx-external-data every tensor over 1 KiB, kept or new, goes to
# <output>.data; the model computes the same.
run(path("control_flow.onnx"), "--lowrank-compress=rank=4", "--emit=onnx",
    "--onnx-external-data", "-o", path("small_ext.onnx"))
onnx.checker.check_model(path("small_ext.onnx"), full_check=True)
structure = onnx.load(path("small_ext.onnx"), load_external_data=False)
inline = [t.name for t in structure.graph.initializer
          if t.data_location != onnx.TensorProto.EXTERNAL and
          len(t.raw_data) > 1024]
if inline:
    fail("external data: tensors left inline: %s" % inline)
feeds = {"x": x, "flag": np.array(True)}
if not np.array_equal(outputs(path("small_ext.onnx"), feeds)[0],
                      outputs(path("small.onnx"), feeds)[0]):
    fail("external data: outputs differ")
print("OK external data: %d tensors in small_ext.onnx.data"
      % sum(t.data_location == onnx.TensorProto.EXTERNAL
            for t in structure.graph.initializer))

# Factoring at full rank reproduces the model: weights behind an identity
# Transpose are not read transposed.
run(path("transposed_weights.onnx"), "--lowrank-compress=rank=8 skip-heads=0 min-size=0 enforce-parity=0",
    "--emit=onnx", "-o", path("transposed_full.onnx"))
feeds = {"x": np.random.default_rng(2).standard_normal((3, 8)).astype(
    np.float32)}
reference = outputs(path("transposed_weights.onnx"), feeds)[0]
full = outputs(path("transposed_full.onnx"), feeds)[0]
factored = sum("lowrank" in n.name
               for n in onnx.load(path("transposed_full.onnx")).graph.node)
error = np.linalg.norm(full - reference) / np.linalg.norm(reference)
if factored != 4 or error > 1e-5:
    fail("transposed weights: %d factor nodes, relative error %g"
         % (factored, error))
print("OK transposed weights at full rank: relative error below 1e-5")
