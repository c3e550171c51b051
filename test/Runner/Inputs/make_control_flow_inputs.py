"""Writes the inputs of the control-flow runner test (.npy) into the
directory given as the first argument."""

import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
np.save(os.path.join(out, "x.npy"), np.arange(-2, 2, dtype=np.float32).reshape(1, 4).repeat(4, 0).repeat(2, 1))
np.save(os.path.join(out, "x2.npy"), np.arange(8, dtype=np.float32).reshape(2, 4))
np.save(os.path.join(out, "x4.npy"), np.arange(16, dtype=np.float32).reshape(4, 4))
np.save(os.path.join(out, "true.npy"), np.array(True))
np.save(os.path.join(out, "false.npy"), np.array(False))
np.save(os.path.join(out, "m4.npy"), np.array(4, np.int64))
np.save(os.path.join(out, "m3.npy"), np.array(3, np.int64))
np.save(os.path.join(out, "a0.npy"), np.array([0, 1, 2], np.float32))
np.save(os.path.join(out, "init.npy"), np.array([10, 20], np.float32))
np.save(os.path.join(out, "cols.npy"), np.array([[1, 2, 3], [4, 5, 6]], np.float32))
