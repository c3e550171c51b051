"""Capture of the linear ops' input statistics with ONNX Runtime on a tiny
synthetic model, against the Gram matrices computed with numpy."""

import pathlib
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from lowrank_tools import capture, lrstats


def tiny_model(rng) -> onnx.ModelProto:
    """x[2,3,4] -> MatMul(named, W[4,6]) -> Relu -> MatMul(unnamed, Transpose(V[5,6]))
    -> Reshape [6,5] -> Gemm(transA, C[6,2]); separately image[1,3,2,2] ->
    Conv 1x1 (K[4,3,1,1]); and an activation-by-activation MatMul that is
    not a linear op."""
    def init(name, *shape):
        return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)

    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["h"], name="first"),
        helper.make_node("Relu", ["h"], ["r"], name="relu"),
        helper.make_node("Transpose", ["V"], ["Vt"], name="vt", perm=[1, 0]),
        helper.make_node("MatMul", ["r", "Vt"], ["y"]),  # unnamed: MatMul_3
        helper.make_node("Reshape", ["y", "shape"], ["y2"], name="flat"),
        helper.make_node("Gemm", ["y2", "C"], ["z"], name="head", transA=1),
        helper.make_node("Conv", ["image", "K"], ["c"], name="pointwise"),
        helper.make_node("MatMul", ["x", "xt"], ["xx"], name="not_linear"),
    ]
    inits = [init("W", 4, 6), init("V", 5, 6), init("C", 6, 2), init("K", 4, 3, 1, 1),
             numpy_helper.from_array(np.array([6, 5], np.int64), "shape")]
    graph = helper.make_graph(
        nodes, "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4]),
         helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 2, 2]),
         helper.make_tensor_value_info("xt", TensorProto.FLOAT, [2, 4, 3])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [5, 2]),
         helper.make_tensor_value_info("c", TensorProto.FLOAT, [1, 4, 2, 2]),
         helper.make_tensor_value_info("xx", TensorProto.FLOAT, [2, 3, 3])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


class Capture(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.root = pathlib.Path(self.dir.name)
        rng = np.random.default_rng(7)
        self.model = tiny_model(rng)
        self.model_path = self.root / "tiny.onnx"
        onnx.save(self.model, str(self.model_path))
        self.feeds = [{"x": rng.standard_normal((2, 3, 4)).astype(np.float32),
                       "image": rng.standard_normal((1, 3, 2, 2)).astype(np.float32),
                       "xt": rng.standard_normal((2, 4, 3)).astype(np.float32)}
                      for _ in range(3)]
        self.weights = {t.name: numpy_helper.to_array(t) for t in self.model.graph.initializer}

    def tearDown(self):
        self.dir.cleanup()

    def expected_rows(self, feed):
        w, v = self.weights["W"], self.weights["V"]
        x = feed["x"].astype(np.float32)
        r = np.maximum(x @ w, 0)
        y2 = (r @ v.T).reshape(6, 5)
        return {"first": x.reshape(-1, 4), "MatMul_3": r.reshape(-1, 6), "head": y2.T,
                "pointwise": np.moveaxis(feed["image"], 1, -1).reshape(-1, 3)}

    def test_finds_the_linear_ops(self):
        ops = capture.find_linear_ops(self.model)
        self.assertEqual([(o.name, o.op, o.input, o.dim) for o in ops],
                         [("first", "MatMul", "x", 4), ("MatMul_3", "MatMul", "r", 6),
                          ("head", "Gemm", "y2", 6), ("pointwise", "Conv", "image", 3)])

    def test_gram_mean_and_count_match_numpy(self):
        layers = {l.name: l for l in capture.capture(self.model_path, self.feeds)}
        self.assertEqual(set(layers), {"first", "MatMul_3", "head", "pointwise"})
        for name in layers:
            rows = np.concatenate([self.expected_rows(f)[name] for f in self.feeds]).astype(np.float64)
            got = layers[name]
            self.assertEqual(got.samples, rows.shape[0], name)
            np.testing.assert_allclose(got.gram, rows.T @ rows, rtol=1e-5, atol=1e-5, err_msg=name)
            np.testing.assert_allclose(got.mean, rows.mean(0), rtol=1e-5, atol=1e-6, err_msg=name)

    def test_file_inputs_and_command_line(self):
        feed = self.feeds[0]
        np.savez(self.root / "a.npz", **feed)
        case = self.root / "case"
        case.mkdir()
        for i, name in enumerate(("x", "image", "xt")):
            tensor = numpy_helper.from_array(feed[name], name)
            (case / f"input_{i}.pb").write_bytes(tensor.SerializeToString())
        out = self.root / "tiny.lrstats"
        self.assertEqual(capture.main([str(self.model_path), str(self.root / "a.npz"),
                                       str(case), "-o", str(out)]), 0)
        header, layers = lrstats.read(out)
        self.assertEqual(header["model"], "tiny.onnx")
        first = next(l for l in layers if l.name == "first")
        rows = feed["x"].reshape(-1, 4).astype(np.float64)
        self.assertEqual(first.samples, 2 * rows.shape[0])
        np.testing.assert_allclose(first.gram, 2 * rows.T @ rows, rtol=1e-12)

    def test_unknown_input_name(self):
        np.savez(self.root / "bad.npz", y=np.zeros(3, np.float32))
        with self.assertRaises(SystemExit) as ctx:
            capture.load_inputs([self.root / "bad.npz"], self.model)
        self.assertIn("bad.npz: the model has no input y", str(ctx.exception))


if __name__ == "__main__":
    unittest.main()
