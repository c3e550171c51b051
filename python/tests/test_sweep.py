"""The sweep's method table, its handling of options a lowrank-opt build
does not know, and the accuracy metrics."""

import os
import pathlib
import stat
import sys
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


    def test_uniform_ratio_fits_the_factorable_budget(self):
        # A fake lowrank-opt whose factorable fraction is the rank ratio and
        # whose total fraction also counts a dense output head.
        with tempfile.TemporaryDirectory() as tmp:
            tool = pathlib.Path(tmp) / "fake-lowrank-opt"
            tool.write_text(
                f"#!{sys.executable}\n"
                "import json, re, sys\n"
                "opts = next(a for a in sys.argv if a.startswith('--lowrank-compress='))\n"
                "ratio = float(re.search(r'rank-ratio=([0-9.]+)', opts).group(1))\n"
                "report = next(a for a in sys.argv if a.startswith('--lowrank-report='))\n"
                "totals = {'factorable_param_ratio': ratio, 'param_ratio': 0.1 + 0.9 * ratio}\n"
                "open(report.split('=', 1)[1], 'w').write(json.dumps({'totals': totals}))\n")
            tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
            ratio = sweep.fit_rank_ratio(tool, pathlib.Path(tmp) / "m.onnx",
                                         sweep.METHODS["svd-uniform"], 0.5, pathlib.Path(tmp),
                                         None)
            self.assertLessEqual(ratio, 0.5)
            self.assertGreater(ratio, 0.49)


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


class LanguageModelMetrics(unittest.TestCase):
    def test_identical_logits(self):
        rng = np.random.default_rng(0)
        logits = [rng.normal(size=(1, 6, 5)).astype(np.float32) for _ in range(3)]
        tokens = [rng.integers(0, 5, size=(1, 6)) for _ in range(3)]
        lm = evaluate.compare_language_model(logits, logits, tokens)
        self.assertAlmostEqual(lm.kl, 0.0, places=12)
        self.assertEqual(lm.top1_agreement, 1.0)
        self.assertEqual(lm.nll, lm.dense_nll)
        self.assertEqual(lm.positions, 3 * 5)  # the last position has no next token

    def test_two_token_kl(self):
        # p = (1/2, 1/2), q = (1/4, 3/4): KL(p || q) = 1/2 ln(2) + 1/2 ln(2/3).
        p = np.log(np.array([[[0.5, 0.5], [0.5, 0.5]]]))
        q = np.log(np.array([[[0.25, 0.75], [0.25, 0.75]]])) + 7.0  # softmax is shift-free
        lm = evaluate.compare_language_model([p], [q], [np.array([[0, 1]])])
        self.assertAlmostEqual(lm.kl, 0.5 * np.log(2.0) + 0.5 * np.log(2.0 / 3.0), places=12)
        # Target of position 0 is token 1: NLL -ln(1/2) and -ln(3/4).
        self.assertAlmostEqual(lm.dense_nll, np.log(2.0), places=12)
        self.assertAlmostEqual(lm.nll, -np.log(0.75), places=12)
        self.assertEqual(lm.positions, 1)

    def test_perplexity_is_exp_nll(self):
        rng = np.random.default_rng(1)
        ref = [rng.normal(size=(1, 9, 7))]
        cand = [ref[0] + rng.normal(scale=0.5, size=ref[0].shape)]
        tokens = [rng.integers(0, 7, size=(1, 9))]
        lm = evaluate.compare_language_model(ref, cand, tokens)
        self.assertAlmostEqual(lm.perplexity, np.exp(lm.nll))
        self.assertAlmostEqual(lm.dense_perplexity, np.exp(lm.dense_nll))
        self.assertGreater(lm.kl, 0.0)
        # Uniform logits: perplexity is the vocabulary size.
        flat = evaluate.compare_language_model([np.zeros((1, 4, 7))], [np.zeros((1, 4, 7))],
                                               [np.zeros((1, 4), dtype=np.int64)])
        self.assertAlmostEqual(flat.perplexity, 7.0)

    def test_top1_agreement(self):
        ref = np.array([[[2.0, 0.0], [0.0, 2.0], [1.0, 0.0], [0.0, 0.0]]])
        cand = np.array([[[1.0, 0.0], [2.0, 0.0], [3.0, 0.0], [9.0, 0.0]]])
        lm = evaluate.compare_language_model([ref], [cand], [np.zeros((1, 4), dtype=np.int64)])
        self.assertAlmostEqual(lm.top1_agreement, 2 / 3)  # the last position is not counted

    def test_log_softmax_is_stable(self):
        out = evaluate.log_softmax(np.array([1000.0, 1000.0], dtype=np.float32))
        np.testing.assert_allclose(out, np.log([0.5, 0.5]))

    def test_mismatched_shapes(self):
        with self.assertRaises(ValueError):
            evaluate.compare_language_model([np.zeros((1, 4, 3))], [np.zeros((1, 4, 3))],
                                            [np.zeros((1, 5), dtype=np.int64)])

    def test_language_model_table(self):
        row = {"method": "whiten", "cut": 0.2, "params_kept": 0.8, "bits_per_param": 25.6,
               "kl": 0.1234, "perplexity": 12.5, "top1_agreement": 0.9, "dense_nll": 2.4,
               "dense_perplexity": 11.02}
        table = sweep.markdown_table([row])
        self.assertIn("perplexity 11.020", table)
        self.assertIn("| whiten | 20% | 0.800 | 25.60 | 1.23e-01 | 12.500 | 0.900 |", table)


class TokenFeeds(unittest.TestCase):
    def test_one_feed_per_sequence(self):
        import onnx
        from onnx import TensorProto, helper

        from lowrank_tools import capture

        graph = helper.make_graph(
            [helper.make_node("Identity", ["input_ids"], ["y"])], "g",
            [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, 3])],
            [helper.make_tensor_value_info("y", TensorProto.INT64, [1, 3])])
        model = helper.make_model(graph)
        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp) / "tokens.npy"
            np.save(path, np.arange(6, dtype=np.int32).reshape(2, 3))
            feeds = capture.token_feeds(path, model)
            self.assertEqual(len(feeds), 2)
            self.assertEqual(feeds[1]["input_ids"].dtype, np.int64)
            np.testing.assert_array_equal(feeds[1]["input_ids"], [[3, 4, 5]])
            np.save(path, np.zeros((2, 3), dtype=np.float32))
            with self.assertRaises(SystemExit):
                capture.token_feeds(path, model)


if __name__ == "__main__":
    unittest.main()
