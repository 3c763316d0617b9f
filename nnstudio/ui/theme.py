"""The app's look in one place: a light Fusion palette, a small style sheet, node colours."""

from __future__ import annotations

import zlib

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = "#2563EB"
TEXT = "#1E293B"
MUTED = "#64748B"
BORDER = "#CBD5E1"
WINDOW = "#F1F5F9"
BASE = "#FFFFFF"
CANVAS = "#F8FAFC"
GRID = "#E2E8F0"
ERROR = "#DC2626"
ERROR_FILL = "#FEF2F2"
WARNING = "#D97706"

CATEGORY_COLORS = {
    "Inputs & shaping": "#0284C7",
    "Dense": "#4F46E5",
    "Activations": "#D97706",
    "Regularization": "#059669",
    "Vision": "#DB2777",
    "Topology": "#7C3AED",
    "Output": "#0F766E",
}
_SPARE_COLORS = ("#0891B2", "#9333EA", "#CA8A04", "#16A34A", "#E11D48", "#2563EB")


def category_color(category: str) -> QColor:
    """A stable colour per palette category; new categories get one from a spare set."""
    name = CATEGORY_COLORS.get(category)
    if name is None:
        name = _SPARE_COLORS[zlib.crc32(category.encode()) % len(_SPARE_COLORS)]
    return QColor(name)


STYLE_SHEET = f"""
QMainWindow, QDockWidget {{ background: {WINDOW}; }}
QDockWidget::title {{
    background: {WINDOW}; padding: 6px 8px; font-weight: 600; color: {TEXT};
    border-bottom: 1px solid {BORDER};
}}
QToolBar {{ background: {WINDOW}; border: none; border-bottom: 1px solid {BORDER}; spacing: 2px;
    padding: 3px 6px; }}
QToolBar QToolButton {{ padding: 4px 8px; border-radius: 4px; color: {TEXT}; }}
QToolBar QToolButton:hover {{ background: #E2E8F0; }}
QToolBar QToolButton:disabled {{ color: #94A3B8; }}
QStatusBar {{ background: {WINDOW}; border-top: 1px solid {BORDER}; color: {TEXT}; }}
QStatusBar QLabel {{ padding: 0 8px; color: {MUTED}; }}
QLineEdit {{
    background: {BASE}; border: 1px solid {BORDER}; border-radius: 4px; padding: 3px 6px;
    min-height: 20px;
}}
QLineEdit:focus {{ border: 1px solid {ACCENT}; }}
QTreeWidget, QListWidget {{ background: {BASE}; border: 1px solid {BORDER}; border-radius: 4px; }}
QTreeWidget::item, QListWidget::item {{ padding: 3px 2px; }}
QTreeWidget::item:selected, QListWidget::item:selected {{ background: #DBEAFE; color: {TEXT}; }}
QGroupBox {{ border: 1px solid {BORDER}; border-radius: 6px; margin-top: 14px;
    padding: 10px 8px 8px 8px; background: {BASE}; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; color: {TEXT};
    font-weight: 600; }}
QScrollArea {{ border: none; background: {WINDOW}; }}
QTabWidget::pane {{ border: none; }}
QTabBar::tab {{ padding: 6px 12px; color: {MUTED}; background: {WINDOW}; border: none;
    border-bottom: 2px solid transparent; }}
QTabBar::tab:selected {{ color: {TEXT}; border-bottom: 2px solid {ACCENT}; }}
QLabel#inspector_title {{ font-size: 13pt; font-weight: 600; color: {TEXT}; }}
QLabel#inspector_help, QLabel#inspector_hint, QLabel#settings_hint {{ color: {MUTED}; }}
QLabel#inspector_shapes {{ color: {TEXT}; }}
QLabel#inspector_problems {{ color: {ERROR}; }}
"""


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: WINDOW,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: BASE,
        QPalette.ColorRole.AlternateBase: "#F8FAFC",
        QPalette.ColorRole.ToolTipBase: "#FFFFFF",
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: "#F8FAFC",
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#FFFFFF",
        QPalette.ColorRole.PlaceholderText: "#94A3B8",
        QPalette.ColorRole.Link: ACCENT,
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#94A3B8"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#94A3B8"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#94A3B8"))
    app.setPalette(palette)
    font = app.font()
    if font.pointSizeF() < 9.5:
        font.setPointSizeF(9.5)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    app.setFont(font)
    app.setStyleSheet(STYLE_SHEET)
