"""Issue 17: paths, ids, sizes and numbers that used to hang, crash or eat memory.

Each class of failure is tried with its corpus from tests/data/hostile_world.py and with
neighbours of each case. None of these tests may hang: a regression shows as the suite's
faulthandler timeout naming the test.
"""

from __future__ import annotations

import json
import math
import os
import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from nnstudio.core import recovery
from nnstudio.core.datasets import DatasetConfig, load_dataset
from nnstudio.core.datasets.csv_table import read_csv_table
from nnstudio.core.datasets.idx import read_idx, read_idx_header, write_idx
from nnstudio.core.datasets.locate import missing_location, relocated
from nnstudio.core.errors import DatasetError, GraphError, NNStudioError, ProjectFileError
from nnstudio.core.finite import NonFiniteWeightsError, all_finite, non_finite_count
from nnstudio.core.graph_io import graph_from_dict
from nnstudio.core.history import History
from nnstudio.core.history_guard import MAX_HISTORY_VALUES
from nnstudio.core.project import Project
from nnstudio.core.project_files import archive_bytes, check_weights, load_project, save_project
from nnstudio.core.run_io import single_run_book
from nnstudio.core.safe_read import (
    UnsafeFileError,
    is_folder,
    is_regular_file,
    read_bytes,
    regular_stat,
)
from nnstudio.core.safe_write import ReadOnlyFileError, clean_stale_temps, stale_temp_files
from nnstudio.core.templates import TEMPLATES
from tests.data import hostile_world as hw

pytestmark = pytest.mark.skipif(os.name != "posix", reason="FIFOs and device links are POSIX")


def xor_state() -> dict[str, torch.Tensor]:
    from nnstudio.core.compile import compile_graph

    project = TEMPLATES.get("xor_mlp").build()
    model = compile_graph(project.graph, project.shape_context(), seed=0)
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


# -- 1. paths that are not plain files ---------------------------------------------------
@pytest.mark.parametrize("case", sorted(hw.NOT_FILES))
def test_a_project_path_that_is_not_a_file_is_refused(tmp_path, case) -> None:
    path = hw.NOT_FILES[case](tmp_path)
    with pytest.raises(ProjectFileError) as info:
        load_project(path)
    message = str(info.value)
    assert len(message) < 400 and "Errno" not in message


@pytest.mark.parametrize("text", hw.ODD_PATH_TEXT)
def test_path_text_the_os_cannot_take_gives_a_message(text) -> None:
    with pytest.raises(ProjectFileError):
        load_project(text or ".")


def test_the_safe_reader_stops_at_its_limit_and_checks_kinds(tmp_path) -> None:
    small = tmp_path / "small.bin"
    small.write_bytes(b"x" * 100)
    assert read_bytes(small, 100) == b"x" * 100
    with pytest.raises(UnsafeFileError, match="more than the 99"):
        read_bytes(small, 99)
    assert is_regular_file(small) and not is_folder(small)
    assert not is_regular_file(hw.fifo(tmp_path)) and not is_regular_file("a\x00b")
    assert not is_regular_file(hw.long_name(tmp_path)) and not is_folder(hw.deep_path(tmp_path))
    with pytest.raises(UnsafeFileError, match="device"):
        regular_stat(hw.link_to("/dev/zero")(tmp_path))


@pytest.mark.parametrize(
    "case", ["fifo", "socket", "dev_zero", "dev_urandom", "folder", "dangling_link", "link_loop"]
)
def test_the_recovery_folder_survives_odd_autosaves_and_locks(tmp_path, monkeypatch, case) -> None:
    folder = tmp_path / "recovery"
    folder.mkdir()
    monkeypatch.setenv(recovery.ENV_VAR, str(folder))
    build = hw.NOT_FILES[case]
    build(folder, "0123456789abcdef-0123456789ab.nnstudio")
    build(folder, "session-0123456789abcdef.lock")
    build(folder, "fedcba9876543210-0123456789ab.nnstudio") if case != "link_loop" else None
    try:
        assert recovery.pending_recoveries() == []
    finally:
        recovery.clear_session()


@pytest.mark.parametrize("case", ["fifo", "dev_zero", "dev_urandom", "folder", "socket"])
def test_a_csv_source_that_is_not_a_file_is_refused(tmp_path, case) -> None:
    path = hw.NOT_FILES[case](tmp_path, "data.csv")
    with pytest.raises(DatasetError):
        load_dataset(DatasetConfig("csv", {"path": str(path)}))


@pytest.mark.parametrize("case", ["fifo", "dev_zero", "folder"])
def test_an_idx_source_that_is_not_a_file_is_refused(tmp_path, case) -> None:
    path = hw.NOT_FILES[case](tmp_path, "train-images-idx3-ubyte")
    with pytest.raises(DatasetError):
        read_idx(path)
    with pytest.raises(DatasetError):
        read_idx_header(path)
    with pytest.raises(DatasetError):
        load_dataset(DatasetConfig("mnist", {"folder": str(tmp_path)}))


def test_a_project_naming_a_fifo_as_its_csv_opens_with_the_problem(tmp_path) -> None:
    pipe = hw.fifo(tmp_path, "data.csv")
    path = hw.project_with_data(tmp_path, DatasetConfig("csv", {"path": str(pipe)}), "p.nnstudio")
    loaded = load_project(path)
    assert any("named pipe" in note for note in loaded.notes)


# -- 2. data that moved --------------------------------------------------------------------
def _csv_project(tmp_path: Path) -> tuple[Path, Path]:
    data = hw.csv_text(tmp_path, "data.csv", "a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n2,2,1\n")
    project = Project(
        TEMPLATES.get("xor_mlp").build().graph, DatasetConfig("csv", {"path": str(data)})
    )
    project.title = "moved data"
    weights = None
    from nnstudio.core.compile import compile_graph

    model = compile_graph(project.graph, project.shape_context(), seed=0)
    weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
    history = History()
    history.append("train_loss", 1, 0.5)
    path = tmp_path / "project.nnstudio"
    save_project(path, project, single_run_book(project, weights, history))
    return path, data


def test_a_project_whose_csv_moved_opens_with_everything_else_intact(tmp_path) -> None:
    path, data = _csv_project(tmp_path)
    moved = tmp_path / "elsewhere.csv"
    data.rename(moved)
    loaded = load_project(path)
    assert loaded.project.title == "moved data"
    assert loaded.weights is not None and loaded.history is not None
    assert any("is not there" in note and "Locate" in note for note in loaded.notes)
    missing = missing_location(loaded.project.dataset)
    assert missing is not None and missing.kind == "file"
    # Saving keeps the unchecked weights; locating the file makes them checkable again.
    again = save_project(tmp_path / "again.nnstudio", loaded.project, loaded.runs)
    assert load_project(again).weights is not None
    fixed = Project(loaded.project.graph, relocated(loaded.project.dataset, str(moved)))
    assert missing_location(fixed.dataset) is None
    check_weights(fixed, loaded.weights)


def test_a_project_whose_idx_folder_moved_opens(tmp_path) -> None:
    folder = tmp_path / "mnist"
    folder.mkdir()
    write_idx(folder / "train-images-idx3-ubyte", np.zeros((4, 28, 28), np.uint8))
    write_idx(folder / "train-labels-idx1-ubyte", np.arange(4, dtype=np.uint8))
    project = TEMPLATES.get("digits_cnn").build()
    project.dataset = DatasetConfig("mnist", {"folder": str(folder), "n_samples": 100})
    path = tmp_path / "mnist.nnstudio"
    save_project(path, project)
    folder.rename(tmp_path / "gone")
    loaded = load_project(path)
    assert missing_location(loaded.project.dataset).kind == "folder"


# -- 3 (loader side). node ids ------------------------------------------------------------
@pytest.mark.parametrize("tag", sorted(hw.BAD_NODE_IDS))
def test_node_ids_outside_the_safe_pattern_are_refused(tmp_path, tag) -> None:
    path = hw.project_with_node_id(tmp_path, hw.BAD_NODE_IDS[tag], tag)
    with pytest.raises(ProjectFileError, match="id"):
        load_project(path)


@pytest.mark.parametrize("node_id", ["n1", "_x", "A-b_9", "a" * 64])
def test_safe_node_ids_still_load(tmp_path, node_id) -> None:
    path = hw.project_with_node_id(tmp_path, node_id, "ok")
    assert node_id in load_project(path).project.graph.nodes


def test_pasted_nodes_go_through_the_same_id_check() -> None:
    data = TEMPLATES.get("xor_mlp").build().graph.to_dict()
    data["nodes"][0]["id"] = "a.b"
    with pytest.raises(GraphError):
        graph_from_dict(data)


# -- 4. text that cannot be encoded ------------------------------------------------------
@pytest.mark.parametrize("where", ["id", "title", "description", "param"])
def test_lone_surrogates_are_refused_on_open(tmp_path, where) -> None:
    path = hw.project_with_text(tmp_path, where)
    with pytest.raises(ProjectFileError):
        load_project(path)


def test_a_file_name_that_is_not_utf8_saves_and_autosaves(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(recovery.ENV_VAR, str(tmp_path / "recovery"))
    name = os.fsdecode(b"caf\xe9.nnstudio")  # undecodable bytes become a lone surrogate
    project = TEMPLATES.get("xor_mlp").build()
    target = save_project(tmp_path / name, project)
    assert load_project(target).project.graph.to_dict() == project.graph.to_dict()
    try:
        written = recovery.write_recovery(project, source_path=target)
        assert written.is_file()
    finally:
        recovery.clear_session()


# -- 5. sizes refused before the work ------------------------------------------------------
@pytest.mark.parametrize("entries", [65, 70_000, 1_000_000, 5_000_000])
def test_a_zip_directory_claiming_many_entries_is_refused_from_its_end_record(
    tmp_path, entries
) -> None:
    path = hw.zip_claiming_entries(tmp_path, entries)
    with pytest.raises(ProjectFileError, match="files"):
        load_project(path)


def test_a_zip_with_a_huge_directory_is_refused(tmp_path) -> None:
    with pytest.raises(ProjectFileError, match="directory"):
        load_project(hw.zip_with_huge_directory_bytes(tmp_path))


def test_a_real_zip_with_too_many_members_is_refused_unlisted(tmp_path, monkeypatch) -> None:
    path = hw.zip_with_many_entries(tmp_path, 2000)
    listed = []
    monkeypatch.setattr(
        zipfile.ZipFile, "_RealGetContents", lambda self: listed.append(1), raising=True
    )
    with pytest.raises(ProjectFileError, match="2,001 files"):
        load_project(path)
    assert listed == []


def test_a_history_of_millions_of_points_is_refused_before_parsing(tmp_path, monkeypatch) -> None:
    path = hw.archive_with_history(
        tmp_path, "big.nnstudio", hw.history_of_points(2 * MAX_HISTORY_VALUES, 50)
    )
    parsed = []
    import nnstudio.core.project_files as files

    original = files.parse_json
    monkeypatch.setattr(files, "parse_json", lambda *a: parsed.append(a[1]) or original(*a))
    with pytest.raises(ProjectFileError, match="values"):
        load_project(path)
    assert "Its history.json" not in parsed


def test_a_history_just_under_the_limit_opens(tmp_path) -> None:
    path = hw.archive_with_history(tmp_path, "ok.nnstudio", hw.history_of_points(100_000, 20))
    loaded = load_project(path)
    assert loaded.history is not None and len(loaded.history.series) == 20


def test_an_idx_gzip_bomb_is_cut_at_its_header_size(tmp_path) -> None:
    path = hw.idx_gzip_bomb(tmp_path, megabytes=50)
    with pytest.raises(DatasetError, match="extra bytes"):
        read_idx(path)


def test_a_csv_gzip_bomb_stops_at_the_byte_limit(tmp_path, monkeypatch) -> None:
    import nnstudio.core.datasets.csv_table as csv_table

    monkeypatch.setattr(csv_table, "MAX_CSV_BYTES", 4 * 1024**2)
    path = hw.csv_gzip_bomb(tmp_path, megabytes=20)
    with pytest.raises(DatasetError, match="more than 4 MB"):
        read_csv_table(path)


# -- 7. numbers from files -----------------------------------------------------------------
@pytest.mark.parametrize("build", [hw.history_huge_step, hw.history_huge_x])
def test_history_steps_out_of_range_are_refused(tmp_path, build) -> None:
    with pytest.raises(ProjectFileError, match="step"):
        load_project(build(tmp_path))


def test_a_1e308_loss_becomes_a_gap_and_axes_stay_finite(tmp_path) -> None:
    history = load_project(hw.history_1e308_loss(tmp_path)).history
    assert history is not None
    _x, y = history.get("train_loss").arrays()
    assert y[0] == 0.5 and math.isnan(y[1]) and y[2] == 0.4


def test_history_steps_are_range_checked_at_the_edge() -> None:
    assert History.from_dict({"version": 1, "last_step": 2**53, "series": {}}).last_step == 2**53
    with pytest.raises(ProjectFileError, match="last_step"):
        History.from_dict({"version": 1, "last_step": 2**53 + 1, "series": {}})
    with pytest.raises(ProjectFileError, match="step"):
        History.from_dict({"version": 1, "series": {"a": {"x": [-1], "y": [0]}}})


# -- 8. what a run leaves behind -----------------------------------------------------------
def test_non_finite_weights_are_not_saved_without_asking(tmp_path) -> None:
    project = TEMPLATES.get("xor_mlp").build()
    state = xor_state()
    assert all_finite(state)
    key = next(iter(state))
    state[key] = state[key].clone()
    state[key].view(-1)[0] = float("nan")
    state[key].view(-1)[-1] = float("inf")
    assert non_finite_count(state) == 2 and not all_finite(state)
    path = tmp_path / "p.nnstudio"
    save_project(path, project)
    before = path.read_bytes()
    with pytest.raises(NonFiniteWeightsError, match="2 values"):
        save_project(path, project, single_run_book(project, state, None))
    assert path.read_bytes() == before


def test_an_autosave_leaves_non_finite_weights_out(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(recovery.ENV_VAR, str(tmp_path / "recovery"))
    project = TEMPLATES.get("xor_mlp").build()
    state = {k: torch.full_like(v, float("nan")) for k, v in xor_state().items()}
    try:
        written = recovery.write_recovery(project, single_run_book(project, state, None))
        assert load_project(written).weights is None
    finally:
        recovery.clear_session()


def test_archive_bytes_checks_numpy_too() -> None:
    assert non_finite_count({"a": np.array([1.0, np.nan]), "b": np.array([1, 2])}) == 1
    with pytest.raises(NonFiniteWeightsError):
        project = TEMPLATES.get("xor_mlp").build()
        state = {k: torch.full_like(v, float("inf")) for k, v in xor_state().items()}
        archive_bytes(project, single_run_book(project, state, None))


# -- 11. saving: symlinks, read-only files, stale temp files -------------------------------
def test_saving_through_a_symlink_replaces_the_target_atomically(tmp_path) -> None:
    real_dir = tmp_path / "synced"
    real_dir.mkdir()
    target = real_dir / "real.nnstudio"
    project = TEMPLATES.get("xor_mlp").build()
    save_project(target, project)
    link = tmp_path / "link.nnstudio"
    link.symlink_to(target)
    project.title = "through the link"
    save_project(link, project)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert load_project(target).project.title == "through the link"
    assert (real_dir / "real.nnstudio.bak").is_file()  # the backup sits beside the target
    assert not list(tmp_path.glob(".*.tmp")) and not list(real_dir.glob(".*.tmp"))


def test_saving_through_a_chain_of_links_and_a_dangling_link(tmp_path) -> None:
    target = tmp_path / "real.nnstudio"
    project = TEMPLATES.get("xor_mlp").build()
    first = tmp_path / "first.nnstudio"
    second = tmp_path / "second.nnstudio"
    first.symlink_to(second)
    second.symlink_to(target)  # dangling until the save makes the target
    save_project(first, project)
    assert first.is_symlink() and second.is_symlink() and target.is_file()


def test_saving_over_a_read_only_file_asks_first(tmp_path) -> None:
    path = tmp_path / "locked.nnstudio"
    project = TEMPLATES.get("xor_mlp").build()
    save_project(path, project)
    path.chmod(0o444)
    before = path.read_bytes()
    project.title = "changed"
    with pytest.raises(ReadOnlyFileError) as info:
        save_project(path, project)
    assert info.value.path == path and path.read_bytes() == before
    save_project(path, project, replace_read_only=True)
    assert load_project(path).project.title == "changed"
    assert stat.S_IMODE(path.stat().st_mode) == 0o444  # still read-only, as it was


def test_stale_temp_files_of_dead_saves_are_cleaned_live_ones_kept(tmp_path) -> None:
    dead = tmp_path / ".p.nnstudio.nnsave-999999999-abc123.tmp"
    dead.write_bytes(b"x" * 1000)
    live = tmp_path / f".p.nnstudio.nnsave-{os.getppid()}-abc123.tmp"
    live.write_bytes(b"y")
    foreign = tmp_path / ".other.tmp"
    foreign.write_bytes(b"z")
    assert dead in stale_temp_files(tmp_path)
    save_project(tmp_path / "p.nnstudio", TEMPLATES.get("xor_mlp").build())
    assert not dead.exists() and live.exists() and foreign.exists()
    assert clean_stale_temps(tmp_path) == 0


def test_stale_autosave_temps_are_cleaned_at_launch(tmp_path, monkeypatch) -> None:
    folder = tmp_path / "recovery"
    folder.mkdir()
    monkeypatch.setenv(recovery.ENV_VAR, str(folder))
    stale = folder / ".abc-def.nnstudio.nnsave-999999999-x1.tmp"
    stale.write_bytes(b"half")
    try:
        recovery.pending_recoveries()
    finally:
        recovery.clear_session()
    assert not stale.exists()


def test_errors_name_the_problem(tmp_path) -> None:
    with pytest.raises(NNStudioError, match="too long"):
        load_project(hw.long_name(tmp_path))
    data = json.loads(json.dumps({"x": 1}))
    assert data == {"x": 1}


def test_a_failed_save_then_a_save_leaves_no_backup_temp(tmp_path, monkeypatch) -> None:
    """After a failed save the .bak is a hard link to the file; the next backup must not leave
    its temp name behind (rename between two links to one file does nothing)."""
    import errno as errno_module

    path = tmp_path / "p.nnstudio"
    project = TEMPLATES.get("xor_mlp").build()
    save_project(path, project)
    save_project(path, project)  # now p.nnstudio.bak exists

    def full(_fd: int) -> None:
        raise OSError(errno_module.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", full)
        with pytest.raises(ProjectFileError, match="disk is full"):
            save_project(path, project)
    save_project(path, project)
    assert not list(tmp_path.glob(".*.tmp"))
