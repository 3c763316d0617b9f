"""The lesson panels keep what snapshots carry and draw it cheaply."""

from __future__ import annotations

import numpy as np

from nnstudio.training.snapshot import Histogram, Snapshot


def test_unit_map_mosaic_places_each_unit_in_its_tile() -> None:
    from nnstudio.ui.panels.unit_maps import GAP, mosaic

    maps = np.arange(3 * 2 * 2, dtype=np.float32).reshape(3, 2, 2)
    image = mosaic(maps)
    assert image.shape == (2 * 2 + GAP, 2 * 2 + GAP)
    assert np.array_equal(image[:2, :2], maps[0][::-1])
    assert np.array_equal(image[:2, 2 + GAP :], maps[1][::-1])
    assert np.isnan(image[2 + GAP :, 2 + GAP :]).all()


def _snap(step: int, dead: float) -> Snapshot:
    snap = Snapshot(step=step, epoch=0, epoch_fraction=0.0)
    snap.dead_units = {"n3": dead}
    edges = np.linspace(-1.0, 1.0, 5)
    snap.histograms = {"weights": {"n2": Histogram(edges, np.array([1, 2, 3, 4]))}}
    snap.unit_maps = {"n2": np.ones((3, 4, 4), np.float32)}
    return snap


def test_panels_take_snapshots_and_draw_them(qtbot) -> None:
    from nnstudio.ui.panels.dead_units import DeadUnitsPanel
    from nnstudio.ui.panels.histograms import HistogramPanel
    from nnstudio.ui.panels.unit_maps import UnitMapsPanel

    dead, hist, maps = DeadUnitsPanel(), HistogramPanel(), UnitMapsPanel()
    for panel in (dead, hist, maps):
        qtbot.addWidget(panel)
        for step, share in ((10, 0.25), (20, 0.5)):
            panel.take(_snap(step, share))
        panel.redraw()
    x, y = dead.curves["n3"].getData()
    assert x.tolist() == [10, 20] and y.tolist() == [25.0, 50.0]
    back_x, _by, front_x, front_y = hist.ridges()
    assert len(front_x) == 4 and front_y.max() == 1.0  # the newest ridge, scaled to its peak
    assert np.isnan(back_x).sum() == 1  # one older ridge, ended by a break
    assert maps.layer_box.currentData() == "n2" and maps.image.image is not None


def test_dead_units_and_inside_a_node_name_layers_not_node_ids(qtbot) -> None:
    from nnstudio.ui.panels.dead_units import DeadUnitsPanel
    from nnstudio.ui.panels.node_view import NodeViewPanel
    from nnstudio.ui.training.worker import PreparedRun

    names = [("n1", "Input (n1)"), ("n2", "Linear (n2)"), ("n3", "ReLU (n3)")]
    names += [("n4", "Linear (n4)"), ("n5", "ReLU (n5)"), ("n6", "Output (n6)")]
    run = PreparedRun(None, [("n2", "Linear (n2)"), ("n4", "Linear (n4)")], 10, "cpu", names)
    dead, inside = DeadUnitsPanel(), NodeViewPanel()
    for panel in (dead, inside):
        qtbot.addWidget(panel)
        panel.prepare(run)
        snap = _snap(10, 0.25)
        snap.dead_units = {"n3": 0.25, "n5": 0.5}
        snap.unit_maps = {"n2": np.ones((3, 4, 4), np.float32), "n5": np.ones((3, 4, 4))}
        panel.take(snap)
        panel.redraw()
    legend = [label.text for _sample, label in dead.legend.items]
    assert legend == ["ReLU 1", "ReLU 2"]
    assert [inside.layer_box.itemText(i) for i in range(2)] == ["Linear 1", "ReLU 2"]
