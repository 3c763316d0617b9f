"""Where the node cards are on the canvas, in a coarse grid, for wire labels to keep clear of.

The scene keeps no spatial index (moving cards is cheaper without one), so asking it which
items lie under a label walks every item and calls each card's Python `boundingRect`: at a
thousand cards, 4 ms for one label, and seconds to open a project. The grid answers the same
question from the few cells the label covers, and is kept up to date as cards are added,
removed, moved or resized.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator

from PySide6.QtCore import QRectF

CELL = 256.0
"""Side of a grid cell in scene units: about one card with its gaps."""

Key = tuple[int, int]


def _keys(rect: QRectF) -> Iterator[Key]:
    for cx in range(math.floor(rect.left() / CELL), math.floor(rect.right() / CELL) + 1):
        for cy in range(math.floor(rect.top() / CELL), math.floor(rect.bottom() / CELL) + 1):
            yield cx, cy


class CardGrid:
    """Card rects (scene coordinates) by grid cell; each card is known by any hashable key."""

    def __init__(self) -> None:
        self._cells: defaultdict[Key, set[object]] = defaultdict(set)
        self._rects: dict[object, tuple[QRectF, list[Key]]] = {}

    def place(self, card: object, rect: QRectF) -> None:
        """Add `card` at `rect`, or move it there."""
        self.remove(card)
        keys = list(_keys(rect))
        for key in keys:
            self._cells[key].add(card)
        self._rects[card] = (QRectF(rect), keys)

    def remove(self, card: object) -> None:
        _rect, keys = self._rects.pop(card, (None, []))
        for key in keys:
            self._cells[key].discard(card)

    def clear(self) -> None:
        self._cells.clear()
        self._rects.clear()

    def rects_in(self, rect: QRectF) -> list[QRectF]:
        """The rects of the cards that `rect` overlaps."""
        seen: set[object] = set()
        found = []
        for key in _keys(rect):
            for card in self._cells.get(key, ()):
                if card not in seen:
                    seen.add(card)
                    card_rect = self._rects[card][0]
                    if rect.intersects(card_rect):
                        found.append(card_rect)
        return found
