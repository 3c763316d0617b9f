"""Where a node card's text goes, and how wide the card must be to hold it.

A card shows its layer name, its settings ("16 · Last state") and its parameter count. It
grows from MIN_WIDTH up to MAX_WIDTH to fit them: on one title line with the count below
("Linear · 16" / "48 params"), or, when that is narrower, the name alone with the settings
and the count below ("Leaky ReLU" / "0.01"). Only past MAX_WIDTH do fonts shrink, and only
past the smallest size is text cut short (the tooltip always has all of it).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF

MIN_WIDTH = 150.0
MAX_WIDTH = 220.0
HEIGHT = 76.0
PAD = 12.0
LABEL_INDENT = 18.0
"""Room for the input port labels ("a", "b") of a node with several inputs."""
TITLE_PX = 21
DETAIL_PX = 17
SMALLEST_PX = 13
THREE_LINE_PX = 15
OVERVIEW_PX = 24
"""The name alone, large, for the zoomed-out view (it is all a card shows there)."""
SETTINGS_COLOR = "#334155"
SEP = " · "


def font(pixels: int, bold: bool = False) -> QFont:
    result = QFont()
    result.setPixelSize(pixels)
    result.setBold(bold)
    return result


def advance(text: str, f: QFont) -> float:
    # A pixel of slack: hinting can round a glyph run up when it is drawn.
    return QFontMetricsF(f).horizontalAdvance(text) + 1.0 if text else 0.0


@dataclass(frozen=True)
class Run:
    """One piece of text in one font and colour, in the card's own coordinates."""

    rect: QRectF
    text: str
    font: QFont
    color: str  # a theme role ("text", "settings", "detail") resolved when drawn


@dataclass(frozen=True)
class CardText:
    width: float
    runs: tuple[Run, ...]
    overview: Run
    """The name alone, for the zoomed-out view."""


def _fit(text: str, width: float, pixels: int, bold: bool, smallest: int) -> tuple[QFont, str]:
    """The largest font from `pixels` down to `smallest` in which `text` fits `width`; past
    that, the text is elided in the smallest font."""
    size = pixels
    while size > smallest and advance(text, font(size, bold)) > width:
        size -= 1
    f = font(size, bold)
    if advance(text, f) <= width:
        return f, text
    return f, QFontMetricsF(f).elidedText(text, Qt.TextElideMode.ElideRight, width - 1.0)


@functools.lru_cache(maxsize=4096)
def layout_card(name: str, settings: str, detail: str, labelled: bool) -> CardText:
    """Lay out a card's text: `name` (bold), `settings` (may be ""), `detail` (may be "")."""
    indent = PAD + (LABEL_INDENT if labelled else 0.0)
    small = font(DETAIL_PX)

    def title_width(pixels: int) -> float:
        rest = advance(SEP + settings, font(pixels)) if settings else 0.0
        return advance(name, font(pixels, True)) + rest

    # One title line ("Linear · 16"), the detail below it.
    one = max(title_width(TITLE_PX), advance(detail, small))
    # The name alone, settings and detail together below it.
    below = SEP.join(t for t in (settings, detail) if t)
    two = max(advance(name, font(TITLE_PX, True)), advance(below, small))
    room = MAX_WIDTH - indent - PAD
    no_wider = max(one + indent + PAD, MIN_WIDTH) <= max(two + indent + PAD, MIN_WIDTH)
    if settings and detail and one > room and two > room:
        # Neither fits ("Output · Multi-class classification" with "1 problem"): a line each.
        return _three_lines(name, settings, detail, indent)
    # The narrower layout; when neither fits, the one whose text shrinks the least.
    one_line = not settings or (no_wider and one <= room) or (two > room and one < two)
    width = min(max((one if one_line else two) + indent + PAD, MIN_WIDTH), MAX_WIDTH)
    inner = width - indent - PAD
    left, top, bottom = -width / 2 + indent, -HEIGHT / 2, HEIGHT / 2
    runs: list[Run] = []
    second = detail if one_line else below
    line_h = TITLE_PX + 6
    title_top = top + 9 if second else -line_h / 2
    if one_line and settings:
        size = TITLE_PX
        while size > SMALLEST_PX + 3 and title_width(size) > inner:
            size -= 1
        if title_width(size) <= inner:
            bold, regular = font(size, True), font(size)
            name_w = advance(name, bold)
            runs.append(Run(QRectF(left, title_top, name_w, line_h), name, bold, "text"))
            rest = QRectF(left + name_w - 1.0, title_top, inner - name_w + 1.0, line_h)
            runs.append(Run(rest, SEP + settings, regular, "settings"))
        else:  # past the smallest size: cut short (the tooltip has it all)
            f, text = _fit(name + SEP + settings, inner, size, True, size)
            runs.append(Run(QRectF(left, title_top, inner, line_h), text, f, "text"))
    else:
        f, text = _fit(name, inner, TITLE_PX, True, SMALLEST_PX + 3)
        runs.append(Run(QRectF(left, title_top, inner, line_h), text, f, "text"))
    if second:
        f, text = _fit(second, inner, DETAIL_PX, False, SMALLEST_PX)
        rect = QRectF(left, bottom - DETAIL_PX - 13, inner, DETAIL_PX + 5)
        if one_line or not settings:
            runs.append(Run(rect, text, f, "detail"))
        elif text == second and detail:
            # settings in the title's colour, the count muted, on one line
            head = settings + SEP
            head_w = advance(head, f)
            runs.append(Run(QRectF(left, rect.top(), head_w, rect.height()), head, f, "settings"))
            tail = QRectF(left + head_w - 1.0, rect.top(), inner - head_w + 1.0, rect.height())
            runs.append(Run(tail, detail, f, "detail"))
        else:
            runs.append(Run(rect, text, f, "settings"))
    return CardText(width, tuple(runs), _overview(name, width))


def _overview(name: str, width: float) -> Run:
    big, text = _fit(name, width - 2 * PAD, OVERVIEW_PX, True, SMALLEST_PX)
    return Run(QRectF(-width / 2 + PAD, -HEIGHT / 2, width - 2 * PAD, HEIGHT), text, big, "text")


def _three_lines(name: str, settings: str, detail: str, indent: float) -> CardText:
    """Name, settings and detail on a line each, the lower two in a smaller size."""
    lower = THREE_LINE_PX
    need = max(advance(name, font(TITLE_PX, True)), advance(settings, font(lower)))
    need = max(need, advance(detail, font(lower)))
    width = min(max(need + indent + PAD, MIN_WIDTH), MAX_WIDTH)
    inner = width - indent - PAD
    left, top = -width / 2 + indent, -HEIGHT / 2
    runs = []
    rows = (
        (name, TITLE_PX, True, "text", 4.0, 25.0),
        (settings, lower, False, "settings", 30.0, 20.0),
        (detail, lower, False, "detail", 50.0, 20.0),
    )
    for text, pixels, bold, role, y, h in rows:
        f, shown = _fit(text, inner, pixels, bold, SMALLEST_PX + (3 if bold else 0))
        runs.append(Run(QRectF(left, top + y, inner, h), shown, f, role))
    return CardText(width, tuple(runs), _overview(name, width))
