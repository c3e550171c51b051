"""Compile time and peak memory of lowrank-opt on large graphs
(docs/Robustness.md, "Scale"). Not a test: it prints one line per run.

  scale_benchmark.py LOWRANK_OPT [--work DIR] [--cases chain:20000,...]
                     [--emit onnx,obj] [--timing]

Each case KIND:SIZE is a model of benchmarks/scale/make_scale_models.py.
chain, concat and transformer models are compressed with
`--lowrank-compress=rank-ratio=0.25` and written with each --emit kind;
a matmul model (one large weight) is compressed with `rank=64` and
written as ONNX only. Wall time and peak RSS come from /usr/bin/time -v.
--timing adds --mlir-timing and prints the five slowest stages.
"""

import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CASES = "chain:20000,concat:20000,transformer:2000,matmul:8192"


def make_model(kind, size, work):
    path = os.path.join(work, f"{kind}{size}.onnx")
    if not os.path.exists(path):
        subprocess.run([sys.executable, os.path.join(HERE, "make_scale_models.py"),
                        kind, str(size), "-o", path], check=True)
    return path


def measure(command, timing):
    if timing:
        command = command + ["--mlir-timing"]
    result = subprocess.run(["/usr/bin/time", "-v"] + command,
                            capture_output=True, text=True)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)",
                     result.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    seconds = None
    if wall:
        hours = int(wall.group(1) or 0)
        seconds = hours * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    stages = []
    if timing:
        for line in result.stderr.splitlines():
            # Wall time, then user time on multi-threaded runs, then the name.
            match = re.match(r"\s*([\d.]+) \(\s*[\d.]+%\)\s+"
                             r"(?:[\d.]+ \(\s*[\d.]+%\)\s+)?(\S.*)", line)
            if match and match.group(2).strip() != "Total":
                stages.append((float(match.group(1)), match.group(2).strip()))
        stages.sort(reverse=True)
    return (result.returncode, seconds,
            int(rss.group(1)) / 1024 if rss else None, stages[:5],
            result.stderr if result.returncode else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("lowrank_opt")
    parser.add_argument("--work", default="/tmp/lowrank-scale")
    parser.add_argument("--cases", default=DEFAULT_CASES)
    parser.add_argument("--emit", default="onnx,obj")
    parser.add_argument("--timing", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    print(f"{'case':<18} {'emit':<5} {'status':>6} {'wall s':>8} {'peak MiB':>9}")
    for case in args.cases.split(","):
        kind, size = case.split(":")
        model = make_model(kind, int(size), args.work)
        rule = "rank=64" if kind == "matmul" else "rank-ratio=0.25"
        emits = ["onnx"] if kind == "matmul" else args.emit.split(",")
        for emit in emits:
            output = os.path.join(args.work, f"{kind}{size}.out.{emit}")
            command = [args.lowrank_opt, model, f"--lowrank-compress={rule}",
                       f"--emit={emit}", "-o", output]
            status, wall, rss, stages, error = measure(command, args.timing)
            print(f"{case:<18} {emit:<5} {status:>6} "
                  f"{wall if wall is not None else float('nan'):>8.1f} "
                  f"{rss if rss is not None else float('nan'):>9.0f}", flush=True)
            for seconds, name in stages:
                print(f"    {seconds:8.2f} s  {name}")
            if error:
                print("    " + error.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
