"""Query vectors: pgvector's text form, and files of real query embeddings (.json or .npy,
read without numpy)."""

from __future__ import annotations

import ast
import json
import math
import struct
from dataclasses import dataclass
from pathlib import Path

from pgsage.errors import UsageError

NPY_MAGIC = b"\x93NUMPY"
NPY_TYPES = {"<f4": ("f", 4), "<f8": ("d", 8), "<f2": ("e", 2)}
UNIT_TOLERANCE = 1e-3


@dataclass(frozen=True)
class QueryVector:
    text: str  # '[0.1,0.2,...]', as pgvector reads and prints it
    row: str | None = None  # the sampled row's identity (held out from its own neighbours)

    def values(self) -> list[float]:
        return parse_vector(self.text)


def parse_vector(text: str) -> list[float]:
    inner = text.strip()[1:-1]
    return [float(x) for x in inner.split(",")] if inner.strip() else []


def vector_text(values: list[float]) -> str:
    return "[" + ",".join(repr(float(v)) for v in values) + "]"


def is_unit(values: list[float]) -> bool:
    return abs(math.sqrt(sum(v * v for v in values)) - 1.0) <= UNIT_TOLERANCE


def _from_json(path: Path) -> list[list[float]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    if isinstance(data, dict):
        data = data.get("vectors", data.get("queries"))
    if not isinstance(data, list) or not all(isinstance(v, list) for v in data):
        raise UsageError(f"{path}: expected a JSON list of vectors (lists of numbers)")
    try:
        return [[float(x) for x in v] for v in data]
    except (TypeError, ValueError):
        raise UsageError(f"{path}: vectors must hold numbers only") from None


def _from_npy(path: Path) -> list[list[float]]:
    """A 2-D little-endian float array (float16/32/64, C order) in NumPy's .npy format."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not raw.startswith(NPY_MAGIC) or len(raw) < 10:
        raise UsageError(f"{path}: not a .npy file")
    major = raw[6]
    length_bytes = 2 if major == 1 else 4
    (header_len,) = struct.unpack("<H" if major == 1 else "<I", raw[8 : 8 + length_bytes])
    start = 8 + length_bytes
    try:
        header = ast.literal_eval(raw[start : start + header_len].decode("latin-1"))
        dtype, fortran, shape = header["descr"], header["fortran_order"], header["shape"]
    except (ValueError, SyntaxError, KeyError, TypeError):
        raise UsageError(f"{path}: unreadable .npy header") from None
    if dtype not in NPY_TYPES or fortran or len(shape) != 2:
        raise UsageError(f"{path}: expected a 2-D float array in C order, not {dtype} {shape}")
    code, size = NPY_TYPES[dtype]
    rows, dims = shape
    body = raw[start + header_len :]
    if len(body) < rows * dims * size:
        raise UsageError(f"{path}: truncated .npy data")
    flat = struct.unpack(f"<{rows * dims}{code}", body[: rows * dims * size])
    return [list(flat[i * dims : (i + 1) * dims]) for i in range(rows)]


def read_query_file(path: Path, dims: int) -> list[QueryVector]:
    vectors = _from_npy(path) if path.suffix == ".npy" else _from_json(path)
    if not vectors:
        raise UsageError(f"{path}: no query vectors")
    bad = {len(v) for v in vectors if dims and len(v) != dims}
    if bad:
        raise UsageError(f"{path}: vectors of {sorted(bad)} dimensions, the column has {dims}")
    return [QueryVector(vector_text(v)) for v in vectors]
