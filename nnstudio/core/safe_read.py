"""Reading files that may not be what their names say: FIFOs, devices, folders, huge files.

Every file the app reads (projects, CSV, IDX, autosaves, locks, settings) goes through here.
A path is stat'ed first and must be a regular file; it is opened non-blocking, so a FIFO
cannot stall the open; the opened descriptor is checked again (the path may have been
swapped in between); and reads stop at a byte limit, so `/dev/zero` behind a symlink or a
file that grows while we read cannot flood memory. Any OSError or bad path text (too long,
too deep, NUL bytes, lone surrogates) becomes the caller's own error type with a message.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from nnstudio.core.errors import NNStudioError

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


class UnsafeFileError(NNStudioError):
    """A path cannot be read as a plain file; the message says why."""


def _name(path: str | os.PathLike[str]) -> str:
    """The file's name for a message, short and printable whatever the path holds."""
    try:
        name = Path(path).name or str(path)
    except (TypeError, ValueError):
        name = repr(path)
    name = name.encode("utf-8", "backslashreplace").decode("utf-8")
    return name if len(name) <= 80 else name[:60] + "…" + name[-15:]


def kind_of(mode: int) -> str:
    """What a file of this st_mode is, in words ("a folder", "a named pipe (FIFO)" ...)."""
    for test, words in _KINDS:
        if test(mode):
            return words
    return "not a regular file"


def why_os_error(exc: BaseException) -> str:
    """A short reason for an OSError (or a path the OS cannot take at all)."""
    if isinstance(exc, OSError):
        code = exc.errno
        if code == errno.ENAMETOOLONG:
            return "its name or path is too long for the system"
        if code == errno.ELOOP:
            return "it is a loop of symbolic links, or the path is too deep"
        if code in (errno.EACCES, errno.EPERM):
            return "you do not have permission to read it"
        return exc.strerror or str(exc)
    if isinstance(exc, UnicodeError):
        return "its name holds characters the system cannot use"
    if isinstance(exc, ValueError):
        return "its name holds a character the system cannot use"
    return str(exc)


def regular_stat(
    path: str | os.PathLike[str], error: type[Exception] = UnsafeFileError
) -> os.stat_result:
    """stat() of `path` (through symlinks), raising `error` unless it is a regular file."""
    try:
        info = os.stat(path)
    except (OSError, ValueError) as exc:
        raise error(f"{_name(path)} cannot be read: {why_os_error(exc)}.") from None
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{_name(path)} is {kind_of(info.st_mode)}, not a file that can be read.")
    return info


def open_regular(
    path: str | os.PathLike[str], error: type[Exception] = UnsafeFileError
) -> BinaryIO:
    """Open a regular file for reading without ever blocking; `error` for anything else."""
    regular_stat(path, error)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except (OSError, ValueError) as exc:
        raise error(f"{_name(path)} cannot be read: {why_os_error(exc)}.") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # swapped after the first stat
            raise error(f"{_name(path)} is {kind_of(info.st_mode)}, not a file that can be read.")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_limited(handle: BinaryIO, limit: int) -> bytes:
    """At most `limit` + 1 bytes, so the caller can tell a file that is over the limit."""
    chunks: list[bytes] = []
    left = limit + 1
    while left > 0:
        chunk = handle.read(min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_bytes(
    path: str | os.PathLike[str],
    limit: int,
    error: type[Exception] = UnsafeFileError,
    what: str = "",
) -> bytes:
    """The whole regular file, refused with `error` if it holds more than `limit` bytes."""
    label = what or _name(path)
    with open_regular(path, error) as handle:
        try:
            size = os.fstat(handle.fileno()).st_size
            if size > limit:
                raise error(f"{label} is {size:,} bytes, more than the {limit:,} allowed.")
            data = read_limited(handle, limit)
        except OSError as exc:
            raise error(f"{label} cannot be read: {why_os_error(exc)}.") from None
    if len(data) > limit:
        raise error(f"{label} grew past the {limit:,} bytes allowed while it was read.")
    return data


def is_regular_file(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is a regular file; False (never an exception) for any odd path."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def is_folder(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is a folder; False (never an exception) for any odd path."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def exists(path: str | os.PathLike[str]) -> bool:
    """Whether anything is at `path` (a dangling symlink counts); False for any odd path."""
    try:
        os.lstat(path)
    except (OSError, ValueError):
        return False
    return True
