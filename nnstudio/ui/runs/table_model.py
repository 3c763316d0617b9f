"""The runs of the open project as a table: one row per run, a tick to overlay its curves."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from nnstudio.core.run import Run
from nnstudio.ui.document import Document

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Run", "What differs", "Best val loss", "Best val acc", "Steps", "Time", "Status")
TIPS = (
    "Tick to overlay this run's curves; double-click the name to rename it",
    "The settings this run changed from the run or project it came from",
    "The lowest validation loss this run reached",
    "The highest validation accuracy this run reached",
    "Training steps done (batches)",
    "Time spent training",
    "How the run ended, or what it is doing",
)
STATUS_TEXT = {
    "new": "not trained",
    "running": "training…",
    "paused": "paused",
    "finished": "finished",
    "stopped": "stopped",
    "diverged": "diverged",
    "failed": "failed",
}


def _number(value: float | None, digits: int) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}" if minutes else f"{seconds:.1f} s"


def status_text(run: Run) -> str:
    text = STATUS_TEXT.get(run.status, run.status)
    if run.status == "diverged" and "at step" in run.message:
        step = run.message.split("at step", 1)[1].split()[0]
        text = f"diverged at step {step}"
    if run.pinned:
        text += " · pinned"
    return text


class RunsTableModel(QAbstractTableModel):
    """A view of `doc.runs`; rename goes through `rename_requested` (an undo command)."""

    rename_requested = Signal(object, str)
    checked_changed = Signal()

    def __init__(self, doc: Document, parent: Any = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.checked: set[str] = set()
        """Ids of the runs whose curves are overlaid."""
        doc.runs_changed.connect(self.refresh)

    @property
    def runs(self) -> list[Run]:
        return self.doc.runs.runs

    def run_at(self, row: int) -> Run | None:
        return self.runs[row] if 0 <= row < len(self.runs) else None

    def row_of(self, run_id: str) -> int:
        return next((i for i, r in enumerate(self.runs) if r.id == run_id), -1)

    def refresh(self) -> None:
        """Rebuild after runs were added, removed or reordered; keeps ticks of kept runs."""
        self.beginResetModel()
        ids = {r.id for r in self.runs}
        self.checked &= ids
        self.endResetModel()
        self.checked_changed.emit()

    def update_values(self) -> None:
        """Numbers changed (training reports): repaint every cell without resetting."""
        if self.runs:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self.runs) - 1, len(COLUMNS) - 1)
            )

    # -- Qt model API -------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.runs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return TIPS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 0:
            base |= Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        run = self.run_at(index.row())
        if run is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(run, col)
        if role == Qt.ItemDataRole.EditRole and col == 0:
            return run.label
        if role == Qt.ItemDataRole.CheckStateRole and col == 0:
            return Qt.CheckState.Checked if run.id in self.checked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return QColor(run.color)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tip(run, col)
        if role == Qt.ItemDataRole.FontRole and run.id == self.doc.runs.current:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and col == 6 and run.status == "diverged":
            return QBrush(QColor("#b3261e"))
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (2, 3, 4, 5):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, run: Run, col: int) -> str:
        if col == 0:
            return run.label
        if col == 1:
            return ", ".join(f"{k} {v}" for k, v in run.changes.items()) or "—"
        if col == 2:
            return _number(run.score("best_val_loss"), 4)
        if col == 3:
            return _number(run.score("best_val_accuracy"), 3)
        if col == 4:
            return f"{run.steps_done:,}"
        if col == 5:
            return duration(run.wall_time)
        return status_text(run)

    def _tip(self, run: Run, col: int) -> str:
        if col == 6 and run.message:
            return run.message
        if col == 1 and run.changes:
            return "\n".join(f"{k}: {v}" for k, v in run.changes.items())
        current = (
            " (the current run: Train continues it)" if run.id == self.doc.runs.current else ""
        )
        return f"{run.label}{current}"

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        run = self.run_at(index.row())
        if run is None or index.column() != 0:
            return False
        if role == Qt.ItemDataRole.CheckStateRole:
            state = Qt.CheckState(value) if not isinstance(value, Qt.CheckState) else value
            if state == Qt.CheckState.Checked:
                self.checked.add(run.id)
            else:
                self.checked.discard(run.id)
            self.dataChanged.emit(index, index, [role])
            self.checked_changed.emit()
            return True
        if role == Qt.ItemDataRole.EditRole:
            label = str(value).strip()
            if label and label != run.label and len(label) <= 200:
                self.rename_requested.emit(run, label)
            return True
        return False

    def set_checked(self, run_ids: set[str]) -> None:
        self.checked = {r.id for r in self.runs if r.id in run_ids}
        self.update_values()
        self.checked_changed.emit()
