"""A scatter preview of a 2D dataset: train points filled, validation faint, test hollow.

pyqtgraph is imported only when the preview is first created, after the window has painted,
so it does not slow the app's start.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from nnstudio.core.datasets import DatasetConfig, load_dataset
from nnstudio.core.errors import NNStudioError
from nnstudio.ui import theme
from nnstudio.ui.colors import CLASS_COLORS

DEBOUNCE_MS = 60


class DatasetPreview(QWidget):
    """Shows the points of the current dataset config; updates shortly after each change."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataset_preview")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.stack = QStackedWidget(self)
        self.stack.setMinimumHeight(210)
        self.message = QLabel("Preview loading…", self)
        self.message.setObjectName("dataset_preview_message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setStyleSheet(
            f"color: {theme.MUTED}; background: {theme.BASE}; border: 1px solid {theme.BORDER};"
            " border-radius: 4px;"
        )
        self.stack.addWidget(self.message)
        layout.addWidget(self.stack)
        self.legend = QLabel(self)
        self.legend.setObjectName("dataset_preview_legend")
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet(f"color: {theme.MUTED};")
        layout.addWidget(self.legend)
        self.plot = None
        self._items: dict[str, object] = {}
        self._config: DatasetConfig | None = None
        self.counts: dict[str, int] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh)

    @property
    def ready(self) -> bool:
        return self.plot is not None

    def ensure_plot(self) -> None:
        """Create the pyqtgraph plot (imports pyqtgraph the first time)."""
        if self.plot is not None:
            return
        import pyqtgraph as pg

        plot = pg.PlotWidget(self, background=theme.BASE)
        plot.setObjectName("dataset_preview_plot")
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(False, False)
        plot.hideButtons()
        plot.setAspectLocked(True)
        item = plot.getPlotItem()
        for axis in ("left", "bottom"):
            item.getAxis(axis).setPen(pg.mkPen(theme.BORDER))
            item.getAxis(axis).setTextPen(pg.mkPen(theme.MUTED))
        for split in ("val", "train", "test"):
            scatter = pg.ScatterPlotItem(pxMode=True)
            item.addItem(scatter)
            self._items[split] = scatter
        self.plot = plot
        self.stack.addWidget(plot)
        if self._config is not None:
            self.refresh()

    def set_config(self, config: DatasetConfig) -> None:
        self._config = config
        self._timer.start()

    def refresh(self) -> None:
        """Generate the data of the current config now and draw it."""
        self._timer.stop()
        config = self._config
        if config is None or self.plot is None:
            return
        try:
            spec = config.spec()
            if not spec.is_2d:
                self._show_message(f"No point preview for {spec.display_name}.")
                return
            data = load_dataset(config)
        except NNStudioError as exc:
            self._show_message(str(exc))
            return
        splits = {
            "train": (data.points_train, data.y_train),
            "val": (data.points_val, data.y_val),
            "test": (data.points_test, data.y_test),
        }
        self.counts = {name: len(points) for name, (points, _y) in splits.items()}
        regression = data.task == "regression"
        if regression:
            all_y = np.concatenate([np.ravel(y) for _p, y in splits.values()])
            low, high = float(all_y.min()), float(all_y.max())
        for name, (points, targets) in splits.items():
            colors = (
                self._value_colors(np.ravel(targets), low, high)
                if regression
                else [CLASS_COLORS[int(c) % len(CLASS_COLORS)] for c in targets]
            )
            self._draw_split(name, points, colors)
        self.stack.setCurrentWidget(self.plot)
        self.plot.getPlotItem().getViewBox().autoRange(padding=0.05)
        self.legend.setText(
            f"● train {self.counts['train']}   ◍ val {self.counts['val']}   "
            f"○ test {self.counts['test']}" + ("    colour = target value" if regression else "")
        )

    def _draw_split(self, name: str, points: np.ndarray, colors: list) -> None:
        import pyqtgraph as pg

        scatter = self._items[name]
        if name == "test":
            pens = [pg.mkPen(c, width=1.6) for c in colors]
            brushes = [pg.mkBrush(theme.BASE)] * len(colors)
            size = 7
        elif name == "val":
            pens = [pg.mkPen(None)] * len(colors)
            brushes = [pg.mkBrush(pg.mkColor(c).lighter(160)) for c in colors]
            size = 5
        else:
            pens = [pg.mkPen(theme.BASE, width=0.6)] * len(colors)
            brushes = [pg.mkBrush(c) for c in colors]
            size = 6
        scatter.setData(pos=np.asarray(points, dtype=float), pen=pens, brush=brushes, size=size)

    @staticmethod
    def _value_colors(values: np.ndarray, low: float, high: float) -> list:
        import pyqtgraph as pg

        span = max(high - low, 1e-9)
        cmap = pg.colormap.get("viridis")
        return [cmap.map((v - low) / span, mode="qcolor") for v in values]

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)
        self.legend.setText("")
