"""Autosave copies of unsaved documents, and finding the ones a crashed session left behind.

Each running app is a *session* with a random id. It holds an OS lock on its own
`session-<id>.lock` file for as long as the process lives; the OS drops that lock when the
process dies, however it dies. So a recovery file whose session lock can be taken belongs to a
session that crashed (or was killed), and one whose lock is held belongs to an app that is
still running and must be left alone. The PID in the lock file is only a fallback for systems
without file locks, and a hint for people reading the folder.

Recovery files are ordinary `.nnstudio` archives with one extra member, `recovery.json`,
saying where the document came from and when it was saved, so `load_project` opens them.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from nnstudio import __version__
from nnstudio.core.errors import ProjectFileError
from nnstudio.core.project import Project
from nnstudio.core.project_files import (
    PROJECT_SUFFIX,
    LoadedProject,
    archive_bytes,
    load_project,
    write_file_safely,
)
from nnstudio.core.project_zip import RECOVERY_MEMBER, ProjectArchive, json_bytes, read_json_member
from nnstudio.core.run import RunBook
from nnstudio.core.safe_read import UnsafeFileError, exists, open_regular, why_os_error
from nnstudio.core.safe_write import clean_stale_temps

if TYPE_CHECKING:
    pass

ENV_VAR = "NNSTUDIO_RECOVERY_DIR"
APP_NAME = "NN Studio"
LOCK_PREFIX = "session-"
LOCK_SUFFIX = ".lock"


@dataclass(frozen=True)
class RecoveryEntry:
    """One autosaved document a crashed session left behind."""

    path: Path
    """The recovery archive; open it with `load_project(entry.path)`."""
    source_path: Path | None
    """The file the document was opened from or last saved to; None if it was never saved."""
    saved_at: datetime
    title: str
    session_id: str


def recovery_dir() -> Path:
    """The folder autosaves go to: $NNSTUDIO_RECOVERY_DIR, else the user data folder."""
    override = os.environ.get(ENV_VAR)
    if override:
        folder = Path(override)
    else:
        from platformdirs import user_data_dir

        folder = Path(user_data_dir(APP_NAME, appauthor=False)) / "recovery"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, ValueError) as exc:
        raise ProjectFileError(
            f"The recovery folder {folder} cannot be created: {why_os_error(exc)}. "
            f"Set {ENV_VAR} to a folder you can write to."
        ) from None
    return folder


# -- sessions -----------------------------------------------------------------------------
def _try_lock(handle: IO[bytes]) -> bool | None:
    """Take an exclusive, non-blocking OS lock on an open file.

    True: taken. False: another process holds it. None: this file system has no locks.
    """
    try:
        if os.name == "nt":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):
        return False
    except OSError as exc:
        return False if os.name == "nt" and exc.errno == errno.EDEADLOCK else None
    return True


def _unlock(handle: IO[bytes]) -> None:
    with contextlib.suppress(OSError):
        if os.name == "nt":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class _Session:
    """This process's session: its id, and the locked file that proves it is alive."""

    def __init__(self, folder: Path) -> None:
        self.id = uuid.uuid4().hex[:16]
        self.folder = folder
        self.lock_path = folder / f"{LOCK_PREFIX}{self.id}{LOCK_SUFFIX}"
        info = {"pid": os.getpid(), "started": time.time(), "app_version": __version__}
        # On POSIX, lock under a temporary name and then rename, so no other session ever sees
        # this lock file unlocked (and deletes it as stale). Windows cannot rename an open
        # file, but it cannot delete one either, so there the file is made in place.
        if os.name == "nt":
            tmp = str(self.lock_path)
            self.handle: IO[bytes] | None = open(tmp, "w+b")  # noqa: SIM115 - held open
        else:
            fd, tmp = tempfile.mkstemp(prefix=".session.", suffix=".tmp", dir=folder)
            self.handle = os.fdopen(fd, "w+b")
        try:
            self.handle.write(json.dumps(info).encode("utf-8"))
            self.handle.flush()
            _try_lock(self.handle)  # None (no locks here) falls back to the PID
            if tmp != str(self.lock_path):
                os.replace(tmp, self.lock_path)
        except BaseException:
            self.handle.close()
            self.handle = None
            Path(tmp).unlink(missing_ok=True)
            raise

    def close(self) -> None:
        if self.handle is not None:
            _unlock(self.handle)
            self.handle.close()
            self.handle = None
        self.lock_path.unlink(missing_ok=True)


_session: _Session | None = None


def _current_session() -> _Session:
    global _session
    folder = recovery_dir()
    if _session is None or _session.folder != folder:
        if _session is not None:
            _session.close()
        try:
            _session = _Session(folder)
        except OSError as exc:
            raise ProjectFileError(
                f"The recovery folder {folder} cannot be written: {exc.strerror or exc}."
            ) from None
    return _session


def session_id() -> str:
    """This process's session id (starting the session if needed)."""
    return _current_session().id


def _pid_alive(pid: int) -> bool:
    if os.name == "nt" or pid <= 0:
        return True  # no safe probe there; the file lock is what counts on Windows
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def session_alive(folder: Path, sid: str) -> bool:
    """Whether the session `sid` still runs: its lock file exists and someone holds its lock."""
    lock_path = folder / f"{LOCK_PREFIX}{sid}{LOCK_SUFFIX}"
    if _session is not None and _session.id == sid:
        return True
    if not exists(lock_path):
        return False
    try:
        handle = open_regular(lock_path)  # a FIFO or device must not block or flood us
    except UnsafeFileError:
        return True  # cannot tell; leave its files alone
    with handle:
        locked = _try_lock(handle)
        if locked is not None:
            if locked:
                _unlock(handle)
            return not locked
        try:
            pid = int(json.loads(handle.read(4096) or b"{}").get("pid", 0))
        except (ValueError, AttributeError, TypeError, OSError):
            return True
        return _pid_alive(pid) if pid else True


# -- writing ------------------------------------------------------------------------------
def _document_key(source_path: str | os.PathLike[str] | None) -> str:
    text = str(Path(source_path).resolve()) if source_path else "untitled"
    # surrogatepass: a file name the OS handed over as undecodable bytes still gets a key
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def recovery_path_for(source_path: str | os.PathLike[str] | None) -> Path:
    """This session's recovery file for the document from `source_path` (None: untitled)."""
    session = _current_session()
    return session.folder / f"{session.id}-{_document_key(source_path)}{PROJECT_SUFFIX}"


def write_recovery(
    project: Project,
    runs: RunBook | None = None,
    source_path: str | os.PathLike[str] | None = None,
) -> Path:
    """Autosave the document atomically to the recovery folder; returns the file written.

    Weights that no longer fit an edited network are left out rather than failing the autosave.
    """
    target = recovery_path_for(source_path)
    title = project.title or (Path(source_path).stem if source_path else "Untitled")
    meta = {
        "source_path": str(Path(source_path).resolve()) if source_path else None,
        "saved_at": time.time(),
        "title": title,
        "session": _current_session().id,
        "pid": os.getpid(),
        "app_version": __version__,
    }
    extra = {RECOVERY_MEMBER: json_bytes(meta)}
    try:
        payload = archive_bytes(project, runs, extra)
    except ProjectFileError:
        if runs is None:
            raise
        payload = archive_bytes(project, runs.copy_for_saving(keep_weights=False), extra)
    write_file_safely(target, payload, keep_backup=False, private=True)
    return target


def forget_recovery(source_path: str | os.PathLike[str] | None) -> None:
    """Drop this session's autosave of a document, after it was saved or deliberately closed."""
    if _session is None:
        return  # nothing was autosaved in this session
    with contextlib.suppress(OSError, ProjectFileError):
        recovery_path_for(source_path).unlink(missing_ok=True)


def clear_session() -> None:
    """On a clean exit: delete this session's autosaves and its lock file."""
    global _session
    if _session is None:
        return
    with contextlib.suppress(OSError):  # quitting must not fail over a leftover file
        for path in _session.folder.glob(f"{_session.id}-*{PROJECT_SUFFIX}"):
            path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        _session.close()
    _session = None


# -- finding what a crash left ------------------------------------------------------------
def _read_entry(path: Path, sid: str) -> RecoveryEntry | None:
    try:
        with ProjectArchive(path) as archive:
            if not archive.has(RECOVERY_MEMBER):
                return None
            meta: Any = read_json_member(archive, RECOVERY_MEMBER)
    except ProjectFileError:
        return None  # damaged; left in place for a person to look at, never offered
    if not isinstance(meta, dict):
        return None
    source, saved_at, title = meta.get("source_path"), meta.get("saved_at"), meta.get("title")
    if isinstance(saved_at, bool) or not isinstance(saved_at, (int, float)):
        saved_at = path.stat().st_mtime
    try:
        when = datetime.fromtimestamp(saved_at)
    except (OverflowError, OSError, ValueError):
        when = datetime.fromtimestamp(path.stat().st_mtime)
    return RecoveryEntry(
        path=path,
        source_path=Path(source) if isinstance(source, str) and source else None,
        saved_at=when,
        title=title if isinstance(title, str) and title else "Untitled",
        session_id=sid,
    )


def pending_recoveries() -> list[RecoveryEntry]:
    """Autosaves of sessions that ended without cleaning up (crashed), newest first.

    An unusable recovery folder has nothing to offer, so this gives [] rather than raising.
    """
    try:
        folder = recovery_dir()
    except ProjectFileError:
        return []
    own = _session.id if _session is not None else None
    clean_stale_temps(folder)  # what killed autosaves left half-written
    alive: dict[str, bool] = {}
    entries: list[RecoveryEntry] = []
    for path in folder.glob(f"*{PROJECT_SUFFIX}"):
        sid = path.name.split("-", 1)[0]
        if sid == own or "-" not in path.name:
            continue
        if sid not in alive:
            alive[sid] = session_alive(folder, sid)
        if alive[sid]:
            continue
        entry = _read_entry(path, sid)
        if entry is not None:
            entries.append(entry)
    _remove_stale_locks(folder, own)
    entries.sort(key=lambda e: e.saved_at, reverse=True)
    return entries


def _remove_stale_locks(folder: Path, own: str | None) -> None:
    """Lock files of dead sessions that left no autosaves behind are just clutter."""
    for lock in folder.glob(f"{LOCK_PREFIX}*{LOCK_SUFFIX}"):
        sid = lock.name[len(LOCK_PREFIX) : -len(LOCK_SUFFIX)]
        if sid == own or any(folder.glob(f"{sid}-*{PROJECT_SUFFIX}")):
            continue
        if not session_alive(folder, sid):
            with contextlib.suppress(OSError):
                lock.unlink(missing_ok=True)


def load_recovery(entry: RecoveryEntry) -> LoadedProject:
    """Open an autosave; the caller shows it as unsaved, to be saved to `entry.source_path`."""
    return load_project(entry.path)


def discard_recovery(entry: RecoveryEntry) -> None:
    """Delete an autosave the user chose not to recover (or has recovered and saved)."""
    try:
        entry.path.unlink(missing_ok=True)
    except OSError as exc:
        raise ProjectFileError(
            f"The autosave {entry.path} cannot be deleted: {exc.strerror or exc}."
        ) from None
    _remove_stale_locks(entry.path.parent, _session.id if _session is not None else None)
