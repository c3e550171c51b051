"""Writes a deterministic 1x16x64 float32 input for the example block."""
import sys

import numpy as np

rng = np.random.default_rng(7)
np.save(sys.argv[1], rng.standard_normal((1, 16, 64)).astype(np.float32))
