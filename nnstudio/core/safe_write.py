"""Where a save really goes, whether it may go there, and the temporary files it leaves.

- A path that is a symlink (a project kept in a synced folder, say) is saved *through*: the
  link's target is replaced, atomically, by a temp file made beside the target, and the
  link stays a link.
- A file the user cannot write (read-only) is not silently replaced: `ReadOnlyFileError`
  lets the GUI ask first, as editors do, and save again with `replace_read_only=True`.
- Temp files are named `.NAME.nnsave-PID-RANDOM.tmp`. One whose process is gone was left by
  a killed save; the next save into that folder (and the next launch, for the recovery
  folder) deletes it. Files of a process that still runs are never touched.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import threading
import time
from pathlib import Path

from nnstudio.core.errors import ProjectFileError

TEMP_SUFFIX = ".tmp"
TEMP_TAG = ".nnsave-"
_TEMP_RE = re.compile(r"^\..+\.nnsave-(\d{1,10})-[A-Za-z0-9_]+\.tmp$")
_OLD_TEMP_RE = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")
"""The naming before this module (mkstemp's 8 random characters): removed once an hour old."""
OLD_TEMP_AGE_S = 3600.0

_active: set[str] = set()
"""Temp files this process is writing right now (autosave runs on another thread)."""
_active_lock = threading.Lock()


class ReadOnlyFileError(ProjectFileError):
    """The file to save over is read-only; ask the user, then save with replace_read_only."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path.name} is read-only. Saving would replace it; NN Studio asks first."
        )
        self.path = path


def save_target(path: str | os.PathLike[str]) -> Path:
    """The file a save to `path` must replace: the final target when `path` is a symlink."""
    path = Path(path)
    if not path.is_symlink():
        return path
    return Path(os.path.realpath(path))


def refuse_read_only(path: Path, replace_read_only: bool) -> None:
    """ReadOnlyFileError when `path` exists and this user may not write it (unless allowed)."""
    if replace_read_only:
        return
    try:
        info = path.stat()
    except (OSError, ValueError):
        return
    if not stat.S_ISREG(info.st_mode):
        return
    # No write bit for anyone counts too: root may write anything, but the user said no.
    if not os.access(path, os.W_OK) or not info.st_mode & 0o222:
        raise ReadOnlyFileError(path)


def make_temp(target: Path) -> tuple[int, str]:
    """A new, owner-only temp file beside `target`, registered as in use: (fd, path)."""
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}{TEMP_TAG}{os.getpid()}-", suffix=TEMP_SUFFIX, dir=target.parent
    )
    with _active_lock:
        _active.add(tmp)
    return fd, tmp


def release_temp(tmp: str) -> None:
    with _active_lock:
        _active.discard(tmp)


def atomic_write(target: Path, payload: bytes, mode: int | None = None) -> None:
    """Write via a temp file beside `target`, fsync, set `mode`, then rename over `target`."""
    fd, tmp = make_temp(target)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        release_temp(tmp)


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name == "nt":
        return True  # no cheap, safe probe; such files go by age instead
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def stale_temp_files(folder: Path) -> list[Path]:
    """Temp files of our naming in `folder` that no running save owns."""
    found: list[Path] = []
    try:
        names = os.listdir(folder)
    except (OSError, ValueError):
        return found
    now = time.time()
    with _active_lock:
        active = set(_active)
    for name in names:
        if not name.endswith(TEMP_SUFFIX) or not name.startswith("."):
            continue
        path = folder / name
        if str(path) in active:
            continue
        match = _TEMP_RE.match(name)
        if match is not None:
            pid = int(match.group(1))
            ours_or_dead = pid == os.getpid() or not _pid_alive(pid)
            if ours_or_dead or (os.name == "nt" and _age(path, now) > OLD_TEMP_AGE_S):
                found.append(path)
        elif _OLD_TEMP_RE.match(name) and _age(path, now) > OLD_TEMP_AGE_S:
            found.append(path)
    return found


def _age(path: Path, now: float) -> float:
    try:
        return now - path.lstat().st_mtime
    except (OSError, ValueError):
        return 0.0


def clean_stale_temps(folder: Path) -> int:
    """Delete the temp files killed saves left in `folder`; returns how many went."""
    removed = 0
    for path in stale_temp_files(folder):
        try:
            if path.is_symlink() or path.is_file():
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed
