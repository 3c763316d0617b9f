"""The dataset preview shows every kind of data: image grids, table scatters, sequence text."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from nnstudio.core.datasets import DatasetConfig
from nnstudio.ui.dataset_preview import SEQUENCE_SEP, DatasetPreview


@pytest.fixture
def preview(qtbot):
    widget = DatasetPreview()
    qtbot.addWidget(widget)
    widget.resize(300, 260)
    widget.show()
    widget.ensure_plot()
    return widget


def show(preview: DatasetPreview, name: str, **values) -> None:
    preview.set_config(DatasetConfig(name, values))
    preview.refresh()


def test_digits_show_a_grid_of_labelled_samples(preview, qtbot) -> None:
    pytest.importorskip("sklearn")
    show(preview, "digits")
    assert preview.stack.currentWidget() is preview.grid
    assert len(preview.grid.captions) == 24
    assert all(c in "0123456789" for c in preview.grid.captions)
    assert "train 1079" in preview.legend.text()
    image = preview.grid.grab().toImage()  # it paints without errors, and paints something
    assert image.width() > 0 and len({image.pixel(x, 40) for x in range(image.width())}) > 2


def test_tables_scatter_their_first_two_columns(preview) -> None:
    pytest.importorskip("sklearn")
    show(preview, "iris")
    assert preview.stack.currentWidget() is preview.plot
    assert preview.counts == {"train": 90, "val": 30, "test": 30}
    assert "sepal length (cm) against sepal width (cm)" in preview.legend.text()
    train = preview._items["train"].data
    assert len(train) == 90


def test_sequences_are_written_out_with_their_answers(preview) -> None:
    show(preview, "parity", length=6)
    assert preview.stack.currentWidget() is preview.text
    lines = preview.text.toPlainText().splitlines()
    assert len(lines) == 8
    for line in lines:
        answer, bits = (part.strip() for part in line.split(SEQUENCE_SEP))
        count = sum(int(b) for b in bits.split())
        assert answer == ("odd" if count % 2 else "even")
    show(preview, "adding", length=5)
    answer, steps = preview.text.toPlainText().splitlines()[0].split(SEQUENCE_SEP)
    marked = [float(v.strip("[]")) for v in steps.split() if v.startswith("[")]
    assert len(marked) == 2
    assert float(answer) == pytest.approx(sum(marked), abs=0.02)


def test_missing_scikit_learn_is_explained(preview, monkeypatch) -> None:
    for name in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sklearn", None)
    show(preview, "wine")
    assert preview.stack.currentWidget() is preview.message
    assert "install scikit-learn to use it" in preview.message.text()


def test_image_folder_problems_are_explained(preview) -> None:
    show(preview, "mnist", folder="")
    assert "Choose the folder" in preview.message.text()


def test_points_still_keep_their_aspect_after_a_table(preview) -> None:
    pytest.importorskip("sklearn")
    show(preview, "diabetes")
    show(preview, "circle")
    view = preview.plot.getPlotItem().getViewBox()
    assert view.state["aspectLocked"]
    assert np.isclose(len(preview._items["train"].data), 360)
