"""A reader for IDX files, the format of MNIST and Fashion-MNIST, plain or gzipped.

An IDX file starts with a 4-byte magic number: two zero bytes, a type code and the number of
dimensions; then one big-endian 32-bit size per dimension; then the values, big-endian,
in C order. The header is checked before anything is allocated, so a damaged or hostile file
gives a DatasetError instead of a huge allocation.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from nnstudio.core.datasets.file_cache import FileCache
from nnstudio.core.errors import DatasetError
from nnstudio.core.safe_read import exists, open_regular, regular_stat

TYPE_CODES: dict[int, str] = {
    0x08: "u1",
    0x09: "i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}
MAX_DIMS = 4
MAX_BYTES = 1 << 30
"""Refuse files whose header promises more than 1 GiB of values: no IDX dataset we read is
near that, and a corrupt header must not make us allocate it."""
_CACHE_SIZE = 4


@dataclass(frozen=True)
class IdxHeader:
    dtype: np.dtype
    shape: tuple[int, ...]
    offset: int
    """Where the values start, in (uncompressed) bytes."""

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize


def _open(path: Path) -> BinaryIO:
    """The file's uncompressed bytes: gzip is recognised by its magic, not by the name."""
    handle = open_regular(path, DatasetError)  # a FIFO or device would block or never end
    start = handle.read(2)
    handle.seek(0)
    if start == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=handle, mode="rb")  # type: ignore[return-value]
    return handle


def _parse_header(raw: bytes, name: str) -> IdxHeader:
    if len(raw) < 4:
        raise DatasetError(f"{name} is too short to be an IDX file.")
    zero, code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or code not in TYPE_CODES:
        raise DatasetError(f"{name} is not an IDX file (its first bytes are {raw[:4].hex()}).")
    if not 1 <= ndim <= MAX_DIMS:
        raise DatasetError(f"{name} says it has {ndim} dimensions; IDX data has 1 to {MAX_DIMS}.")
    if len(raw) < 4 + 4 * ndim:
        raise DatasetError(f"{name} ends inside its header.")
    shape = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    header = IdxHeader(np.dtype(TYPE_CODES[code]), tuple(int(s) for s in shape), 4 + 4 * ndim)
    if header.nbytes > MAX_BYTES:
        dims = "×".join(map(str, shape))
        raise DatasetError(f"{name} says it holds {dims} values, far more than an IDX dataset "
                           "should; the file is probably damaged.")  # fmt: skip
    return header


def read_idx_header(path: str | os.PathLike[str]) -> IdxHeader:
    """Only the header: cheap, so shape inference can ask for it often."""
    path = Path(path)
    try:
        with _open(path) as handle:
            raw = handle.read(4 + 4 * MAX_DIMS)
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetError(f"{path} cannot be read: {exc}.") from None
    return _parse_header(raw, path.name)


_cache: FileCache[np.ndarray] = FileCache(_CACHE_SIZE)


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """All values of an IDX file as a native-endian array; the last few reads are cached."""
    path = Path(path)
    stat = regular_stat(path, DatasetError)
    key = (os.path.realpath(path), stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    try:
        with _open(path) as handle:
            raw = handle.read(4 + 4 * MAX_DIMS)
            header = _parse_header(raw, path.name)
            data = raw[header.offset :]
            # One byte more than promised, to notice trailing junk.
            data += handle.read(max(0, header.nbytes + 1 - len(data)))
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetError(f"{path} cannot be read, it may be damaged: {exc}.") from None
    if len(data) != header.nbytes:
        what = "is cut short" if len(data) < header.nbytes else "has extra bytes at the end"
        raise DatasetError(f"{path.name} {what}: its header promises {header.nbytes} bytes of "
                           f"values, it holds {len(data)}.")  # fmt: skip
    array = np.frombuffer(data, dtype=header.dtype).reshape(header.shape)
    array = array.astype(header.dtype.newbyteorder("="), copy=False)
    array.flags.writeable = False
    _cache.put(key, array)
    return array


def write_idx(path: str | os.PathLike[str], array: np.ndarray, compress: bool = False) -> None:
    """Write `array` as an IDX file (tests use it to make small MNIST-like folders)."""
    array = np.asarray(array)
    codes = {np.dtype(v).newbyteorder("="): k for k, v in TYPE_CODES.items()}
    code = codes[array.dtype.newbyteorder("=")]
    big = array.astype(np.dtype(TYPE_CODES[code]), copy=False)
    payload = struct.pack(">HBB", 0, code, array.ndim)
    payload += struct.pack(f">{array.ndim}I", *array.shape) + big.tobytes()
    Path(path).write_bytes(gzip.compress(payload) if compress else payload)


def find_idx_file(folder: Path, prefix: str, kind: str) -> Path | None:
    """`prefix`-`kind` in either spelling (train-images-idx3-ubyte, train-images.idx3-ubyte),
    plain or .gz; None when the folder has neither."""
    dims = 3 if kind == "images" else 1
    for stem in (f"{prefix}-{kind}-idx{dims}-ubyte", f"{prefix}-{kind}.idx{dims}-ubyte"):
        for suffix in ("", ".gz"):
            candidate = folder / (stem + suffix)
            if exists(candidate):  # a FIFO under that name is refused when read, not skipped
                return candidate
    return None
