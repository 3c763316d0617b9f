"""Badges on the canvas: each ReLU-family node of the followed run shows its dead share."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Slot

RELU_TYPES = ("relu", "leaky_relu", "prelu")
SHOWN_FROM = 0.005
"""Below half a percent nothing is pinned: a badge should mean something is wrong."""


def badge_text(share: float) -> str:
    return f"{100 * share:.0f} % dead" if share >= SHOWN_FROM else ""


class DeadUnitBadges(QObject):
    """Follows the training controller and pins "37 % dead" to the canvas nodes."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        controller = window.training.controller
        controller.snapshot.connect(self.take)
        controller.run_started.connect(self.clear)

    @Slot(object)
    def take(self, snap: Any) -> None:
        dead = getattr(snap, "dead_units", None)
        if not dead:
            return
        graph = self.window.document.graph
        nodes = self.window.scene.nodes
        for node_id, share in dead.items():
            item = nodes.get(node_id)
            if item is not None and graph.nodes[node_id].type in RELU_TYPES:
                item.set_badge(badge_text(share))

    @Slot(object)
    def clear(self, *_args: object) -> None:
        for item in self.window.scene.nodes.values():
            item.set_badge("")
