"""The `.nnstudio` zip container: checked reading of untrusted archives, deterministic writing.

Nothing is ever extracted to disk. Every member's name, flags, declared size and compression
ratio are checked from the zip's directory before a byte is decompressed, and each member is
then read through a size-limited stream, so a zip bomb or a lying header cannot make us
allocate more than the limits below. The safetensors header is parsed here by hand, so the
weights' names, shapes and dtypes can be checked before any tensor exists.
"""

from __future__ import annotations

import io
import json
import math
import struct
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnstudio.core.errors import ProjectFileError
from nnstudio.core.project import MAX_JSON_BYTES
from nnstudio.core.safe_read import open_regular
from nnstudio.core.text_guard import (
    LONE_SURROGATE_ESCAPE,
    scrubbed,
    shown,
    unencodable_text,
)
from nnstudio.core.validation import MAX_PARAMETERS
from nnstudio.core.zip_guard import directory_problem

PROJECT_MEMBER = "project.json"
WEIGHTS_MEMBER = "weights.safetensors"
HISTORY_MEMBER = "history.json"
RECOVERY_MEMBER = "recovery.json"
RUNS_MEMBER = "runs.json"
PINNED_WEIGHTS_MEMBER = "runs.safetensors"
"""Written only into autosaves: where the document came from and when it was saved."""
KNOWN_MEMBERS = (
    PROJECT_MEMBER,
    WEIGHTS_MEMBER,
    HISTORY_MEMBER,
    RECOVERY_MEMBER,
    RUNS_MEMBER,
    PINNED_WEIGHTS_MEMBER,
)

MAX_ARCHIVE_BYTES = 4 * 1024**3
"""The largest .nnstudio file we open at all."""
MAX_MEMBERS = 64
MAX_HISTORY_BYTES = 64 * 1024**2
MAX_RUNS_BYTES = 64 * 1024**2
MAX_WEIGHTS_BYTES = 8 * MAX_PARAMETERS
"""A backstop; the real limit is the exact size the network's weights must have."""
MAX_EXTRA_MEMBER_BYTES = 16 * 1024**2
MAX_TOTAL_BYTES = (
    MAX_JSON_BYTES
    + MAX_HISTORY_BYTES
    + MAX_RUNS_BYTES
    + 2 * MAX_WEIGHTS_BYTES
    + MAX_EXTRA_MEMBER_BYTES
)
MAX_RATIO = 200
"""Members that grow more than this when decompressed (and over RATIO_FLOOR) are refused."""
RATIO_FLOOR = 1024**2
MAX_SAFETENSORS_HEADER = 16 * 1024**2
MAX_TENSOR_RANK = 8

PICKLE_SUFFIXES = (".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin", ".joblib", ".npy", ".npz")
"""Formats that can carry pickled Python objects; a project holding one is refused outright."""

MEMBER_LIMITS = {
    PROJECT_MEMBER: MAX_JSON_BYTES,
    HISTORY_MEMBER: MAX_HISTORY_BYTES,
    WEIGHTS_MEMBER: MAX_WEIGHTS_BYTES,
    RUNS_MEMBER: MAX_RUNS_BYTES,
    PINNED_WEIGHTS_MEMBER: MAX_WEIGHTS_BYTES,
    RECOVERY_MEMBER: 1024**2,
}

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
"""Every member gets this timestamp, so saving the same project twice gives the same bytes."""

SAFETENSORS_ITEMSIZE = {
    "BOOL": 1,
    "U8": 1,
    "I8": 1,
    "F8_E4M3": 1,
    "F8_E5M2": 1,
    "I16": 2,
    "U16": 2,
    "F16": 2,
    "BF16": 2,
    "I32": 4,
    "U32": 4,
    "F32": 4,
    "I64": 8,
    "U64": 8,
    "F64": 8,
}


def _size(n: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


# -- reading ------------------------------------------------------------------------------
def member_name_problem(name: str) -> str | None:
    """Why a member name is unsafe (a path that could escape a folder), or None if it is fine."""
    if not name or len(name) > 255:
        return "an empty or overlong name"
    if "\x00" in name or "\\" in name:
        return f"the name {name!r}, which holds a backslash or NUL character"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return f"the absolute path {name!r}"
    if ".." in name.split("/"):
        return f"the path {name!r}, which climbs out of the archive with '..'"
    return None


class ProjectArchive:
    """An opened .nnstudio zip whose directory has passed every check; read members from it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ignored: list[str] = []
        """Members we do not know, listed for the user; the loader never reads them."""
        self._handle = open_regular(path, ProjectFileError)  # never a FIFO or a device
        try:
            self._open_zip()
        except BaseException:
            self._handle.close()
            raise

    def _open_zip(self) -> None:
        problem = directory_problem(self._handle, MAX_MEMBERS)
        if problem:
            raise self.fail(problem)
        try:
            self._zip = zipfile.ZipFile(self._handle)
        except zipfile.LargeZipFile:
            raise self.fail("is too large to open.") from None
        except (
            zipfile.BadZipFile,
            EOFError,
            ValueError,  # includes bad UTF-8 in a member name
            IndexError,
            OverflowError,
            NotImplementedError,  # "zip file version 6.4" and the like
            struct.error,
        ):
            raise self.fail(
                "is damaged or incomplete (perhaps cut off while copying); the zip archive "
                "inside cannot be read."
            ) from None
        except OSError as exc:
            raise self.fail(f"cannot be read: {exc.strerror or exc}.") from None
        try:
            self.members = self._check_directory()
        except BaseException:
            self._zip.close()
            raise

    def __enter__(self) -> ProjectArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()
        self._handle.close()

    def fail(self, why: str) -> ProjectFileError:
        return ProjectFileError(f"{self.path.name} {why}")

    def _check_directory(self) -> dict[str, zipfile.ZipInfo]:
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise self.fail(f"holds {len(infos)} files; a project holds at most {MAX_MEMBERS}.")
        counts = Counter(info.filename for info in infos)
        dupes = sorted(name for name, n in counts.items() if n > 1)
        if dupes:
            raise self.fail(
                f"holds {dupes[0]!r} more than once, so it is not clear which to read; the "
                "file is damaged or was tampered with."
            )
        total = 0
        members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename
            problem = member_name_problem(name)
            if problem:
                raise self.fail(f"holds a file with {problem}; it is refused as unsafe.")
            if name.lower().endswith(PICKLE_SUFFIXES):
                raise self.fail(
                    f"holds {name!r}, a pickle-based file. Opening pickles can run any code, so "
                    "NN Studio never reads them; this file is refused."
                )
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise self.fail(
                    f"holds {name!r} encrypted; NN Studio projects are never encrypted."
                )
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self.fail(f"holds {name!r} in a compression method NN Studio does not use.")
            limit = MEMBER_LIMITS.get(name, MAX_EXTRA_MEMBER_BYTES)
            if info.file_size > limit:
                raise self.fail(
                    f"holds {name!r} of {_size(info.file_size)}, over the {_size(limit)} limit."
                )
            ratio = info.file_size // max(info.compress_size, 1)
            if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
                raise self.fail(
                    f"holds {name!r}, which would grow {ratio} times when unpacked: that looks "
                    "like a zip bomb and is refused."
                )
            total += info.file_size
            members[name] = info
            if name not in KNOWN_MEMBERS:
                self.ignored.append(name)
        if total > MAX_TOTAL_BYTES:
            raise self.fail(f"would unpack to {_size(total)}, more than a project may hold.")
        return members

    def has(self, name: str) -> bool:
        return name in self.members

    def size(self, name: str) -> int:
        return self.members[name].file_size

    def read(self, name: str, limit: int | None = None, prefix: int | None = None) -> bytes:
        """The member's bytes (or its first `prefix` bytes), never more than `limit`."""
        info = self.members[name]
        limit = min(info.file_size, MEMBER_LIMITS.get(name, MAX_EXTRA_MEMBER_BYTES), limit or 2**62)
        want = limit if prefix is None else min(prefix, limit)
        try:
            with self._zip.open(info) as stream:
                chunks, got = [], 0
                while got < want:
                    chunk = stream.read(min(1024**2, want - got))
                    if not chunk:
                        break
                    chunks.append(chunk)
                    got += len(chunk)
                if prefix is None and got == want and stream.read(1):
                    raise self.fail(f"holds {name!r} larger than its directory entry says.")
        except ProjectFileError:
            raise
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            OSError,
            ValueError,
            RuntimeError,
            struct.error,
        ) as exc:
            raise self.fail(f"is damaged: {name!r} cannot be unpacked ({exc}).") from None
        except NotImplementedError:
            raise self.fail(f"stores {name!r} in a way NN Studio cannot unpack.") from None
        data = b"".join(chunks)
        if len(data) < want:
            raise self.fail(f"is damaged: {name!r} is shorter than its directory entry says.")
        return data


def read_json_member(archive: ProjectArchive, name: str) -> Any:
    return parse_json(archive.read(name), f"Its {name}")


def parse_json(data: bytes, what: str) -> Any:
    """Decode untrusted JSON; every way it can fail becomes a ProjectFileError naming `what`."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProjectFileError(f"{what} is not UTF-8 text, so it is not a project.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProjectFileError(
            f"{what} is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}."
        ) from None
    except RecursionError:
        raise ProjectFileError(f"{what} is nested too deeply to be a project.") from None
    except ValueError as exc:  # e.g. an integer with thousands of digits
        raise ProjectFileError(f"{what} holds a value that cannot be read: {exc}.") from None
    bad = unencodable_text(data)  # a lone surrogate would make every later save fail
    if bad is not None:
        raise ProjectFileError(
            f"{what} holds the text {shown(bad)}, which is not valid Unicode (a lone "
            "surrogate); it could never be saved again, so the file is refused."
        )
    return data


# -- safetensors --------------------------------------------------------------------------
@dataclass(frozen=True)
class TensorEntry:
    """One tensor as a safetensors header declares it; no data has been read."""

    dtype: str
    shape: tuple[int, ...]
    start: int
    end: int


def safetensors_header_length(prefix: bytes, member_size: int, what: str) -> int:
    """The JSON header length from the first 8 bytes, checked against the member's size."""
    if len(prefix) < 8:
        raise ProjectFileError(f"{what} is too short to be a safetensors weights file.")
    length = int.from_bytes(prefix[:8], "little")
    if length < 2 or length > MAX_SAFETENSORS_HEADER or 8 + length > member_size:
        raise ProjectFileError(
            f"{what} is not a safetensors weights file (its header length makes no sense). "
            "It may be a pickle or other format; NN Studio only reads safetensors."
        )
    return length


def parse_safetensors_header(header: bytes, data_size: int, what: str) -> dict[str, TensorEntry]:
    """Check a safetensors JSON header completely; `data_size` is the bytes after the header."""

    def bad(why: str) -> ProjectFileError:
        return ProjectFileError(f"{what} is damaged: {why}")

    raw = parse_json(header, what)
    if not isinstance(raw, dict):
        raise bad("its header is not a JSON object.")
    entries: dict[str, TensorEntry] = {}
    for name, item in raw.items():
        if name == "__metadata__":
            if not isinstance(item, dict) or not all(isinstance(v, str) for v in item.values()):
                raise bad("its metadata must map names to text.")
            continue
        if not isinstance(item, dict) or set(item) != {"dtype", "shape", "data_offsets"}:
            raise bad(f"tensor {name!r} needs exactly 'dtype', 'shape' and 'data_offsets'.")
        dtype, shape, offsets = item["dtype"], item["shape"], item["data_offsets"]
        if not isinstance(dtype, str) or dtype not in SAFETENSORS_ITEMSIZE:
            raise bad(f"tensor {name!r} has the unknown dtype {dtype!r}.")
        if (
            not isinstance(shape, list)
            or len(shape) > MAX_TENSOR_RANK
            or not all(_is_count(d) for d in shape)
        ):
            raise bad(f"tensor {name!r} has a shape that is not a short list of sizes.")
        if not (
            isinstance(offsets, list) and len(offsets) == 2 and all(_is_count(o) for o in offsets)
        ):
            raise bad(f"tensor {name!r} needs 'data_offsets' as [start, end].")
        start, end = offsets
        nbytes = math.prod(shape) * SAFETENSORS_ITEMSIZE[dtype]
        if end - start != nbytes:
            raise bad(f"tensor {name!r} declares {end - start} bytes but its shape needs {nbytes}.")
        entries[name] = TensorEntry(dtype, tuple(shape), start, end)
    position = 0
    for name, entry in sorted(entries.items(), key=lambda kv: (kv[1].start, kv[1].end)):
        if entry.start != position:
            raise bad(f"tensor {name!r} overlaps another or leaves a gap before it.")
        position = entry.end
    if position != data_size:
        raise bad(f"its tensors cover {position} bytes, but {data_size} follow the header.")
    return entries


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**62


# -- writing ------------------------------------------------------------------------------
def build_archive(members: list[tuple[str, bytes, bool]]) -> bytes:
    """A zip of (name, data, compress) members with fixed timestamps: same input, same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data, compress in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.create_system = 3
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
            archive.writestr(info, data, compresslevel=6 if compress else None)
    return buffer.getvalue()


def json_bytes(data: Any) -> bytes:
    """Canonical JSON text of a document: indented, key order kept, always valid JSON."""
    text = json.dumps(data, indent=2, allow_nan=False)
    if LONE_SURROGATE_ESCAPE.search(text):  # text the loader would refuse: replace it
        text = json.dumps(scrubbed(data), indent=2, allow_nan=False)
    return (text + "\n").encode("utf-8")
