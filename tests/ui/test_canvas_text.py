"""Issue 15 item 12: node titles, summaries and counts are never cut short; the full text
shows on hover; a wire's shape label is never hidden under a card or clipped."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QFontMetricsF, QHelpEvent, QImage, QPainter
from PySide6.QtWidgets import QApplication, QStyleOptionGraphicsItem, QToolTip

from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.graph import Graph
from nnstudio.core.layout import apply_layout
from nnstudio.core.project import Project
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.templates import TEMPLATES, chain
from nnstudio.ui.graph.node_item import LOD_DETAIL, NodeItem

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing)")


class RecordingPainter(QPainter):
    """Paints into an image and remembers every text drawn, with its rect and font."""

    def __init__(self, image: QImage) -> None:
        super().__init__(image)
        self.texts: list[tuple[QRectF, str, QFontMetricsF]] = []

    def drawText(self, *args):
        if len(args) >= 3 and isinstance(args[0], QRectF):
            self.texts.append((QRectF(args[0]), args[2], QFontMetricsF(self.font())))
        return super().drawText(*args)


def drawn_texts(item: NodeItem, zoom: float) -> list[tuple[QRectF, str, QFontMetricsF]]:
    image = QImage(400, 200, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = RecordingPainter(image)
    painter.translate(200, 100)
    painter.scale(zoom, zoom)
    item.paint(painter, QStyleOptionGraphicsItem(), None)
    painter.end()
    return painter.texts


def long_names_project() -> Project:
    """Wide layers with long names and big counts ("Leaky ReLU · 0.01", "65,792 params"),
    and, on their own, the layers with the longest names and settings."""
    graph = Graph()
    wide = [("linear", {"units": 256}), ("leaky_relu", {})]
    chain(graph, [("input", {}), *wide, *wide, ("linear", {"units": 1}), ("output", {})])
    for layer in ("global_avgpool", "lstm", "cross_attention", "positional_encoding"):
        graph.add_node(layer)
    apply_layout(graph)
    return Project(graph, DatasetConfig("spiral"), TrainingSettings({}))


PROJECTS = [
    "transformer_copy",
    "pointer_sort",
    "digits_resnet",
    "lstm_parity",
    "long_names",
    "output_error",
]


def project_named(name: str) -> Project:
    if name == "long_names":
        return long_names_project()
    if name == "output_error":  # "Output · Multi-class classification" and "1 problem"
        project = TEMPLATES.get("digits_cnn").build()
        last = [n for n in project.graph.nodes.values() if n.type == "linear"][-1]
        last.params["units"] = 7
        return project
    project = TEMPLATES.get(name).build()
    if name == "transformer_copy":  # a block repeated six times
        block = next(n for n in project.graph.nodes.values() if n.type == "block")
        block.params["repeat"] = 6
    return project


@pytest.mark.parametrize("name", PROJECTS)
@pytest.mark.parametrize("zoom", [1.0, LOD_DETAIL * 0.99])
def test_node_text_fits_its_card_uncut(make_window, name, zoom):
    window = make_window(project_named(name))
    for item in window.scene.nodes.values():
        texts = drawn_texts(item, zoom)
        assert texts, item.title
        card = item.body_rect()
        for rect, text, metrics in texts:
            assert "…" not in text, (item.title, text)
            assert metrics.horizontalAdvance(text) <= rect.width() + 0.5, (item.title, text)
            assert card.contains(rect), (item.title, text)
        shown = " ".join(text for _rect, text, _m in texts)
        if zoom >= LOD_DETAIL:  # the full-size card says everything: name, settings, count
            for part in item.title.split(" · "):
                assert part.strip() in shown, (item.title, shown)
            assert item.detail in shown


def test_hovering_a_node_shows_its_full_title_and_parameter_count(make_window, qtbot):
    window = make_window(long_names_project())
    view, scene = window.view, window.scene
    view.set_zoom(LOD_DETAIL * 0.9)  # zoomed out: the card shows its name only
    relu = next(n for n in window.document.graph.nodes.values() if n.type == "leaky_relu")
    linear = [n for n in window.document.graph.nodes.values() if n.type == "linear"][1]
    for node, expected in ((relu, ["Leaky ReLU · 0.01"]), (linear, ["Linear · 256", "65,792"])):
        item = scene.nodes[node.id]
        view.centerOn(item)
        at = view.mapFromScene(item.scenePos())
        event = QHelpEvent(QHelpEvent.Type.ToolTip, at, view.viewport().mapToGlobal(at))
        QApplication.sendEvent(view.viewport(), event)
        qtbot.waitUntil(QToolTip.isVisible)
        for text in expected:
            assert text in QToolTip.text()
        QToolTip.hideText()


def test_cards_never_overlap_after_auto_layout(make_window):
    for name in PROJECTS:
        window = make_window(project_named(name))
        cards = [i.mapRectToScene(i.body_rect()) for i in window.scene.nodes.values()]
        for i, a in enumerate(cards):
            for b in cards[i + 1 :]:
                assert not a.intersects(b), name
        window.close()


@pytest.mark.parametrize("name", PROJECTS)
def test_shape_labels_sit_clear_of_every_card_and_inside_their_bounds(make_window, name):
    window = make_window(project_named(name))
    scene = window.scene
    cards = [i.mapRectToScene(i.body_rect()) for i in scene.nodes.values()]
    labelled = [e for e in scene.edges.values() if e.label]
    assert labelled
    for edge in labelled:
        label = edge.mapRectToScene(edge._label_rect)
        text = QFontMetricsF(edge._font).boundingRect(edge.label)
        assert text.width() <= label.width() and text.height() <= label.height(), edge.label
        assert edge.boundingRect().contains(edge._label_rect)
        for card in cards:
            assert not label.intersects(card), (name, edge.label)


def test_a_card_that_grows_takes_its_wires_with_it(make_window):
    from nnstudio.ui.commands import SetParamCommand

    window = make_window("spiral_mlp")
    doc, scene = window.document, window.scene
    linear = next(n for n in doc.graph.nodes.values() if n.type == "linear")
    item = scene.nodes[linear.id]
    narrow = item.body_rect().width()
    doc.push(SetParamCommand(doc, linear.id, "units", 65536))
    assert item.body_rect().width() > narrow
    for edge in (*doc.graph.edges_into(linear.id), *doc.graph.edges_from(linear.id)):
        wire = scene.edges[edge]
        ends = [wire.path().pointAtPercent(0.0), wire.path().pointAtPercent(1.0)]
        into = edge.dst.node == linear.id
        port = item.port(edge.dst.port if into else edge.src.port, into)
        assert any((end - port.scene_center()).manhattanLength() < 0.5 for end in ends)
