"""Writing an export folder all at once or not at all.

Files are written into a hidden temporary folder beside the target, then moved into place,
so a failure (a full disk, no permission) leaves no half-written export behind. A target
folder that exists and holds anything is refused unless the caller forces it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nnstudio.core.errors import ExportError


def check_target(out_dir: Path, force: bool) -> None:
    """Refuse a file, or a folder with something in it unless `force`."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(f"{out_dir} is a file, not a folder: choose a folder to export into.")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        raise ExportError(
            f"{out_dir} is not empty: choose an empty or new folder, or allow overwriting "
            "(--force on the command line)."
        )


@contextmanager
def staged_folder(out_dir: Path, force: bool) -> Iterator[Path]:
    """A temporary folder to write into; on success its files land in `out_dir`."""
    out_dir = Path(out_dir).expanduser().absolute()
    check_target(out_dir, force)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    except OSError as exc:
        raise ExportError(_cannot_write(out_dir.parent, exc)) from None
    try:
        yield stage
        _move_into_place(stage, out_dir)
    except OSError as exc:
        raise ExportError(_cannot_write(out_dir, exc)) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _move_into_place(stage: Path, out_dir: Path) -> None:
    if not out_dir.exists():
        os.replace(stage, out_dir)
        return
    for item in sorted(stage.iterdir()):
        os.replace(item, out_dir / item.name)


def _cannot_write(folder: Path, exc: OSError) -> str:
    why = exc.strerror or str(exc)
    return f"Cannot write the export to {folder}: {why}. Choose a folder you can write to."
