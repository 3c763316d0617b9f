"""Inside a node, in the window: select a node on the canvas and its view is drawn."""

from __future__ import annotations

import os

import pytest

SHOTS = os.environ.get("NNSTUDIO_NODE_VIEW_SHOTS", "")
"""A folder to save each view's picture in (for looking at them, and for docs/images)."""


def _node(window, layer_type: str) -> str:
    graph = window.document.project.graph
    return next(nid for nid, node in graph.nodes.items() if node.type == layer_type)


def _trained(qtbot, make_window, template: str):
    """A window whose template trained one epoch (all its epochs when saving pictures)."""
    window = make_window(template)
    project = window.document.project
    if not SHOTS:
        project.training = project.training.replace(epochs=1)
    training = window.training
    training.ensure_dashboard()
    with qtbot.waitSignal(training.controller.run_finished, timeout=60000):
        training.actions.train.trigger()
    dashboard = training.dashboard
    dashboard.docks[dashboard.node_view.title].raise_()
    return window


def _look_inside(qtbot, window, node_id: str):
    """Select `node_id` on the canvas and wait for its view to be drawn."""
    panel = window.training.dashboard.node_view
    with qtbot.waitSignal(window.node_views.jobs.answered, timeout=30000):
        window.scene.select_nodes([node_id])
    qtbot.waitUntil(lambda: panel.shown is not None, timeout=5000)
    return panel


def _save(qtbot, panel, name: str) -> None:
    """The panel alone, its dock given most of the dashboard's width and height."""
    if not SHOTS:
        return
    from PySide6.QtCore import Qt

    dock = panel.parentWidget()
    dashboard = dock.parentWidget()
    dashboard.resizeDocks([dock], [760], Qt.Orientation.Horizontal)
    dashboard.resizeDocks([dock], [460], Qt.Orientation.Vertical)
    qtbot.wait(100)  # let the layout settle
    panel.grab().save(os.path.join(SHOTS, f"node-view-{name}.png"))


@pytest.fixture
def stop_training():
    windows = []
    yield windows.append
    for window in windows:
        window.training.controller.shutdown(3000)
        window.node_views.jobs.wait()


def test_selecting_a_conv_node_shows_one_tile_per_channel(qtbot, make_window, stop_training):
    window = _trained(qtbot, make_window, "digits_cnn")
    stop_training(window)
    conv = _node(window, "conv2d")
    panel = _look_inside(qtbot, window, conv)
    channels = window.document.project.graph.nodes[conv].params["channels"]
    assert panel.layer_box.currentText() == "Conv2d"  # a name, not "n2"
    assert panel.shown.kind == "feature_maps" and panel.tile_count == channels
    assert panel.shown.values.shape[0] == channels and panel.shown.sample.shape == (8, 8)
    assert panel.tiles.isVisible() and panel.caption.text().startswith("Validation sample 0")
    _save(qtbot, panel, "feature-maps")
    # Another sample: another picture of the same layer.
    first = panel.shown.values.copy()
    with qtbot.waitSignal(window.node_views.jobs.answered, timeout=30000):
        panel.sample_box.setValue(5)
    qtbot.waitUntil(lambda: "sample 5" in panel.caption.text(), timeout=5000)
    assert not (panel.shown.values == first).all()


def test_selecting_an_lstm_shows_its_state_over_time(qtbot, make_window, stop_training):
    window = _trained(qtbot, make_window, "lstm_parity")
    stop_training(window)
    lstm = _node(window, "lstm")
    panel = _look_inside(qtbot, window, lstm)
    hidden = window.document.project.graph.nodes[lstm].params["hidden"]
    assert panel.shown.kind == "sequence_state" and panel.tile_count == 1
    assert panel.shown.values.shape == (1, 8, hidden)  # 8 steps × the hidden units
    assert panel.layer_box.currentText() == "LSTM"
    _save(qtbot, panel, "hidden-state")


def test_selecting_attention_shows_one_heatmap_per_head(qtbot, make_window, stop_training):
    window = _trained(qtbot, make_window, "pointer_sort")
    stop_training(window)
    cross = _node(window, "cross_attention")
    panel = _look_inside(qtbot, window, cross)
    heads = window.document.project.graph.nodes[cross].params["heads"]
    assert panel.shown.kind == "attention" and panel.tile_count == heads
    assert abs(panel.shown.values.sum(axis=-1) - 1).max() < 1e-4
    assert panel.layer_box.currentText() == "Cross-attention"
    _save(qtbot, panel, "attention")
    with qtbot.waitSignal(window.node_views.jobs.answered, timeout=30000):
        window.scene.select_nodes([_node(window, "pointer")])
    qtbot.waitUntil(lambda: panel.shown.layer_id == _node(window, "pointer"), timeout=5000)
    assert panel.tile_count == 1


def test_a_reopened_project_fills_the_view_without_training(
    qtbot, tmp_path, make_window, stop_training
):
    window = _trained(qtbot, make_window, "digits_cnn")
    stop_training(window)
    path = tmp_path / "cnn.nnstudio"
    assert window.save_as(path)
    other = make_window()
    stop_training(other)
    assert other.open_file(path)
    other.training.ensure_dashboard()
    dashboard = other.training.dashboard
    dashboard.docks[dashboard.node_view.title].raise_()
    assert not other.training.controller.busy
    panel = dashboard.node_view
    other.scene.select_nodes([_node(other, "maxpool2d")])  # while the canvas shows
    assert panel.shown is None and not other.node_views.jobs.busy  # hidden: nothing computed
    with qtbot.waitSignal(other.node_views.jobs.answered, timeout=30000):
        other.training.tabs.setCurrentIndex(1)  # the Training view comes forward
    qtbot.waitUntil(lambda: panel.shown is not None, timeout=5000)
    assert panel.shown.kind == "feature_maps" and panel.shown.values.shape[1:] == (4, 4)
    assert panel.layer_box.currentText() == "MaxPool2d"


def test_without_weights_the_panel_says_to_train(qtbot, make_window) -> None:
    window = make_window("digits_cnn")
    window.training.ensure_dashboard()
    dashboard = window.training.dashboard
    dashboard.docks[dashboard.node_view.title].raise_()
    window.scene.select_nodes([_node(window, "conv2d")])
    panel = dashboard.node_view
    assert panel.layer_box.currentData() == _node(window, "conv2d")
    window.training.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: "press Train" in panel.message.text(), timeout=5000)
    assert not window.node_views.jobs.busy


def test_a_block_or_a_layer_inside_it_picks_the_inner_layer(qtbot, make_window) -> None:
    window = make_window("transformer_copy")
    window.training.ensure_dashboard()
    panel = window.training.dashboard.node_view
    block = _node(window, "block")
    inner = next(
        nid
        for nid, node in window.document.project.graph.nodes[block].block.graph.nodes.items()
        if node.type == "self_attention"
    )
    names = [panel.layer_box.itemText(i) for i in range(panel.layer_box.count())]
    assert names == ["Self-attention in Encoder copy 1", "Self-attention in Encoder copy 2"]
    window.scene.select_nodes([block])  # the block itself: its first layer with a view
    assert panel.layer_box.currentData() == f"{block}#1/{inner}"
    panel.layer_box.setCurrentIndex(1)
    assert window.scene.open_block(block)
    window.scene.select_nodes([inner])  # inside the opened block: the first copy
    assert panel.layer_box.currentData() == f"{block}#1/{inner}"


def test_the_panel_draws_what_it_is_handed(qtbot) -> None:
    import numpy as np

    from nnstudio.training.node_views import NodeView
    from nnstudio.ui.panels.node_view import MAX_HEADS, NodeViewPanel

    panel = NodeViewPanel()
    qtbot.addWidget(panel)
    panel.set_layers(
        [("n2", "Conv2d (n2)", "feature_maps"), ("n3", "Self-attention (n3)", "attention")]
    )
    assert [panel.layer_box.itemText(i) for i in range(2)] == ["Conv2d", "Self-attention"]
    assert panel.wanted() == ("n2", 0)
    maps = NodeView("feature_maps", "n2", np.random.rand(5, 6, 6), "row", "column", caption="x")
    panel.show_view(maps)
    assert panel.tile_count == 5 and panel.shown is maps
    panel.show_view(NodeView("feature_maps", "n9", np.zeros((2, 3, 3)), "row", "column"))
    assert panel.shown is maps  # an answer for a layer no longer chosen is dropped
    assert panel.select("n3") and panel.wanted() == ("n3", 0)
    heads = np.full((MAX_HEADS + 2, 4, 4), 0.25)
    panel.show_view(NodeView("attention", "n3", heads, "query position", "key position"))
    assert panel.tile_count == MAX_HEADS
    assert f"first {MAX_HEADS} of {MAX_HEADS + 2} heads" in panel.caption.text()


def test_while_training_the_view_follows_the_live_weights(
    qtbot, make_window, stop_training
) -> None:
    window = make_window("digits_cnn")
    stop_training(window)
    project = window.document.project
    project.training = project.training.replace(epochs=500)  # longer than the test
    training = window.training
    training.ensure_dashboard()
    with qtbot.waitSignal(training.controller.snapshot, timeout=30000):
        training.actions.train.trigger()
    dashboard = training.dashboard
    dashboard.docks[dashboard.node_view.title].raise_()
    panel = _look_inside(qtbot, window, _node(window, "conv2d"))
    assert training.controller.busy and panel.shown.kind == "feature_maps"
    first = panel.shown
    # Later snapshots bring newer weights, and the view is drawn again from them.
    qtbot.waitUntil(lambda: panel.shown is not first, timeout=30000)
    assert training.controller.busy
    with qtbot.waitSignal(training.controller.run_finished, timeout=10000):
        training.controller.stop()
