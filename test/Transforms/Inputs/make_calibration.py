"""Writes .lrstats files for the two 32-wide layers of
make_spectral_layers.py ('fast' reads %x, 'slow' reads %y), from inputs
whose features are strongly correlated (variance decaying like (j+1)^-3 in
a random basis), or a malformed variant for error tests."""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import lrstats  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("--samples", type=int, default=2048)
parser.add_argument("--fault", default="")
parser.add_argument("--layers", default="fast,slow")
parser.add_argument("--scale", type=float, default=1.0,
                    help="multiply every Gram matrix by this")
args = parser.parse_args()

N = 32
rng = np.random.default_rng(1)
mix, _ = np.linalg.qr(rng.standard_normal((N, N)))
layers = []
for name in args.layers.split(","):
    z = rng.standard_normal((args.samples, N)) * (np.arange(N) + 1.0) ** -1.5
    layers.append(lrstats.layer_from_inputs(name, z @ mix.T))

for layer in layers:
    layer["gram"] = layer["gram"] * args.scale

kwargs = {}
fault = args.fault
if fault == "nan":
    layers[1]["gram"][3, 4] = np.nan
elif fault == "unknown-layer":
    layers.append(lrstats.layer_from_inputs("fc9", np.ones((4, N))))
elif fault == "wrong-dim":
    layers[0] = lrstats.layer_from_inputs("fast", rng.standard_normal((64, 16)))
elif fault == "samples":
    layers[0]["header"] = {"samples": 0}
elif fault == "count":
    layers[1]["header"] = {"gram": {"offset": 0, "count": 31 * 31}}
elif fault == "offset":
    layers[1]["header"] = {"gram": {"offset": 1 << 30, "count": N * N}}
elif fault == "version":
    kwargs["version"] = 7
elif fault == "dtype":
    kwargs["dtype"] = "float32"
elif fault:
    assert fault in ("magic", "json", "deep"), fault

data = lrstats.encode(layers, "spectral.mlir", **kwargs)
if fault == "magic":
    data = b"LRSTATZ\x00" + data[8:]
elif fault == "json":
    data = data[:16] + b"[" + data[17:]
elif fault == "deep":
    # A header nested a million deep (stack overflow in a recursive parser).
    header = b"[" * 1000000 + b"]" * 1000000
    header += b" " * (-len(header) % 64)
    data = data[:8] + len(header).to_bytes(8, "little") + header
with open(args.out, "wb") as f:
    f.write(data)
