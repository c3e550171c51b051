"""The sweep's method table, its handling of options a lowrank-opt build
does not know, and the accuracy metrics."""

import os
import pathlib
import stat
import tempfile
import unittest

import numpy as np

from lowrank_tools import evaluate, sweep


class Methods(unittest.TestCase):
    def test_every_method_formats(self):
        for name, method in sweep.METHODS.items():
            options = method.options.format(keep=0.8, stats="s.lrstats", rank_ratio=0.5)
            self.assertNotIn("{", options, name)
            self.assertEqual("s.lrstats" in options, method.needs_stats, name)

    def test_rejected_option_is_not_available(self):
        with tempfile.TemporaryDirectory() as tmp:
            tool = pathlib.Path(tmp) / "fake-lowrank-opt"
            tool.write_text("#!/bin/sh\necho '<Pass-Options-Parser>: no such option method' >&2\n"
                            "exit 1\n")
            tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
            with self.assertRaises(sweep.NotAvailable) as ctx:
                sweep.compress(tool, "m.onnx", "method=whiten", pathlib.Path(tmp) / "o.onnx",
                               pathlib.Path(tmp) / "r.json", None)
            self.assertIn("option 'method' is not known", str(ctx.exception))
            # Any other failure is an error, not a missing feature.
            tool.write_text("#!/bin/sh\necho 'm.onnx: error: broken' >&2\nexit 1\n")
            with self.assertRaises(RuntimeError):
                sweep.compress(tool, "m.onnx", "rank=4", pathlib.Path(tmp) / "o.onnx",
                               pathlib.Path(tmp) / "r.json", None)


class Metrics(unittest.TestCase):
    def test_cosine_and_relative_error(self):
        a = [np.array([[1.0, 0.0]]), np.array([[0.0, 2.0]])]
        b = [np.array([[1.0, 1.0]]), np.array([[0.0, 3.0]])]
        acc = evaluate.compare(a, b, a, b)
        self.assertAlmostEqual(acc.mean_cosine, (np.sqrt(0.5) + 1.0) / 2)
        self.assertAlmostEqual(acc.min_cosine, np.sqrt(0.5))
        # ||(0,1),(0,1)|| / ||(1,0),(0,2)|| = sqrt(2) / sqrt(5)
        self.assertAlmostEqual(acc.relative_error, np.sqrt(2 / 5))

    def test_bits_per_parameter(self):
        # float32 weights, half of them removed: 16 bits per original parameter.
        self.assertAlmostEqual(sweep.bits_per_parameter({"totals": {}}, 1000 + 400, 1000 + 200, 100), 16.0)
        self.assertEqual(sweep.bits_per_parameter({"totals": {"bits_per_param": 4.25}}, 0, 0, 1), 4.25)


if __name__ == "__main__":
    unittest.main()
