#!/usr/bin/env python3
"""Runs lowrank-opt over the committed corpus of exported ONNX models.

For every model of test/corpus/MANIFEST.json (or every .onnx file of
--models when there is no manifest there), two stages:

  roundtrip   lowrank-opt MODEL --emit=onnx -o WORK/x.roundtrip.onnx
              The output passes onnx.checker (full_check); it keeps the
              nodes (names, order, op types, also inside subgraphs), the
              graph input and output names, opset_import and ir_version; and
              ONNX Runtime gives bit-identical outputs on the same inputs.
  compress    lowrank-opt MODEL --lowrank-compress='param-ratio=0.8'
              --emit=onnx -o WORK/x.compressed.onnx --lowrank-report=...
              The output passes onnx.checker, ONNX Runtime runs it, the graph
              input and output names are unchanged, and every input node
              whose name is still there keeps its op type and attributes
              (inside If/Loop/Scan subgraphs too, node by node).
              Prints the relative error ||y_c - y|| / ||y|| (in float64,
              float16 outputs too) of each numeric tensor output, names the
              outputs it skips (sequences, maps such as ZipMap's list of
              dicts, string tensors), and the number of factored layers of
              the report.

With --lowrank-run, two more stages compile and run the models:

  run         lowrank-run MODEL --input ... --output-dir WORK/x.run: every
              output equals ONNX Runtime's within the output's scale:
              max |y - y_ort| <= tol * max |y_ort| (tol 1e-4 for float32
              and float64, 1e-2 for float16 and bfloat16; integers and
              booleans exactly). Prints each output's scaled error. A
              manifest entry may raise the float tolerance with a reason
              ("run_tolerance": {"scaled": ..., "reason": ...}; printed).
  run-compressed
              the same for the compressed model of the compress stage,
              against ONNX Runtime on that model.
  run-symbolic
              for a model whose graph inputs have symbolic (or unnamed)
              dimensions: the run stage with lowrank-run --symbolic-dims,
              which compiles the model once with those dimensions left to
              run time, as lowrank-opt --emit=obj does without pins.

test/corpus/expected_run.txt lists the models that must pass run and
run-compressed, test/corpus/expected_symbolic.txt those that must pass
run-symbolic; a listed model that fails fails the check. The others are run
too and reported as `XFAIL model run: reason` (or `XPASS` when they pass),
never hidden.

Outputs that are not tensors (sequences, maps) are compared on the round
trip with an exact recursive equality: dict keys and values, list items,
numpy arrays with NaN-aware array_equal. Graph inputs with an unnamed
dimension (skl2onnx's batch) get the manifest's example size (4 rows for
the scikit-learn models).

Prints `PASS model stage: ...` or `FAIL model stage: reason` per model and
stage, then `N passed, M failed` (models; a model passes when both stages
do). Exits 1 when any model fails.

Needs numpy, onnx and onnxruntime only (no torch): the project's venv.
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import zlib

import numpy as np
import onnx
import onnxruntime as ort

ort.set_default_logger_severity(4)  # failures come back as exceptions

HERE = pathlib.Path(__file__).resolve().parent
COMPRESS_OPTIONS = "param-ratio=0.8"
EXPECTED_RUN = HERE / "expected_run.txt"
EXPECTED_SYMBOLIC = HERE / "expected_symbolic.txt"
# Error allowed relative to the largest magnitude of each output: float
# reassociation (blocked reductions, fused multiply-adds) moves float32
# results by a few ulps of the output's scale, not of each element.
SCALED_TOLERANCE = {np.float32: 1e-4, np.float64: 1e-4, np.float16: 1e-2}

# Sizes given to symbolic dimensions when the models are run.
BATCH = 2
SEQUENCE = 8
OTHER = 8


class StageFailure(Exception):
    pass


# --- inputs -----------------------------------------------------------------

def _symbol_size(symbol, hints):
    """The size a symbolic dimension gets: batch 2, sequence 8, a size the
    manifest recorded for this symbol, else 8."""
    name = (symbol or "").lower()
    if "batch" in name:
        return BATCH
    if "seq" in name or "length" in name or "time" in name:
        return SEQUENCE
    if symbol in hints:
        return int(hints[symbol])
    return OTHER


def _manifest_input(entry, name):
    for inp in (entry or {}).get("inputs", []):
        if inp.get("name") == name:
            return inp
    return None


def input_shape(value_info, entry=None):
    """Concrete shape of a graph input: the manifest's `check_shape` when it
    gives one; else fixed dims as they are, symbolic dims sized by their
    name, unknown dims from the manifest's recorded shape when there is
    one."""
    recorded = _manifest_input(entry, value_info.name) or {}
    if "check_shape" in recorded:
        return list(recorded["check_shape"])
    static_shape = recorded.get("static_shape") or recorded.get("example_shape")
    hints = (entry or {}).get("symbol_sizes", {})
    dims = value_info.type.tensor_type.shape.dim
    shape = []
    for i, dim in enumerate(dims):
        if dim.HasField("dim_value") and dim.dim_value > 0:
            shape.append(dim.dim_value)
        elif dim.HasField("dim_param") and dim.dim_param:
            shape.append(_symbol_size(dim.dim_param, hints))
        elif static_shape and i < len(static_shape) and isinstance(static_shape[i], int):
            shape.append(static_shape[i])
        else:
            shape.append(OTHER)
    return shape


def _fill(spec, shape, dtype, rng):
    """An input the manifest describes: `{"value": v}` (every element v),
    `{"uniform": [low, high]}` (floats, or integers in [low, high)),
    `{"normal": scale}` or `{"text_lines": [paper, ink]}`."""
    if "value" in spec:
        return np.full(shape, spec["value"], dtype=dtype)
    if "uniform" in spec:
        low, high = spec["uniform"]
        if np.issubdtype(dtype, np.integer):
            return rng.integers(low, high, size=shape).astype(dtype)
        return rng.uniform(low, high, size=shape).astype(dtype)
    if "normal" in spec:
        return (spec["normal"] * rng.standard_normal(shape)).astype(dtype)
    if "text_lines" in spec:
        # A page for text detectors: two lines of dashes (ink) on paper,
        # along the last two dims. Noise fills no detector's output.
        paper, ink = spec["text_lines"]
        value = np.full(shape, paper, dtype=dtype)
        height, width = shape[-2], shape[-1]
        for top in (height * 3 // 10, height * 6 // 10):
            rows = slice(top, top + max(1, height * 3 // 20))
            value[..., rows, width // 10:width * 9 // 10] = ink
            value[..., rows, width // 10:width * 9 // 10:4] = paper
        return value
    raise ValueError(f"unknown fill {spec}")


def make_feeds(model, entry=None, seed_name="model"):
    """Seeded random data for every graph input that is not an
    initializer: what the manifest's `fill` says, else integer ids in
    [0, 100), masks all ones, token type ids zeros, positions 0..n-1,
    floats standard normal."""
    initializers = {init.name for init in model.graph.initializer}
    feeds = {}
    for index, value_info in enumerate(model.graph.input):
        if value_info.name in initializers:
            continue
        tensor_type = value_info.type.tensor_type
        dtype = onnx.helper.tensor_dtype_to_np_dtype(tensor_type.elem_type)
        shape = input_shape(value_info, entry)
        seed = zlib.crc32(f"{seed_name}:{value_info.name}:{index}".encode())
        rng = np.random.default_rng(seed)
        name = value_info.name.lower()
        fill = (_manifest_input(entry, value_info.name) or {}).get("fill")
        if fill:
            value = _fill(fill, shape, dtype, rng)
        elif dtype == np.bool_:
            value = np.ones(shape, dtype=np.bool_)
        elif np.issubdtype(dtype, np.integer):
            if "mask" in name:
                value = np.ones(shape, dtype=dtype)
            elif "token_type" in name or "segment" in name:
                value = np.zeros(shape, dtype=dtype)
            elif "position" in name and shape:
                value = np.broadcast_to(np.arange(shape[-1]), shape).astype(dtype)
            else:
                value = rng.integers(0, 100, size=shape).astype(dtype)
        elif "mask" in name:
            value = np.ones(shape, dtype=dtype)
        else:
            value = rng.standard_normal(shape).astype(dtype)
        # np.array, not np.ascontiguousarray, which makes a scalar 1-D.
        feeds[value_info.name] = np.array(value, order="C")
    return feeds


def run_model(path, feeds):
    options = ort.SessionOptions()
    # One thread: the same graph gives the same bits run after run.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options,
                                   providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return names, session.run(None, feeds)


# --- comparisons ------------------------------------------------------------

def _subgraphs(node):
    for attr in node.attribute:
        if attr.type == onnx.AttributeProto.GRAPH:
            yield attr.name, attr.g
        elif attr.type == onnx.AttributeProto.GRAPHS:
            for i, graph in enumerate(attr.graphs):
                yield f"{attr.name}[{i}]", graph


def node_list(graph, prefix=""):
    """(path, name, op type) of every node, subgraphs after their node."""
    nodes = []
    for index, node in enumerate(graph.node):
        nodes.append((prefix, node.name, node.domain, node.op_type))
        for attr_name, sub in _subgraphs(node):
            nodes.extend(node_list(sub, f"{prefix}{node.name or index}/{attr_name}/"))
    return nodes


def _opsets(model):
    return {(o.domain or "ai.onnx"): o.version for o in model.opset_import}


def _io_names(values):
    return [v.name for v in values]


def _first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"at {i}: {x} vs {y}"
    return f"lengths {len(a)} vs {len(b)}"


def compare_structure(original, output):
    problems = []
    if output.ir_version != original.ir_version:
        problems.append(f"ir_version {output.ir_version} != {original.ir_version}")
    if _opsets(output) != _opsets(original):
        problems.append(f"opset_import {_opsets(output)} != {_opsets(original)}")
    for what in ("input", "output"):
        a = _io_names(getattr(original.graph, what))
        b = _io_names(getattr(output.graph, what))
        if what == "input":
            inits_a = {i.name for i in original.graph.initializer}
            inits_b = {i.name for i in output.graph.initializer}
            a = [n for n in a if n not in inits_a]
            b = [n for n in b if n not in inits_b]
        if a != b:
            problems.append(f"graph {what} names {b} != {a}")
    nodes_a = node_list(original.graph)
    nodes_b = node_list(output.graph)
    if nodes_a != nodes_b:
        problems.append(f"nodes differ ({len(nodes_b)} vs {len(nodes_a)} nodes; "
                        f"first difference {_first_difference(nodes_b, nodes_a)})")
    return problems


_GRAPH_ATTRIBUTES = (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)


def _attributes(node):
    """Serialized attributes other than subgraphs (those are compared node
    by node, since compression may rewrite the layers inside them)."""
    return {attr.name: attr.SerializeToString(deterministic=True)
            for attr in node.attribute if attr.type not in _GRAPH_ATTRIBUTES}


def _subgraph_map(node):
    return dict(_subgraphs(node))


def compare_kept_nodes(original, output, prefix=""):
    """Nodes of the input whose name is still in the output keep their op
    type and attributes; a kept node's subgraphs keep their attribute names
    and input and output counts, and their own kept nodes the same, at any
    depth. Returns (kept nodes, problems)."""
    out_by_name = {}
    for node in output.node:
        if node.name:
            out_by_name.setdefault(node.name, []).append(node)
    problems = []
    kept = 0
    # Names need not be unique (converters name every constant alike): the
    # k-th node of a name is compared with the k-th of that name.
    seen = {}
    for node in original.node:
        if not node.name or node.name not in out_by_name:
            continue
        occurrence = seen.get(node.name, 0)
        seen[node.name] = occurrence + 1
        if occurrence >= len(out_by_name[node.name]):
            continue
        kept += 1
        other = out_by_name[node.name][occurrence]
        where = f"{prefix}{node.name!r}"
        if (other.domain, other.op_type) != (node.domain, node.op_type):
            problems.append(f"node {where} is {other.op_type}, was {node.op_type}")
            continue
        if _attributes(other) != _attributes(node):
            names = sorted(set(_attributes(other)) ^ set(_attributes(node))) or sorted(
                n for n in _attributes(node)
                if _attributes(node)[n] != _attributes(other).get(n))
            problems.append(f"node {where} ({node.op_type}) changed attributes {names}")
        subs_a, subs_b = _subgraph_map(node), _subgraph_map(other)
        if sorted(subs_a) != sorted(subs_b):
            problems.append(f"node {where} ({node.op_type}) has subgraphs "
                            f"{sorted(subs_b)}, had {sorted(subs_a)}")
            continue
        for attr_name, sub in subs_a.items():
            sub_out = subs_b[attr_name]
            if (len(sub.input), len(sub.output)) != (len(sub_out.input), len(sub_out.output)):
                problems.append(f"subgraph {where}/{attr_name} has {len(sub_out.input)} "
                                f"inputs and {len(sub_out.output)} outputs, had "
                                f"{len(sub.input)} and {len(sub.output)}")
            sub_kept, sub_problems = compare_kept_nodes(
                sub, sub_out, f"{prefix}{node.name}/{attr_name}/")
            kept += sub_kept
            problems.extend(sub_problems)
    return kept, problems


def _is_tensor(value):
    return isinstance(value, np.ndarray)


def values_identical(a, b):
    """Exact equality of ONNX Runtime output values of any kind: numpy
    arrays (dtype, shape and values; NaN equals NaN), lists and tuples
    (sequences), dicts (maps: the same keys, equal values) and scalars."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        return bool(np.array_equal(a, b, equal_nan=np.issubdtype(a.dtype, np.inexact)))
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)):
            return False
        if set(a) != set(b):
            return False
        return all(values_identical(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        if not (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple))):
            return False
        return len(a) == len(b) and all(values_identical(x, y) for x, y in zip(a, b))
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and a != a and b != b:  # NaN
        return True
    return a == b


def _describe_value(value):
    if isinstance(value, np.ndarray):
        return f"{value.dtype}{list(value.shape)}"
    if isinstance(value, (list, tuple)):
        inner = _describe_value(value[0]) if value else "?"
        return f"sequence of {len(value)} x {inner}"
    if isinstance(value, dict):
        return f"map of {len(value)}"
    return type(value).__name__


def outputs_identical(names, a, b):
    problems = []
    for name, x, y in zip(names, a, b):
        if not (_is_tensor(x) and _is_tensor(y)):
            # Sequences, maps (ZipMap's list of dicts): exact, recursive.
            if not values_identical(x, y):
                problems.append(f"output {name}: {_describe_value(y)} is not identical "
                                f"to {_describe_value(x)}")
            continue
        if x.dtype != y.dtype or x.shape != y.shape:
            problems.append(f"output {name}: {y.dtype}{list(y.shape)} != {x.dtype}{list(x.shape)}")
            continue
        equal_nan = np.issubdtype(x.dtype, np.inexact)
        if not np.array_equal(x, y, equal_nan=equal_nan):
            if _is_numeric(x):
                diff = np.abs(x.astype(np.float64) - y.astype(np.float64))
                diff = np.nan_to_num(diff, nan=np.inf)
                detail = f"max abs difference {diff.max():.3e}" if diff.size else "empty"
            else:
                detail = f"{int(np.sum(x != y))} of {x.size} elements differ"
            problems.append(f"output {name}: not bit-identical ({detail})")
    return problems


def _is_numeric(value):
    return (_is_tensor(value) and (np.issubdtype(value.dtype, np.number)
                                   or value.dtype == np.bool_))


def relative_error(reference, value):
    """||value - reference|| / ||reference||, computed in float64 (so also
    for float16 outputs)."""
    reference = np.asarray(reference).astype(np.float64)
    value = np.asarray(value).astype(np.float64)
    if reference.shape != value.shape:
        return float("nan")
    norm = np.linalg.norm(reference)
    diff = np.linalg.norm(value - reference)
    return diff / norm if norm > 0 else diff


# --- lowrank-opt --------------------------------------------------------------

def run_tool(args, timeout):
    tool = os.path.basename(args[0])
    try:
        result = subprocess.run(args, capture_output=True, text=True,
                                timeout=timeout)
    except subprocess.TimeoutExpired as error:
        stderr = error.stderr or ""
        if isinstance(stderr, bytes):
            stderr = stderr.decode(errors="replace")
        raise StageFailure(f"{tool} timed out after {timeout} s\n"
                           f"{_indent(stderr)}")
    except OSError as error:
        raise StageFailure(f"cannot run {tool}: {error}")
    if result.returncode != 0:
        raise StageFailure(f"{tool} exited with {result.returncode}\n"
                           f"  command: {' '.join(args)}\n"
                           f"{_indent(result.stderr)}")
    return result


def _indent(text, limit=60):
    lines = (text or "").rstrip().splitlines()
    if len(lines) > limit:
        lines = lines[:limit // 2] + [f"... ({len(lines) - limit} lines) ..."] + lines[-limit // 2:]
    return "\n".join("  | " + line for line in lines) if lines else "  | (no stderr)"


def check_output_file(path):
    if not path.exists():
        raise StageFailure(f"lowrank-opt wrote no {path.name}")
    try:
        onnx.checker.check_model(str(path), full_check=True)
    except Exception as error:  # onnx raises several exception types
        raise StageFailure(f"onnx.checker: {str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__}")
    return onnx.load(str(path))


def stage_roundtrip(tool, model_path, original, feeds, reference, work, stem, timeout):
    out = work / f"{stem}.roundtrip.onnx"
    if out.exists():
        out.unlink()
    run_tool([tool, str(model_path), "--emit=onnx", "-o", str(out)], timeout)
    output = check_output_file(out)
    problems = compare_structure(original, output)
    if problems:
        raise StageFailure("; ".join(problems))
    try:
        names, values = run_model(out, feeds)
    except Exception as error:
        raise StageFailure(f"ONNX Runtime: {str(error).strip()[:500]}")
    problems = outputs_identical(names, reference, values)
    if problems:
        raise StageFailure("; ".join(problems))
    return f"{len(output.graph.node)} nodes, {len(names)} outputs bit-identical"


def _report_summary(report_path):
    try:
        report = json.loads(report_path.read_text())
    except (OSError, ValueError) as error:
        return f"report unreadable ({error})"
    if isinstance(report, dict):
        totals = report.get("totals")
        if isinstance(totals, dict) and "factored_layers" in totals:
            summary = f"factored layers {totals['factored_layers']}"
            if "dense_layers" in totals:
                summary += f", dense {totals['dense_layers']}"
            if "param_ratio" in totals:
                summary += f", params {float(totals['param_ratio']):.3f}"
            return summary
        if isinstance(report.get("layers"), list):
            factored = sum(1 for layer in report["layers"]
                           if isinstance(layer, dict) and layer.get("action") not in (None, "dense"))
            return f"factored layers {factored} (of {len(report['layers'])} rows)"
        return f"report keys {sorted(report)}"
    return f"report is a {type(report).__name__}"


def stage_compress(tool, model_path, original, feeds, reference, work, stem, timeout):
    out = work / f"{stem}.compressed.onnx"
    report = work / f"{stem}.report.json"
    for path in (out, report):
        if path.exists():
            path.unlink()
    run_tool([tool, str(model_path), f"--lowrank-compress={COMPRESS_OPTIONS}",
              "--emit=onnx", "-o", str(out), f"--lowrank-report={report}"], timeout)
    output = check_output_file(out)
    problems = []
    for what in ("input", "output"):
        inits_a = {i.name for i in original.graph.initializer}
        inits_b = {i.name for i in output.graph.initializer}
        a = [v.name for v in getattr(original.graph, what) if v.name not in inits_a]
        b = [v.name for v in getattr(output.graph, what) if v.name not in inits_b]
        if a != b:
            problems.append(f"graph {what} names {b} != {a}")
    kept, node_problems = compare_kept_nodes(original.graph, output.graph)
    problems.extend(node_problems[:5])
    if len(node_problems) > 5:
        problems.append(f"... {len(node_problems) - 5} more changed nodes")
    if problems:
        raise StageFailure("; ".join(problems))
    try:
        names, values = run_model(out, feeds)
    except Exception as error:
        raise StageFailure(f"ONNX Runtime: {str(error).strip()[:500]}")
    # Only numeric tensor outputs have a relative error; sequences, maps
    # and string tensors are named as skipped.
    errors = []
    skipped = []
    for name, r, v in zip(names, reference, values):
        if _is_numeric(r) and _is_numeric(v):
            errors.append(f"{name} {relative_error(r, v):.3e}")
        else:
            skipped.append(f"{name} ({_describe_value(r)})")
    errors = ", ".join(errors) or "none (no numeric tensor output)"
    if skipped:
        errors += f"; skipped (not numeric tensors) {', '.join(skipped)}"
    summary = _report_summary(report) if report.exists() else "no report written"
    return (f"{summary}; {len(output.graph.node)} nodes "
            f"(was {len(original.graph.node)}); relative error {errors}")


def scaled_error(reference, value):
    """max |value - reference| / max |reference| in float64; 0 for equal
    integer or boolean tensors, inf for different ones or shapes."""
    reference = np.asarray(reference)
    value = np.asarray(value)
    if reference.shape != value.shape:
        return float("inf")
    if not np.issubdtype(reference.dtype, np.floating):
        return 0.0 if np.array_equal(reference, value) else float("inf")
    r = reference.astype(np.float64)
    v = value.astype(np.float64)
    both_nan = np.isnan(r) & np.isnan(v)
    if np.any(np.isnan(r) != np.isnan(v)):
        return float("inf")
    diff = np.where(both_nan, 0.0, np.abs(v - r))
    if diff.size == 0:
        return 0.0
    scale = np.max(np.abs(np.where(both_nan, 0.0, r)))
    return float(np.max(diff) / scale) if scale > 0 else float(np.max(diff))


def computes_in_half(model):
    """Whether the model holds float16 or bfloat16 weights: its outputs
    carry half precision rounding whatever their own type."""
    half = (onnx.TensorProto.FLOAT16, onnx.TensorProto.BFLOAT16)
    return any(t.data_type in half for t in model.graph.initializer)


def entry_tolerance(entry):
    """A manifest entry's own scaled tolerance for the run stages, with its
    reason: {"scaled": 1e-3, "reason": "..."}; None for the default."""
    given = (entry or {}).get("run_tolerance")
    if not given:
        return None
    if not isinstance(given.get("scaled"), (int, float)) or not given.get("reason"):
        raise StageFailure("run_tolerance needs a number 'scaled' and a 'reason'")
    return given


def has_symbolic_inputs(model):
    """Whether a graph input (not an initializer) has a dimension without a
    fixed size."""
    initializers = {init.name for init in model.graph.initializer}
    for value in model.graph.input:
        if value.name in initializers or not value.type.HasField("tensor_type"):
            continue
        tensor_type = value.type.tensor_type
        if not tensor_type.HasField("shape"):
            return True
        if any(not (dim.HasField("dim_value") and dim.dim_value > 0)
               for dim in tensor_type.shape.dim):
            return True
    return False


def _is_string_tensor(value):
    return _is_tensor(value) and value.dtype == object and all(
        isinstance(v, str) for v in value.flat)


def _is_map_sequence(value):
    return (isinstance(value, list) and value
            and all(isinstance(v, dict) for v in value))


def compare_presented(name, reference, path):
    """Compares a string tensor (labels) or a sequence of maps (ZipMap's
    probabilities) that lowrank-run wrote as ONNX test data with ONNX
    Runtime's; labels must be equal, map values within the float tolerance."""
    if _is_string_tensor(reference):
        tensor = onnx.TensorProto()
        tensor.ParseFromString(path.read_bytes())
        value = onnx.numpy_helper.to_array(tensor).astype(object)
        value = np.vectorize(lambda v: v.decode() if isinstance(v, bytes) else v,
                             otypes=[object])(value) if value.size else value
        if value.shape != reference.shape or not np.array_equal(value, reference):
            raise StageFailure(f"output '{name}' differs from ONNX Runtime: labels "
                               f"{value.tolist()[:8]} against {reference.tolist()[:8]}")
        return f"{reference.size} labels equal"
    sequence = onnx.SequenceProto()
    sequence.ParseFromString(path.read_bytes())
    maps = [{k.decode() if isinstance(k, bytes) else k: v for k, v in m.items()}
            for m in onnx.numpy_helper.to_list(sequence)]
    if len(maps) != len(reference):
        raise StageFailure(f"output '{name}': {len(maps)} maps, ONNX Runtime "
                           f"{len(reference)}")
    keys = list(reference[0].keys())
    actual = np.array([[float(m.get(k, np.nan)) for k in keys] for m in maps])
    expected = np.array([[float(m[k]) for k in keys] for m in reference])
    if any(set(m) != set(keys) for m in maps):
        raise StageFailure(f"output '{name}': keys {sorted(maps[0])} against "
                           f"{sorted(keys)}")
    error = scaled_error(expected.astype(np.float32), actual.astype(np.float32))
    tolerance = SCALED_TOLERANCE[np.float32]
    if not error <= tolerance:
        raise StageFailure(f"output '{name}' differs from ONNX Runtime: "
                           f"max |y - y_ort| / max |y_ort| = {error:.3e} "
                           f"> {tolerance:g}")
    return f"{len(maps)} maps {error:.1e}"


def run_compiled(runner, model_path, feeds, names, reference, work, stem, timeout,
                 entry=None, symbolic=False):
    """Runs `model_path` with lowrank-run and compares with `reference`;
    `symbolic` compiles it with its symbolic dimensions."""
    half = computes_in_half(onnx.load(str(model_path), load_external_data=False))
    folder = work / f"{stem}.run"
    if folder.exists():
        for path in folder.iterdir():
            path.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    args = [runner, str(model_path)]
    for index, value in enumerate(feeds.values()):
        path = folder / f"input_{index}.npy"
        np.save(path, value)
        args += ["--input", str(path)]
    args += ["--output-dir", str(folder)]
    if symbolic:
        args.append("--symbolic-dims")
    result = run_tool(args, timeout)
    details = []
    for index, (name, r) in enumerate(zip(names, reference)):
        path = folder / f"output_{index}.pb"
        if not path.exists():
            raise StageFailure(f"lowrank-run wrote no {path.name}")
        if _is_map_sequence(r) or _is_string_tensor(r):
            details.append(f"{name} {compare_presented(name, r, path)}")
            continue
        if not _is_numeric(r):
            details.append(f"{name} skipped ({_describe_value(r)})")
            continue
        tensor = onnx.TensorProto()
        tensor.ParseFromString(path.read_bytes())
        value = onnx.numpy_helper.to_array(tensor)
        error = scaled_error(r, value)
        tolerance = SCALED_TOLERANCE.get(np.asarray(r).dtype.type, 1e-4)
        if half:
            tolerance = max(tolerance, SCALED_TOLERANCE[np.float16])
        own = entry_tolerance(entry)
        if own and np.issubdtype(np.asarray(r).dtype, np.floating):
            tolerance = max(tolerance, own["scaled"])
        if not error <= tolerance:
            raise StageFailure(f"output '{name}' differs from ONNX Runtime: "
                               f"max |y - y_ort| / max |y_ort| = {error:.3e} "
                               f"> {tolerance:g}")
        details.append(f"{name} {error:.1e}")
    own = entry_tolerance(entry)
    note = f" (tolerance {own['scaled']:g}: {own['reason']})" if own else ""
    return "scaled error " + ", ".join(details) + note


def stage_run(runner, model_path, feeds, names, reference, work, stem, timeout,
              entry=None):
    return run_compiled(runner, model_path, feeds, names, reference, work,
                        stem, timeout, entry)


def stage_run_symbolic(runner, model_path, feeds, names, reference, work, stem,
                       timeout, entry=None):
    return run_compiled(runner, model_path, feeds, names, reference, work,
                        f"{stem}.symbolic", timeout, entry, symbolic=True)


def stage_run_compressed(runner, feeds, work, stem, timeout, entry=None):
    compressed = work / f"{stem}.compressed.onnx"
    if not compressed.exists():
        raise StageFailure("no compressed model (the compress stage failed)")
    try:
        names, reference = run_model(compressed, feeds)
    except Exception as error:
        raise StageFailure(f"ONNX Runtime: {str(error).strip()[:500]}")
    return run_compiled(runner, compressed, feeds, names, reference, work,
                        f"{stem}.compressed", timeout, entry)


# --- driver -------------------------------------------------------------------

def load_entries(models_dir, manifest_path):
    """(file path, manifest entry or None) of every model to check."""
    entries = []
    if manifest_path and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        for entry in manifest.get("models", []):
            if entry.get("status", "ok") != "ok" or not entry.get("file"):
                continue
            entries.append((models_dir / pathlib.Path(entry["file"]).name, entry))
        listed = {path.name for path, _ in entries}
        for path in sorted(models_dir.glob("*.onnx")):
            if path.name not in listed:
                entries.append((path, None))
    else:
        entries = [(path, None) for path in sorted(models_dir.glob("*.onnx"))]
    return entries


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lowrank-opt", required=True, help="the tool to test")
    parser.add_argument("--work", required=True, help="folder for the outputs")
    parser.add_argument("--models", default=str(HERE / "models"),
                        help="folder of .onnx files (default: test/corpus/models)")
    parser.add_argument("--manifest", default=None,
                        help="MANIFEST.json (default: the one beside --models' "
                             "parent, when --models is the default)")
    parser.add_argument("--filter", default=None,
                        help="only models whose file name contains this")
    parser.add_argument("--lowrank-run", default=None,
                        help="also compile and run every model with this "
                        "lowrank-run (the run and run-compressed stages)")
    parser.add_argument("--expected-run", default=str(EXPECTED_RUN),
                        help="the models that must compile and run (default: "
                        "test/corpus/expected_run.txt)")
    parser.add_argument("--expected-symbolic", default=str(EXPECTED_SYMBOLIC),
                        help="the models with symbolic dimensions that must "
                        "compile without pins and run (default: "
                        "test/corpus/expected_symbolic.txt)")
    parser.add_argument("--timeout", type=float, default=300,
                        help="seconds per lowrank-opt call (default 300)")
    args = parser.parse_args()

    models_dir = pathlib.Path(args.models).resolve()
    if args.manifest:
        manifest_path = pathlib.Path(args.manifest)
    else:
        manifest_path = models_dir.parent / "MANIFEST.json"
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)

    entries = load_entries(models_dir, manifest_path)
    if args.filter:
        entries = [(p, e) for p, e in entries if args.filter in p.name]
    if not entries:
        print(f"error: no models in {models_dir}"
              + (f" matching {args.filter!r}" if args.filter else ""), file=sys.stderr)
        print("0 passed, 1 failed")
        return 1

    def read_list(path):
        path = pathlib.Path(path)
        if not path.exists():
            return set()
        return {line.strip() for line in path.read_text().splitlines()
                if line.strip() and not line.startswith("#")}

    expected_run = read_list(args.expected_run)
    expected_symbolic = read_list(args.expected_symbolic)
    passed = failed = run_passes = symbolic_models = symbolic_passes = 0
    for model_path, entry in entries:
        stem = model_path.stem
        ok = True
        try:
            if not model_path.exists():
                raise StageFailure(f"{model_path} does not exist")
            original = onnx.load(str(model_path))
            feeds = make_feeds(original, entry, stem)
            names, reference = run_model(model_path, feeds)
        except Exception as error:
            print(f"FAIL {stem} input: {error}")
            failed += 1
            sys.stdout.flush()
            continue
        for stage, function in (("roundtrip", stage_roundtrip),
                                ("compress", stage_compress)):
            try:
                detail = function(args.lowrank_opt, model_path, original, feeds,
                                  reference, work, stem, args.timeout)
                print(f"PASS {stem} {stage}: {detail}")
            except StageFailure as error:
                ok = False
                print(f"FAIL {stem} {stage}: {error}")
            except Exception as error:  # a bug here must not hide the others
                ok = False
                print(f"FAIL {stem} {stage}: {type(error).__name__}: {error}")
            sys.stdout.flush()
        if args.lowrank_run:
            stages = [
                ("run", lambda: stage_run(
                    args.lowrank_run, model_path, feeds, names, reference,
                    work, stem, args.timeout, entry)),
                ("run-compressed", lambda: stage_run_compressed(
                    args.lowrank_run, feeds, work, stem, args.timeout,
                    entry))]
            symbolic = has_symbolic_inputs(original)
            if symbolic:
                symbolic_models += 1
                stages.append(("run-symbolic", lambda: stage_run_symbolic(
                    args.lowrank_run, model_path, feeds, names, reference,
                    work, stem, args.timeout, entry)))
            runs = 0
            for stage, call in stages:
                expected = model_path.name in (
                    expected_symbolic if stage == "run-symbolic" else expected_run)
                try:
                    detail = call()
                    if stage == "run-symbolic":
                        symbolic_passes += 1
                    else:
                        runs += 1
                    print(f"{'PASS' if expected else 'XPASS'} {stem} {stage}: "
                          f"{detail}")
                except Exception as error:
                    message = str(error).strip()
                    if not isinstance(error, StageFailure):
                        message = f"{type(error).__name__}: {message}"
                    if expected:
                        ok = False
                    print(f"{'FAIL' if expected else 'XFAIL'} {stem} {stage}: "
                          f"{message}")
                sys.stdout.flush()
            run_passes += runs == 2
        if ok:
            passed += 1
        else:
            failed += 1
    if args.lowrank_run:
        print(f"compiled and run: {run_passes} of {len(entries)} models")
        print(f"compiled without pins and run: {symbolic_passes} of "
              f"{symbolic_models} models with symbolic dimensions")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
