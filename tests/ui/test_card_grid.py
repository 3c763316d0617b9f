"""The card grid answers "which cards does this label overlap" like a scan of every card."""

from __future__ import annotations

import random

from PySide6.QtCore import QRectF

from nnstudio.ui.graph.card_grid import CardGrid


def test_grid_finds_exactly_the_overlapping_cards_as_they_move() -> None:
    rng = random.Random(0)
    grid = CardGrid()
    cards = {}
    for key in range(300):
        cards[key] = QRectF(rng.uniform(-3000, 3000), rng.uniform(-2000, 2000), 180, 56)
        grid.place(key, cards[key])
    for key in range(0, 300, 3):  # move a third, remove a few
        cards[key] = QRectF(rng.uniform(-3000, 3000), rng.uniform(-2000, 2000), 220, 56)
        grid.place(key, cards[key])
    for key in range(1, 300, 50):
        grid.remove(key)
        del cards[key]
    for _ in range(200):
        label = QRectF(rng.uniform(-3000, 3000), rng.uniform(-2000, 2000), 60, 16)
        expected = sorted((r.x(), r.y()) for r in cards.values() if label.intersects(r))
        assert sorted((r.x(), r.y()) for r in grid.rects_in(label)) == expected
