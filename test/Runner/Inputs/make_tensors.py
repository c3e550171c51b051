"""Writes the tensor files the lowrank-run tests read into a directory.

Generating them at test time keeps binary files out of the repository and
checks the readers against the files onnx and numpy themselves write.
"""

import math
import os
import sys

import numpy as np
from onnx import numpy_helper


def save_pb(directory, name, array):
    tensor = numpy_helper.from_array(np.asarray(array), name)
    with open(os.path.join(directory, name + ".pb"), "wb") as f:
        f.write(tensor.SerializeToString())


def save_npy(directory, name, array, version=None):
    with open(os.path.join(directory, name + ".npy"), "wb") as f:
        np.lib.format.write_array(f, np.asarray(array), version=version,
                                  allow_pickle=False)


def main(directory):
    os.makedirs(directory, exist_ok=True)
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.full((2, 3), 0.25, dtype=np.float32)
    save_pb(directory, "a", a)
    save_npy(directory, "b", b)
    save_npy(directory, "b_v2", b, version=(2, 0))
    save_pb(directory, "sum", a + b)
    wrong = a + b
    wrong[1, 1] = 42.0
    save_pb(directory, "wrong_sum", wrong)
    # Within the default tolerances of the true sum, but not within 1e-9.
    save_pb(directory, "near_sum", (a + b) * np.float32(1 + 2e-5))

    save_npy(directory, "b_i64", b.astype(np.int64))
    save_npy(directory, "b_3x2", b.reshape(3, 2))
    save_npy(directory, "b_fortran", np.asfortranarray(np.ones((2, 3),
                                                               np.float32)))
    save_npy(directory, "b_bigendian", b.astype(">f4"))
    save_npy(directory, "b_complex", b.astype(np.complex64))

    x = np.linspace(-3, 3, 8, dtype=np.float32)
    save_npy(directory, "erf_in", x)
    save_npy(directory, "erf_out",
             np.array([math.erf(v) for v in x], dtype=np.float32))
    save_npy(directory, "erfc_out",
             np.array([math.erfc(v) for v in x], dtype=np.float32))

    # erf over [-6, 6] and at the special values: NaN, the infinities,
    # -0, the clamp at 4, the smallest normal and a subnormal.
    special = [math.nan, math.inf, -math.inf, -0.0, 4.0, -4.0, 1.17549435e-38,
               1e-45]
    grid = np.concatenate([np.linspace(-6, 6, 4096),
                           special]).astype(np.float32)
    save_npy(directory, "erf_grid_in", grid)
    save_npy(directory, "erf_grid_out",
             np.array([math.nan if math.isnan(v) else math.erf(v)
                       for v in grid.astype(np.float64)], dtype=np.float32))

    # A softmax large enough to run on several threads.
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((96, 512)).astype(np.float32) * 4
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    save_npy(directory, "softmax_in", logits)
    save_npy(directory, "softmax_out",
             (shifted / shifted.sum(axis=1, keepdims=True)).astype(np.float32))

    i = np.array([[1, -2, 3], [2**40, 5, -6]], dtype=np.int64)
    j = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int64)
    save_pb(directory, "i", i)
    save_pb(directory, "j", j)
    save_pb(directory, "i_plus_j", i + j)
    save_pb(directory, "i_gt_j", i > j)
    save_npy(directory, "i_gt_j", i > j)
    save_pb(directory, "scalar", np.array(2.5, dtype=np.float64))

    m = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    n = np.arange(8, dtype=np.float32).reshape(4, 2) - 3
    save_npy(directory, "m", m)
    save_npy(directory, "n", n)
    save_npy(directory, "m_times_n", m @ n)


if __name__ == "__main__":
    main(sys.argv[1])
