"""Runs pairs of lowrank-opt processes at once, each writing the same output
model with external data but compressing to different ranks, and checks
after each pair that the model and its data file come from the same run:
byte-identical to what one of the two runs writes alone.

usage: concurrent_outputs.py LOWRANK_OPT MODEL WORKDIR [ROUNDS]
"""

import filecmp
import os
import subprocess
import sys


def command(tool, model, output, rank):
    return [tool, model, f"--lowrank-compress=rank={rank}", "--emit=onnx",
            "--onnx-external-data", "-o", output]


def main():
    tool, model, work = sys.argv[1:4]
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    ranks = (8, 64)
    references = {}
    for rank in ranks:
        folder = os.path.join(work, f"alone-{rank}")
        os.makedirs(folder, exist_ok=True)
        output = os.path.join(folder, "out.onnx")
        subprocess.run(command(tool, model, output, rank), check=True)
        references[rank] = output
    shared = os.path.join(work, "shared")
    os.makedirs(shared, exist_ok=True)
    output = os.path.join(shared, "out.onnx")
    for round_index in range(rounds):
        runs = [subprocess.Popen(command(tool, model, output, rank))
                for rank in ranks]
        if any(run.wait() != 0 for run in runs):
            sys.exit(f"round {round_index}: a run failed")
        matches = [rank for rank, reference in references.items()
                   if filecmp.cmp(output, reference, shallow=False)
                   and filecmp.cmp(output + ".data", reference + ".data",
                                   shallow=False)]
        if not matches:
            sys.exit(f"round {round_index}: the model and its data come "
                     "from different runs")
        leftovers = sorted(set(os.listdir(shared)) -
                           {"out.onnx", "out.onnx.data"})
        if leftovers:
            sys.exit(f"round {round_index}: files left behind: {leftovers}")
    print(f"{rounds} rounds: every model beside its own data")


if __name__ == "__main__":
    main()
