"""File → Export in the window: the menu, progress, the result with Open Folder, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QDesktopServices

from nnstudio.core.compile import compile_graph
from nnstudio.core.run import Run, freeze


def _menu_texts(window) -> list[str]:
    return [a.text() for a in window.export_menu.actions()]


def test_the_file_menu_offers_both_exports(make_window) -> None:
    window = make_window("xor_mlp")
    assert window.export_menu.title() == "&Export"
    assert _menu_texts(window) == ["PyTorch script…", "ONNX model…"]


def test_exporting_a_script_names_the_files_and_opens_the_folder(
    make_window, qtbot, tmp_path, monkeypatch
) -> None:
    window = make_window("xor_mlp")
    project = window.document.project
    weights = compile_graph(project.graph, project.shape_context(), seed=3).state_dict()
    window.document.runs.add(Run(project=freeze(project), id="r1", weights=weights))
    # Edits after training do not touch the run: the export is the network that trained.
    first = next(n for n in project.graph.nodes.values() if n.type == "linear")
    project.graph.set_param(first.id, "units", 7)
    exports = window.exports
    out = tmp_path / "script"
    exports.choose_folder = lambda _title: out
    stages: list[str] = []
    exports.window.show_status = stages.append
    with qtbot.waitSignal(exports.finished, timeout=60_000) as finished:
        exports.actions["pytorch"].trigger()
        assert exports.progress_dialog is not None and exports.progress_dialog.isVisible()
    result = finished.args[0]
    assert result is not None and result.folder == out
    assert "weights.safetensors" in result.files
    assert (out / "weights.safetensors").is_file() and (out / "train.py").is_file()
    assert "nn.Linear(2, 4," in (out / "model.py").read_text()  # the run's 4 units, not 7
    assert any("Writing" in stage for stage in stages)
    assert exports.progress_dialog is None
    box = exports.result_box
    assert box is not None and box.isVisible()
    assert "weights.safetensors" in box.informativeText() and str(out) in box.text()
    box.grab().save(str(tmp_path / "result.png"))
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    box.findChild(type(box.buttons()[0]), "open_folder").click()
    assert [Path(p) for p in opened] == [out]
    box.close()
    assert window.errors == []


def test_exporting_onnx_reports_both_checks(make_window, qtbot, tmp_path) -> None:
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    window = make_window("circle_mlp")
    exports = window.exports
    exports.choose_folder = lambda _title: tmp_path / "onnx"
    with qtbot.waitSignal(exports.finished, timeout=60_000) as finished:
        exports.actions["onnx"].trigger()
    assert finished.args[0] is not None
    text = exports.result_box.informativeText()
    assert "model.onnx" in text and "onnx.checker" in text and "onnxruntime" in text
    exports.result_box.close()


def test_a_broken_graph_is_refused_with_the_layer_named(make_window, qtbot, tmp_path) -> None:
    window = make_window("xor_mlp")
    graph = window.document.project.graph
    last = [n for n in graph.nodes.values() if n.type == "linear"][-1]
    graph.set_param(last.id, "units", 3)  # the Output wants one value per sample
    exports = window.exports
    exports.choose_folder = lambda _title: tmp_path / "out"
    with qtbot.waitSignal(exports.finished, timeout=60_000) as finished:
        exports.actions["pytorch"].trigger()
    assert finished.args[0] is None
    [(title, message)] = window.errors
    assert title == "Export failed"
    assert "Output" in message and "set the last Linear to 1 unit" in message
    assert not (tmp_path / "out").exists()


def test_a_folder_with_files_asks_first(make_window, tmp_path) -> None:
    window = make_window("xor_mlp")
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    exports = window.exports
    exports.choose_folder = lambda _title: folder
    asked: list[Path] = []
    exports.confirm_overwrite = lambda folder: asked.append(folder) or False
    assert exports.start("pytorch") is False
    assert asked == [folder] and not exports.busy
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt"]
