"""The .lrstats writer and reader: exact round trip, the layout rules of
the format, and the errors of the reader."""

import json
import pathlib
import struct
import tempfile
import unittest

import numpy as np

from lowrank_tools import lrstats


def sample_layers(rng):
    layers = []
    for name, op, k in (("attn.q", "MatMul", 5), ("attn.k", "MatMul", 5), ("fc", "Gemm", 3),
                        ("conv1x1", "Conv", 7)):
        x = rng.standard_normal((11, k))
        layers.append(lrstats.LayerStats(name, op, f"{name}.in", 11, x.mean(0), x.T @ x))
    return layers


class RoundTrip(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = pathlib.Path(self.dir.name) / "s.lrstats"
        self.layers = sample_layers(np.random.default_rng(0))
        lrstats.write(self.path, self.layers, model="m.onnx")

    def tearDown(self):
        self.dir.cleanup()

    def test_round_trip_is_exact(self):
        header, layers = lrstats.read(self.path)
        self.assertEqual(header, {"format": "lowrank-calibration", "version": 1,
                                  "model": "m.onnx", "dtype": "float64"})
        self.assertEqual([l.name for l in layers], [l.name for l in self.layers])
        for got, want in zip(layers, self.layers):
            self.assertEqual((got.op, got.input, got.samples), (want.op, want.input, want.samples))
            np.testing.assert_array_equal(got.mean, want.mean)
            np.testing.assert_array_equal(got.gram, want.gram)

    def test_layout(self):
        data = self.path.read_bytes()
        self.assertEqual(data[:8], b"LRSTATS\x00")
        (size,) = struct.unpack("<Q", data[8:16])
        self.assertEqual((16 + size) % 64, 0)
        header = json.loads(data[16:16 + size])
        base = 16 + size
        for entry, layer in zip(header["layers"], self.layers):
            k = layer.dim
            self.assertEqual(entry["dim"], k)
            self.assertEqual(entry["mean"]["count"], k)
            self.assertEqual(entry["gram"]["count"], k * k)
            for key in ("mean", "gram"):
                self.assertEqual(entry[key]["offset"] % 64, 0)
            gram = np.frombuffer(data, "<f8", k * k, base + entry["gram"]["offset"])
            np.testing.assert_array_equal(gram.reshape(k, k), layer.gram)


class CrossProducts(unittest.TestCase):
    """Sequential calibration's optional cross products."""

    def test_round_trip_with_cross(self):
        rng = np.random.default_rng(1)
        layers = sample_layers(rng)
        layers[1].cross = rng.standard_normal((5, 5))
        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp) / "c.lrstats"
            lrstats.write(path, layers)
            _, read = lrstats.read(path)
        self.assertIsNone(read[0].cross)
        np.testing.assert_array_equal(read[1].cross, layers[1].cross)
        np.testing.assert_array_equal(read[1].gram, layers[1].gram)
        np.testing.assert_array_equal(read[2].gram, layers[2].gram)

    def test_cross_accumulator(self):
        rng = np.random.default_rng(2)
        acc = lrstats.CrossAccumulator(4)
        seen, original = [], []
        for rows in (3, 5000, 7):  # one fold in the middle
            x = rng.standard_normal((rows, 4))
            x_seen = x + 0.1 * rng.standard_normal((rows, 4))
            acc.add_pair(x_seen, x)
            seen.append(x_seen)
            original.append(x)
        seen, original = np.concatenate(seen), np.concatenate(original)
        np.testing.assert_allclose(acc.gram, seen.T @ seen, rtol=1e-12)
        np.testing.assert_allclose(acc.cross, seen.T @ original, rtol=1e-12)
        np.testing.assert_allclose(acc.mean(), seen.mean(0), rtol=1e-12)
        with self.assertRaises(lrstats.StatsError):
            acc.add_pair(np.zeros((2, 4)), np.zeros((3, 4)))


class ReaderErrors(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = pathlib.Path(self.dir.name) / "bad.lrstats"
        lrstats.write(self.path, sample_layers(np.random.default_rng(1)))
        data = self.path.read_bytes()
        (size,) = struct.unpack("<Q", data[8:16])
        self.header = json.loads(data[16:16 + size])
        self.payload = data[16 + size:]

    def tearDown(self):
        self.dir.cleanup()

    def rewrite(self, header=None, payload=None, raw_header=None):
        text = raw_header if raw_header is not None else json.dumps(header or self.header).encode()
        text += b" " * ((-(16 + len(text))) % 64)
        self.path.write_bytes(b"LRSTATS\x00" + struct.pack("<Q", len(text)) + text
                              + (self.payload if payload is None else payload))

    def assertRejected(self, *fragments):
        with self.assertRaises(lrstats.StatsError) as ctx:
            lrstats.read(self.path)
        message = str(ctx.exception)
        self.assertIn(str(self.path), message)
        for fragment in fragments:
            self.assertIn(fragment, message)

    def test_magic(self):
        self.path.write_bytes(b"NOTSTATS" + self.path.read_bytes()[8:])
        self.assertRejected("bad magic")

    def test_version(self):
        self.header["version"] = 2
        self.rewrite()
        self.assertRejected("unsupported version 2")

    def test_dtype(self):
        self.header["dtype"] = "float32"
        self.rewrite()
        self.assertRejected("unsupported dtype")

    def test_malformed_json(self):
        self.rewrite(raw_header=b'{"format": "lowrank-calibration", ')
        self.assertRejected("malformed JSON")

    def test_count(self):
        self.header["layers"][2]["gram"]["count"] = 8
        self.rewrite()
        self.assertRejected("layer 'fc'", "gram count 8, expected 9")

    def test_offset_outside_file(self):
        self.header["layers"][3]["gram"]["offset"] = 64 * 1000
        self.rewrite()
        self.assertRejected("layer 'conv1x1'", "past the end")

    def test_zero_samples(self):
        self.header["layers"][0]["samples"] = 0
        self.rewrite()
        self.assertRejected("layer 'attn.q'", "samples must be positive")

    def test_nan(self):
        entry = self.header["layers"][1]
        payload = bytearray(self.payload)
        payload[entry["mean"]["offset"]:entry["mean"]["offset"] + 8] = struct.pack("<d", np.nan)
        self.rewrite(payload=bytes(payload))
        self.assertRejected("layer 'attn.k'", "NaN or Inf")

    def test_truncated_header(self):
        self.path.write_bytes(b"LRSTATS\x00" + struct.pack("<Q", 4096) + b"{}")
        self.assertRejected("past the end of the file")


if __name__ == "__main__":
    unittest.main()
