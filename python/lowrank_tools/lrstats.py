"""Reader and writer of `.lrstats` calibration statistics files.

Layout (little-endian; see docs/CalibrationFormat.md for the full contract):

  [0, 8)        b"LRSTATS\\0"
  [8, 16)       uint64 H, the size of the JSON header
  [16, 16 + H)  UTF-8 JSON, right-padded with spaces to a multiple of 64
  D = 16 + H    data section: float64 arrays at D + offset (offsets are
                multiples of 64)

  {"format": "lowrank-calibration", "version": 1, "model": "...",
   "dtype": "float64",
   "layers": [{"name", "op", "input", "dim": K, "samples": N,
               "mean": {"offset", "count": K},
               "gram": {"offset", "count": K*K}}, ...]}

`gram` is sum(x x^T) over the N row vectors x of the layer's activation
input (not divided by N), K x K row-major; `mean` is sum(x) / N.
"""

import json
import pathlib
import struct
from dataclasses import dataclass

import numpy as np

MAGIC = b"LRSTATS\x00"
FORMAT = "lowrank-calibration"
VERSION = 1
ALIGN = 64
OPS = ("MatMul", "Gemm", "Conv")


class StatsError(Exception):
    """A malformed or inconsistent statistics file; the message names the
    file and, where relevant, the layer."""


@dataclass
class LayerStats:
    name: str
    op: str
    input: str
    samples: int
    mean: np.ndarray  # [K] float64
    gram: np.ndarray  # [K, K] float64
    # Sequential calibration: sum x~ x^T [K, K], x~ the input in the model
    # whose earlier layers are compressed (what mean and gram describe), x
    # the input in the original model.
    cross: np.ndarray | None = None

    @property
    def dim(self) -> int:
        return int(self.mean.shape[0])


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def write(path, layers: list[LayerStats], model: str = "") -> None:
    """Writes `layers` to `path` (atomically: a temporary file renamed)."""
    path = pathlib.Path(path)
    entries, offset = [], 0
    for layer in layers:
        k = layer.dim
        if layer.op not in OPS:
            raise StatsError(f"{path}: layer '{layer.name}': op '{layer.op}' is not one of {OPS}")
        if layer.gram.shape != (k, k):
            raise StatsError(f"{path}: layer '{layer.name}': gram is {layer.gram.shape}, "
                             f"expected {(k, k)}")
        if layer.samples <= 0:
            raise StatsError(f"{path}: layer '{layer.name}': no samples")
        if layer.cross is not None and layer.cross.shape != (k, k):
            raise StatsError(f"{path}: layer '{layer.name}': cross is {layer.cross.shape}, "
                             f"expected {(k, k)}")
        mean_off = offset
        gram_off = _align(mean_off + 8 * k)
        offset = _align(gram_off + 8 * k * k)
        entry = {"name": layer.name, "op": layer.op, "input": layer.input, "dim": k,
                 "samples": int(layer.samples),
                 "mean": {"offset": mean_off, "count": k},
                 "gram": {"offset": gram_off, "count": k * k}}
        if layer.cross is not None:
            entry["cross"] = {"offset": offset, "count": k * k}
            offset = _align(offset + 8 * k * k)
        entries.append(entry)
    header = json.dumps({"format": FORMAT, "version": VERSION, "model": model,
                         "dtype": "float64", "layers": entries}).encode()
    header += b" " * (_align(16 + len(header)) - 16 - len(header))
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<Q", len(header)))
        f.write(header)
        data_start = f.tell()
        for layer, entry in zip(layers, entries):
            for key, array in (("mean", layer.mean), ("gram", layer.gram),
                               ("cross", layer.cross)):
                if array is None:
                    continue
                f.write(b"\0" * (data_start + entry[key]["offset"] - f.tell()))
                f.write(np.ascontiguousarray(array, dtype="<f8").tobytes())
        f.write(b"\0" * (data_start + offset - f.tell()))
    tmp.replace(path)


def read(path) -> tuple[dict, list[LayerStats]]:
    """Reads and validates `path`: (header without layers, layers)."""
    path = pathlib.Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise StatsError(f"{path}: cannot read: {err.strerror}") from err
    if len(data) < 16 or data[:8] != MAGIC:
        raise StatsError(f"{path}: not a calibration statistics file (bad magic)")
    (size,) = struct.unpack("<Q", data[8:16])
    if 16 + size > len(data):
        raise StatsError(f"{path}: header of {size} bytes runs past the end of the file")
    try:
        header = json.loads(data[16:16 + size].decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise StatsError(f"{path}: malformed JSON header: {err}") from err
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise StatsError(f"{path}: header format is not '{FORMAT}'")
    if header.get("version") != VERSION:
        raise StatsError(f"{path}: unsupported version {header.get('version')!r} "
                         f"(this reader knows {VERSION})")
    if header.get("dtype") != "float64":
        raise StatsError(f"{path}: unsupported dtype {header.get('dtype')!r} (only float64)")
    if not isinstance(header.get("layers"), list):
        raise StatsError(f"{path}: header has no 'layers' list")
    base = 16 + size
    layers = []
    for entry in header["layers"]:
        name = entry.get("name") if isinstance(entry, dict) else None
        where = f"{path}: layer '{name}'"
        if not isinstance(name, str):
            raise StatsError(f"{path}: a layer entry has no name")
        k, n = entry.get("dim"), entry.get("samples")
        if not isinstance(k, int) or k <= 0:
            raise StatsError(f"{where}: invalid dim {k!r}")
        if not isinstance(n, int) or n <= 0:
            raise StatsError(f"{where}: samples must be positive, got {n!r}")
        if entry.get("op") not in OPS:
            raise StatsError(f"{where}: op {entry.get('op')!r} is not one of {OPS}")
        arrays = {}
        for key, count in (("mean", k), ("gram", k * k), ("cross", k * k)):
            ref = entry.get(key)
            if key == "cross" and ref is None:
                continue  # optional: sequential calibration only
            if not isinstance(ref, dict):
                raise StatsError(f"{where}: no '{key}' array")
            off, cnt = ref.get("offset"), ref.get("count")
            if cnt != count:
                raise StatsError(f"{where}: {key} count {cnt!r}, expected {count}")
            if not isinstance(off, int) or off < 0 or off % ALIGN:
                raise StatsError(f"{where}: {key} offset {off!r} is not a multiple of {ALIGN}")
            if base + off + 8 * cnt > len(data):
                raise StatsError(f"{where}: {key} array runs past the end of the file")
            array = np.frombuffer(data, dtype="<f8", count=cnt, offset=base + off)
            if not np.isfinite(array).all():
                raise StatsError(f"{where}: {key} holds NaN or Inf")
            arrays[key] = array
        cross = arrays.get("cross")
        layers.append(LayerStats(name, entry["op"], str(entry.get("input", "")), n,
                                 arrays["mean"].copy(), arrays["gram"].reshape(k, k).copy(),
                                 None if cross is None else cross.reshape(k, k).copy()))
    return {key: value for key, value in header.items() if key != "layers"}, layers


class Accumulator:
    """Sum of x x^T and of x over row vectors, in float64. Rows are
    buffered and folded in blocks, so that many short inputs cost one large
    matrix product instead of many small ones."""

    BLOCK_ROWS = 4096

    def __init__(self, dim: int):
        self._gram = np.zeros((dim, dim), dtype=np.float64)
        self._total = np.zeros(dim, dtype=np.float64)
        self._pending: list[np.ndarray] = []
        self._pending_rows = 0
        self.samples = 0

    def add(self, rows: np.ndarray) -> None:
        self._pending.append(np.asarray(rows, dtype=np.float64))
        self._pending_rows += rows.shape[0]
        self.samples += rows.shape[0]
        if self._pending_rows >= self.BLOCK_ROWS:
            self._fold()

    def _fold(self) -> None:
        if self._pending:
            block = np.concatenate(self._pending)
            self._gram += block.T @ block
            self._total += block.sum(axis=0)
            self._pending, self._pending_rows = [], 0

    @property
    def gram(self) -> np.ndarray:
        self._fold()
        return self._gram

    def mean(self) -> np.ndarray:
        self._fold()
        return self._total / max(self.samples, 1)


class CrossAccumulator(Accumulator):
    """Also sums x~ x^T for pairs of rows: x~ the input in a compressed
    model (what the Gram matrix and mean describe), x in the original."""

    def __init__(self, dim: int):
        super().__init__(dim)
        self._cross = np.zeros((dim, dim), dtype=np.float64)
        self._pending_original: list[np.ndarray] = []

    def add_pair(self, rows: np.ndarray, original_rows: np.ndarray) -> None:
        if rows.shape != original_rows.shape:
            raise StatsError(f"the compressed model's rows {rows.shape} differ from the "
                             f"original's {original_rows.shape}")
        self._pending_original.append(np.asarray(original_rows, dtype=np.float64))
        self.add(rows)

    def _fold(self) -> None:
        if self._pending:
            block = np.concatenate(self._pending)
            self._cross += block.T @ np.concatenate(self._pending_original)
            self._pending_original = []
        super()._fold()

    @property
    def cross(self) -> np.ndarray:
        self._fold()
        return self._cross


__all__ = ["Accumulator", "CrossAccumulator", "LayerStats", "StatsError", "read", "write"]
