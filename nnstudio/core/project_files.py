"""Opening and saving projects: `.nnstudio` zips, and plain JSON projects as an import.

Files are untrusted: whatever is wrong with one, `load_project` raises ProjectFileError with a
message a person can act on, touches nothing outside what it returns, and refuses absurd sizes
before allocating anything. Weights are checked against the network from the safetensors
header alone; torch is imported only when a file actually carries weights, and nothing is
ever unpickled. `save_project` writes atomically and keeps the previous file as `.bak`.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nnstudio.core.errors import NNStudioError, ProjectFileError
from nnstudio.core.finite import check_finite
from nnstudio.core.history import History
from nnstudio.core.history_guard import MAX_RUNS_VALUES, check_history_bytes
from nnstudio.core.layers import ShapeContext
from nnstudio.core.migrations import document_version
from nnstudio.core.project import (
    FORMAT_VERSION,
    MAX_JSON_BYTES,
    Project,
    project_from_dict,
    project_to_dict,
)
from nnstudio.core.project_zip import (
    HISTORY_MEMBER,
    MAX_ARCHIVE_BYTES,
    PINNED_WEIGHTS_MEMBER,
    PROJECT_MEMBER,
    RUNS_MEMBER,
    WEIGHTS_MEMBER,
    ProjectArchive,
    TensorEntry,
    build_archive,
    json_bytes,
    parse_json,
    parse_safetensors_header,
    read_json_member,
    safetensors_header_length,
)
from nnstudio.core.run import Run, RunBook
from nnstudio.core.run_io import (
    kept_weights,
    read_runs_document,
    runs_document,
    single_run_book,
    split_pinned_weights,
)
from nnstudio.core.safe_read import is_regular_file, open_regular, read_bytes, why_os_error
from nnstudio.core.safe_write import atomic_write as atomic_write_bytes
from nnstudio.core.safe_write import (
    clean_stale_temps,
    make_temp,
    refuse_read_only,
    release_temp,
    save_target,
)
from nnstudio.core.validation import MAX_PARAMETERS, analyze

if TYPE_CHECKING:
    import torch

PROJECT_SUFFIX = ".nnstudio"
BACKUP_SUFFIX = ".bak"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")

WeightLayout = dict[str, tuple[tuple[int, ...], str]]
"""State-dict key -> (shape, safetensors dtype name)."""


@dataclass
class LoadedProject:
    """Everything an opened file holds. `imported` is True for a plain JSON project."""

    project: Project
    runs: RunBook
    path: Path
    format_version: int = FORMAT_VERSION
    """The version the file was written in, before migration."""
    imported: bool = False
    notes: list[str] = field(default_factory=list)
    """Things worth telling the user that did not stop the file from opening."""

    @property
    def current_run(self) -> Run | None:
        return self.runs.current_run

    @property
    def weights(self) -> dict[str, torch.Tensor] | None:
        """The current run's trained weights, if it has any."""
        run = self.runs.current_run
        return run.weights if run is not None else None

    @property
    def history(self) -> History | None:
        """The current run's curves, if there is a run."""
        run = self.runs.current_run
        return run.history if run is not None else None


# -- paths --------------------------------------------------------------------------------
def backup_path(path: str | os.PathLike[str]) -> Path:
    """Where the previous version of a saved project is kept: `name.nnstudio.bak`."""
    path = Path(path)
    return path.with_name(path.name + BACKUP_SUFFIX)


def nnstudio_path_for(path: str | os.PathLike[str]) -> Path:
    """The `.nnstudio` file a project opened from `path` should be saved to."""
    path = Path(path)
    return path if path.suffix.lower() == PROJECT_SUFFIX else path.with_suffix(PROJECT_SUFFIX)


# -- checks -------------------------------------------------------------------------------
def check_network_size(project: Project) -> int:
    """The parameters compiling would allocate; ProjectFileError if over MAX_PARAMETERS. No torch.

    It counts what the compiler counts (see compile.compile_analyzed), from the declared
    parameter-count rules, so an absurd network is refused before anything is allocated.
    """
    analysis = analyze(project.graph, context_or_problem(project))
    total = analysis.total_params
    if total > MAX_PARAMETERS:
        raise ProjectFileError(
            f"This project's network would have {total:,} parameters, more than the "
            f"{MAX_PARAMETERS:,} NN Studio allows, so it was not opened."
        )
    return total


def context_or_problem(project: Project) -> ShapeContext:
    """The project's shape context; when its data cannot be found or read, one that carries
    the problem, so the project still opens and the Input node shows what to fix."""
    try:
        return project.shape_context()
    except NNStudioError as exc:
        return ShapeContext(None, data_problem=str(exc))


def data_problem(project: Project) -> str | None:
    """Why the project's data cannot be described now (a moved CSV file ...), or None."""
    return context_or_problem(project).data_problem


def expected_weights(project: Project) -> WeightLayout:
    """The state-dict layout the project's network has, found without allocating any memory."""
    import torch

    from nnstudio.core.compile import compile_graph

    names = {dtype: name for name, dtype in _torch_dtypes().items()}
    try:
        with torch.device("meta"):
            model = compile_graph(project.graph, project.shape_context(), seed=None)
    except NNStudioError as exc:
        raise ProjectFileError(
            f"The network has a problem, so its trained weights cannot be checked: {exc}"
        ) from None
    layout: WeightLayout = {}
    for key, tensor in model.state_dict().items():
        if tensor.dtype not in names:
            raise ProjectFileError(f"Weights of type {tensor.dtype} cannot be saved.")
        layout[key] = (tuple(tensor.shape), names[tensor.dtype])
    return layout


def _torch_dtypes() -> dict[str, Any]:
    """Safetensors dtype name -> torch dtype; a function so importing this module skips torch."""
    import torch

    return {
        "BOOL": torch.bool,
        "U8": torch.uint8,
        "I8": torch.int8,
        "I16": torch.int16,
        "F16": torch.float16,
        "BF16": torch.bfloat16,
        "I32": torch.int32,
        "F32": torch.float32,
        "I64": torch.int64,
        "F64": torch.float64,
    }


def compare_layout(expected: WeightLayout, found: WeightLayout) -> None:
    """Raise ProjectFileError naming the first way `found` weights disagree with the network."""
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    if missing:
        raise ProjectFileError(
            f"The weights lack {missing[0]!r}"
            + (f" and {len(missing) - 1} more" if len(missing) > 1 else "")
            + ", which the network needs: they belong to a different network."
        )
    if extra:
        raise ProjectFileError(f"The weights hold {extra[0]!r}, which the network does not have.")
    for key, (shape, dtype) in expected.items():
        got_shape, got_dtype = found[key]
        if got_shape != shape:
            raise ProjectFileError(
                f"The weight {key!r} has shape {list(got_shape)}, but the network needs "
                f"{list(shape)}: the weights belong to a different network."
            )
        if got_dtype != dtype:
            raise ProjectFileError(
                f"The weight {key!r} is stored as {got_dtype}, but the network uses {dtype}."
            )


def check_weights(project: Project, weights: dict[str, torch.Tensor]) -> None:
    """Raise ProjectFileError unless `weights` is exactly a state dict of the project's network.

    The editor can call this after a graph edit to learn whether trained weights still fit.
    While the data cannot be found the network's shapes are unknown, so the weights are kept
    unchecked; they are checked again once the data is there.
    """
    if data_problem(project) is not None:
        return
    compare_layout(expected_weights(project), layout_of_tensors(weights))


def layout_of_tensors(weights: dict[str, torch.Tensor]) -> WeightLayout:
    names = {dtype: name for name, dtype in _torch_dtypes().items()}
    found: WeightLayout = {}
    for key, tensor in weights.items():
        if tensor.dtype not in names:
            raise ProjectFileError(f"The weight {key!r} has the unsupported type {tensor.dtype}.")
        found[key] = (tuple(tensor.shape), names[tensor.dtype])
    return found


# -- loading ------------------------------------------------------------------------------
def read_project_document(data: Any) -> Project:
    """A Project from a parsed project.json of any known version, size-checked. No torch."""
    project = project_from_dict(data)
    check_network_size(project)
    return project


def load_project(path: str | os.PathLike[str]) -> LoadedProject:
    """Open a `.nnstudio` project or import a plain JSON one; ProjectFileError says what failed.

    Every message starts with the file's name, so it can be shown to the user as it is.
    """
    path = Path(path)
    with open_regular(path, ProjectFileError) as handle:  # a FIFO or device is refused
        try:
            size = os.fstat(handle.fileno()).st_size
            head = handle.read(4)
        except OSError as exc:
            raise ProjectFileError(f"{path.name} cannot be opened: {why_os_error(exc)}.") from None
    if size == 0:
        raise ProjectFileError(f"{path.name} is empty, so there is no project in it.")
    if size > MAX_ARCHIVE_BYTES:
        raise ProjectFileError(f"{path.name} is too large ({size:,} bytes) to be a project.")
    try:
        if head in ZIP_MAGIC:
            return _load_archive(path)
        if head.lstrip().startswith((b"{", b"[", b"\xef\xbb\xbf")) or path.suffix == ".json":
            return _import_json(path, size)
    except ProjectFileError as exc:
        message = str(exc)
        if message.startswith(path.name):
            raise
        raise ProjectFileError(f"{path.name} cannot be opened. {message}") from None
    raise ProjectFileError(
        f"{path.name} is not an NN Studio project: it is neither a .nnstudio archive nor a "
        "JSON project."
    )


def _import_json(path: Path, size: int) -> LoadedProject:
    if size > MAX_JSON_BYTES:
        raise ProjectFileError(f"{path.name} is {size:,} bytes, too large for a project.")
    data = parse_json(read_bytes(path, MAX_JSON_BYTES, ProjectFileError), path.name)
    version = document_version(data)
    project = read_project_document(data)
    return LoadedProject(project, RunBook(), path, version, imported=True)


def _load_archive(path: Path) -> LoadedProject:
    with ProjectArchive(path) as archive:
        if not archive.has(PROJECT_MEMBER):
            raise archive.fail(f"has no {PROJECT_MEMBER}, so there is no project in it.")
        data = read_json_member(archive, PROJECT_MEMBER)
        version = document_version(data)
        project = read_project_document(data)
        notes = [
            f"{path.name} also holds {name!r}, which this version of NN Studio ignores."
            for name in archive.ignored
        ]
        if archive.has(RUNS_MEMBER):
            try:
                book = _read_book(archive, project)
            except ProjectFileError as exc:
                notes.append(f"{exc} The runs were left out; the project itself is intact.")
                book = RunBook()
        else:
            history = None
            if archive.has(HISTORY_MEMBER):
                raw = archive.read(HISTORY_MEMBER)
                check_history_bytes(raw)  # before the parser builds millions of floats
                history = History.from_dict(parse_json(raw, f"Its {HISTORY_MEMBER}"))
            weights = _read_weights(archive, project) if archive.has(WEIGHTS_MEMBER) else None
            book = single_run_book(project, weights, history)
        problem = data_problem(project)
        if problem:
            notes.append(f"Its data cannot be read: {problem}")
    return LoadedProject(project, book, path, version, notes=notes)


def _read_book(archive: ProjectArchive, project: Project) -> RunBook:
    """The runs, with the current run's weights and every pinned run's, each checked against
    the network that run trained."""
    raw = archive.read(RUNS_MEMBER)
    check_history_bytes(raw, MAX_RUNS_VALUES)  # before the parser builds millions of floats
    book = read_runs_document(parse_json(raw, f"Its {RUNS_MEMBER}"), project)
    current = book.current_run
    if archive.has(WEIGHTS_MEMBER) and current is not None:
        current.weights = _read_weights(archive, current.project)
    if archive.has(PINNED_WEIGHTS_MEMBER):
        tensors = _read_tensors(archive, PINNED_WEIGHTS_MEMBER)
        for run_id, state in split_pinned_weights(tensors).items():
            run = book.get(run_id)
            if run is None or run is current:
                raise ProjectFileError(f"Kept weights name the run {run_id!r}, which is not kept.")
            compare_layout(expected_weights(run.project), layout_of_tensors(state))
            run.weights = state
    return book


def _read_weights(archive: ProjectArchive, project: Project) -> dict[str, torch.Tensor]:
    """Check the header against the network, then read exactly the bytes that must be there."""
    if data_problem(project):  # shapes unknown until the data is found: checked then
        return _read_tensors(archive, WEIGHTS_MEMBER)
    expected = expected_weights(project)
    tensors = _read_tensors(
        archive, WEIGHTS_MEMBER, lambda entries: compare_layout(expected, _layout_of(entries))
    )
    compare_layout(expected, layout_of_tensors(tensors))  # what was read is what was checked
    return tensors


def _read_tensors(
    archive: ProjectArchive, member: str, check_header: Any = None
) -> dict[str, torch.Tensor]:
    """A safetensors member, its header checked (and by `check_header`) before any tensor."""
    what = f"Its {member}"
    size = archive.size(member)
    length = safetensors_header_length(archive.read(member, prefix=8), size, what)
    header = archive.read(member, prefix=8 + length)[8:]
    entries = parse_safetensors_header(header, size - 8 - length, what)
    if check_header is not None:
        check_header(entries)
    payload = archive.read(member, limit=size)

    from safetensors import SafetensorError
    from safetensors.torch import load as load_safetensors

    try:
        tensors = load_safetensors(payload)
    except (SafetensorError, ValueError, RuntimeError) as exc:
        raise ProjectFileError(f"{what} cannot be read: {exc}") from None
    return tensors


def _layout_of(entries: dict[str, TensorEntry]) -> WeightLayout:
    return {name: (entry.shape, entry.dtype) for name, entry in entries.items()}


# -- saving -------------------------------------------------------------------------------
def project_json_bytes(project: Project) -> bytes:
    """The exact project.json a save writes; saving an unchanged project gives the same bytes."""
    return json_bytes(project_to_dict(project))


def archive_bytes(
    project: Project,
    runs: RunBook | None = None,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """The whole .nnstudio file in memory; kept weights are checked against their networks."""
    try:
        members = [(PROJECT_MEMBER, project_json_bytes(project), True)]
    except ValueError as exc:  # a NaN or inf slipped into a setting or position
        raise ProjectFileError(f"The project holds a value JSON cannot store: {exc}.") from None
    if runs is not None and runs.runs:
        from safetensors.torch import save as save_safetensors

        current_weights, pinned = kept_weights(runs)
        if current_weights is not None:
            cpu = _cpu_finite(current_weights)
            check_weights(runs.current_run.project, cpu)  # type: ignore[union-attr]
            members.append((WEIGHTS_MEMBER, save_safetensors(cpu), False))
        if pinned:
            members.append((PINNED_WEIGHTS_MEMBER, save_safetensors(_cpu_finite(pinned)), False))
        members.append((RUNS_MEMBER, json_bytes(runs_document(runs, project)), True))
    for name, data in (extra or {}).items():
        members.append((name, data, True))
    return build_archive(members)


def _cpu_finite(weights: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """CPU copies; refuses weights that are no longer numbers rather than saving them."""
    cpu = {key: t.detach().to("cpu").contiguous() for key, t in weights.items()}
    check_finite(cpu)  # NonFiniteWeightsError: a diverged run's weights are never written
    return cpu


def save_project(
    path: str | os.PathLike[str],
    project: Project,
    runs: RunBook | None = None,
    replace_read_only: bool = False,
) -> Path:
    """Write a .nnstudio file atomically, keeping the previous one as `.bak`; returns the path.

    `runs` are the project's runs; their weights must not change while saving, so pass copies
    if training may be running. On any failure the file on disk is unchanged and
    ProjectFileError says why.
    """
    path = Path(path)
    payload = archive_bytes(project, runs)
    write_file_safely(path, payload, keep_backup=True, replace_read_only=replace_read_only)
    return path


def write_file_safely(
    path: Path,
    payload: bytes,
    keep_backup: bool = True,
    private: bool = False,
    replace_read_only: bool = False,
) -> None:
    """Atomic replace of `path` with `payload`, the old file kept as `.bak` when asked.

    A symlink is saved through, to its target (see safe_write); a read-only file raises
    ReadOnlyFileError unless `replace_read_only`. The temp file is created owner-only; unless
    `private`, the result gets the replaced file's permissions (or the usual ones for a new
    file), as if it had been written in place.
    """
    try:
        path = save_target(path)
        if not private:
            refuse_read_only(path, replace_read_only)
        clean_stale_temps(path.parent)
        mode = None if private else _mode_for(path)
        if keep_backup and is_regular_file(path):
            _keep_backup(path)
        atomic_write_bytes(path, payload, mode)
        _sync_folder(path.parent)
    except OSError as exc:
        raise ProjectFileError(
            f"{path.name} could not be saved: {_why(exc, path)}. "
            "The file on disk (if there was one) is unchanged."
        ) from None


def _mode_for(path: Path) -> int | None:
    if os.name != "posix":
        return None
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it (os.umask would race other threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def _keep_backup(path: Path) -> None:
    """Make `name.bak` a copy of the current file (a hard link when possible), atomically."""
    target = backup_path(path)
    fd, tmp = make_temp(target)
    os.close(fd)
    try:
        os.unlink(tmp)
        try:
            os.link(path, tmp)
        except OSError:
            shutil.copyfile(path, tmp)
        os.replace(tmp, target)
        # rename() does nothing when both names are links to one file (the .bak already is
        # the current file, after a failed save): then the temp name is still there.
        Path(tmp).unlink(missing_ok=True)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        release_temp(tmp)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the OS allows syncing a folder."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _why(exc: OSError, path: Path) -> str:
    code = exc.errno
    if code in (errno.EACCES, errno.EPERM):
        return f"you do not have permission to write in {path.parent}"
    if code == errno.ENOSPC:
        return "the disk is full"
    if code == errno.EFBIG:
        return "the file would be larger than this system lets a file grow (a file-size limit)"
    if code == errno.EDQUOT:
        return "your disk quota is used up"
    if code == errno.EROFS:
        return "the disk is read-only"
    if code == errno.ENOENT:
        return f"the folder {path.parent} does not exist"
    return exc.strerror or str(exc)
