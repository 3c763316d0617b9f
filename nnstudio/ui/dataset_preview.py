"""The dataset preview in the settings panel, one view per kind of data.

2D points: a scatter, train points filled, validation faint, test hollow. Tables: the same
scatter over the first two input columns. Images: a grid of training samples with their
labels. Sequences: a few training sequences as text, each with its answer.

pyqtgraph is imported only when the preview is first created, after the window has painted,
so it does not slow the app's start.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QStackedWidget, QVBoxLayout, QWidget

from nnstudio.core.datasets import Dataset, DatasetConfig, load_dataset
from nnstudio.core.errors import NNStudioError
from nnstudio.ui import theme
from nnstudio.ui.colors import CLASS_COLORS
from nnstudio.ui.sample_grid import SampleGrid

DEBOUNCE_MS = 60
GRID_SAMPLES = 24
TEXT_SAMPLES = 8
MAX_TOKENS_SHOWN = 24
SEQUENCE_SEP = "│"


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
        self.grid = SampleGrid(self)
        self.stack.addWidget(self.grid)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("dataset_preview_text")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.stack.addWidget(self.text)
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
        """Make or read the data of the current config now and show it."""
        self._timer.stop()
        config = self._config
        if config is None or self.plot is None:
            return
        try:
            data = load_dataset(config)
        except NNStudioError as exc:
            self._show_message(str(exc))
            return
        self.counts = {"train": len(data.x_train), "val": len(data.x_val), "test": len(data.x_test)}
        counts = (
            f"train {self.counts['train']} · val {self.counts['val']} · test {self.counts['test']}"
        )
        if data.kind == "image":
            self._show_images(data, counts)
        elif data.kind == "sequence":
            self._show_sequences(data, counts)
        elif data.is_2d:
            self._show_points(data)
        else:
            self._show_table(data, counts)

    def _class_name(self, data: Dataset, label: int) -> str:
        names = data.class_names
        return names[label] if 0 <= label < len(names) else str(label)

    def _target_text(self, data: Dataset, target: np.ndarray) -> str:
        if data.task == "regression":
            return f"{float(np.ravel(target)[0]):.3g}"
        if np.ndim(target) > 0 and np.size(target) > 1:  # several answers: positions, in order
            return " ".join(str(int(t)) for t in np.ravel(target)[:MAX_TOKENS_SHOWN])
        return self._class_name(data, int(np.ravel(target)[0]))

    def _show_images(self, data: Dataset, counts: str) -> None:
        n = min(GRID_SAMPLES, len(data.x_train))
        labels = [int(y) for y in data.y_train[:n]]
        self.grid.set_samples(
            data.x_train[:n],
            [self._class_name(data, y) for y in labels],
            [CLASS_COLORS[y % len(CLASS_COLORS)] for y in labels],
        )
        self.stack.setCurrentWidget(self.grid)
        self.legend.setText(f"{n} training images with their labels.   {counts}")

    def _show_sequences(self, data: Dataset, counts: str) -> None:
        """One line per sequence, the answer first so a narrow panel still shows it."""
        answers, steps_text = [], []
        for x, y in zip(data.x_train[:TEXT_SAMPLES], data.y_train[:TEXT_SAMPLES], strict=False):
            if x.ndim == 1:
                steps = [str(int(t)) for t in x[:MAX_TOKENS_SHOWN]]
            else:  # (steps, features): show the value, in brackets where the marker is set
                steps = [
                    f"[{row[0]:.2f}]" if len(row) > 1 and row[1] > 0.5 else f"{row[0]:.2f}"
                    for row in x[:MAX_TOKENS_SHOWN]
                ]
            more = " …" if len(x) > MAX_TOKENS_SHOWN else ""
            answers.append(self._target_text(data, y))
            steps_text.append(" ".join(steps) + more)
        width = max((len(a) for a in answers), default=0)
        lines = [
            f"{a:>{width}} {SEQUENCE_SEP} {t}" for a, t in zip(answers, steps_text, strict=True)
        ]
        self.text.setPlainText("\n".join(lines))
        self.stack.setCurrentWidget(self.text)
        self.legend.setText(f"answer {SEQUENCE_SEP} training sequence.   {counts}")

    def _show_table(self, data: Dataset, counts: str) -> None:
        """Scatter the first two input columns (or the one input against the target)."""
        names = data.feature_names
        splits = {
            "train": (data.x_train, data.y_train),
            "val": (data.x_val, data.y_val),
            "test": (data.x_test, data.y_test),
        }
        two = data.x_train.shape[1] >= 2
        points = {
            name: (x[:, :2] if two else np.column_stack([x[:, 0], np.ravel(y)]), y)
            for name, (x, y) in splits.items()
        }
        x_name = names[0] if names else "input 1"
        y_name = (names[1] if len(names) > 1 else "input 2") if two else "target"
        self._draw_all(points, data.task == "regression", aspect=False)
        self.plot.setLabel("bottom", x_name)
        self.plot.setLabel("left", y_name)
        colour = "colour = target value" if data.task == "regression" else "colour = class"
        self.legend.setText(f"{x_name} against {y_name}; {colour}.   {counts}")

    def _show_points(self, data: Dataset) -> None:
        points = {
            "train": (data.points_train, data.y_train),
            "val": (data.points_val, data.y_val),
            "test": (data.points_test, data.y_test),
        }
        regression = data.task == "regression"
        self._draw_all(points, regression, aspect=True)
        self.plot.setLabel("bottom", "")
        self.plot.setLabel("left", "")
        self.legend.setText(
            f"● train {self.counts['train']}   ◍ val {self.counts['val']}   "
            f"○ test {self.counts['test']}" + ("    colour = target value" if regression else "")
        )

    def _draw_all(self, splits: dict, regression: bool, aspect: bool) -> None:
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
        self.plot.setAspectLocked(aspect)
        self.stack.setCurrentWidget(self.plot)
        self.plot.getPlotItem().getViewBox().autoRange(padding=0.05)

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
