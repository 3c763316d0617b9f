"""File → Export: the PyTorch script folder and the checked ONNX model, from the window.

The export runs on its own QThread with a frozen copy of the project and weights, so the
window stays responsive and later edits cannot leak into a half-done export. A progress
dialog shows each stage; the result names the files and offers to open the folder; an
error lists every cause (the layer or setting at fault) as the exporter words it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, QUrl, Signal, Slot
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from nnstudio.core.errors import NNStudioError
from nnstudio.core.project import Project, project_from_dict, project_to_dict
from nnstudio.ui.threads import register_qthread

KINDS = {
    "pytorch": (
        "PyTorch script…",
        "Export PyTorch script",
        "Export the network as model.py "
        "and train.py, with its data and trained weights, to run without NN Studio",
    ),
    "onnx": (
        "ONNX model…",
        "Export ONNX model",
        "Export the network as an ONNX model, checked with onnx.checker and onnxruntime",
    ),
}


def export_source(window: Any) -> tuple[Project, dict[str, Any] | None]:
    """What File → Export writes: the current run's frozen project and trained weights, or
    the window's project as it is when no run has trained yet.

    Both are copies, so the export thread never shares them with the editor or a running
    training session."""
    run = window.document.runs.current_run
    if run is not None and run.weights is not None:
        weights = {k: v.detach().clone() for k, v in run.weights.items()}
        return project_from_dict(project_to_dict(run.project)), weights
    return project_from_dict(project_to_dict(window.document.project)), None


class ExportWorker(QObject):
    """Runs one export on the export thread; reports stages, then a result or an error."""

    progress = Signal(str)
    succeeded = Signal(object)
    failed = Signal(str)
    done = Signal()

    def __init__(
        self,
        kind: str,
        project: Project,
        weights: dict[str, Any] | None,
        folder: Path,
        force: bool,
    ) -> None:
        super().__init__()
        self.kind, self.project, self.weights = kind, project, weights
        self.folder, self.force = folder, force

    @Slot()
    def run(self) -> None:
        try:
            if self.kind == "pytorch":
                from nnstudio.export import export_pytorch as export
            else:
                from nnstudio.export.onnx_export import export_onnx as export
            result = export(self.project, self.weights, self.folder, self.force, self.progress.emit)
            self.succeeded.emit(result)
        except NNStudioError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a bug must reach the user as a message, not kill the thread
            self.failed.emit(f"The export stopped on an unexpected error: {exc!r}")
        finally:
            self.done.emit()


class ExportActions(QObject):
    """The File → Export menu entries of one main window and the exports they start."""

    finished = Signal(object)
    """The ExportResult of a successful export, or None after a failure."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.actions: dict[str, QAction] = {}
        for kind, (text, _title, tip) in KINDS.items():
            action = QAction(text, window)
            action.setObjectName(f"action_export_{kind}")
            action.setStatusTip(tip)
            action.triggered.connect(lambda _checked=False, k=kind: self.start(k))
            window.export_menu.addAction(action)
            self.actions[kind] = action
        self._thread: QThread | None = None
        self._worker: ExportWorker | None = None
        self.progress_dialog: QProgressDialog | None = None
        self.result_box: QMessageBox | None = None
        self._outcome: Any = None
        window.close_guards.append(self._finish_before_closing)

    # -- replaceable questions (tests answer them) -------------------------------------------
    def choose_folder(self, title: str) -> Path | None:
        folder = QFileDialog.getExistingDirectory(self.window, title)
        return Path(folder) if folder else None

    def confirm_overwrite(self, folder: Path) -> bool:
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self.window,
            "Folder not empty",
            f"{folder} already holds files. Write the export into it anyway? Files with "
            "the same names are replaced; other files stay.",
            buttons.Yes | buttons.Cancel,
            buttons.Cancel,
        )
        return answer == buttons.Yes

    # -- the export ------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._thread is not None

    def start(self, kind: str, folder: Path | None = None) -> bool:
        """Ask for a folder (unless given) and export into it; False if nothing started."""
        if self.busy:
            return False
        title = KINDS[kind][1]
        folder = folder or self.choose_folder(title)
        if folder is None:
            return False
        force = folder.is_dir() and any(folder.iterdir())
        if force and not self.confirm_overwrite(folder):
            return False
        project, weights = export_source(self.window)
        worker = ExportWorker(kind, project, weights, folder, force)
        thread = register_qthread(QThread())
        thread.setObjectName("export_thread")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progress.connect(self._on_progress)
        worker.succeeded.connect(self._on_success)
        worker.failed.connect(self._on_failure)
        # Direct: the thread must be told to quit even if the GUI thread is busy.
        worker.done.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        thread.finished.connect(self._on_thread_finished)
        self._thread, self._worker = thread, worker
        self._show_progress(title)
        thread.start()
        return True

    def _show_progress(self, title: str) -> None:
        dialog = QProgressDialog("Starting…", "", 0, 0, self.window)
        dialog.setObjectName("export_progress")
        dialog.setWindowTitle(title)
        dialog.setCancelButton(None)  # an export is short and writes all or nothing
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setMinimumWidth(360)
        dialog.show()
        self.progress_dialog = dialog

    @Slot(str)
    def _on_progress(self, message: str) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.setLabelText(message)
        self.window.show_status(message)

    @Slot(object)
    def _on_success(self, result: Any) -> None:
        self._close_progress()
        self.window.show_status(f"Exported to {result.folder}.")
        box = QMessageBox(self.window)
        box.setObjectName("export_result")
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle("Export finished")
        box.setText(f"Exported to {result.folder}")
        lines = [f"• {name}" for name in result.files] + result.checks + result.notes
        box.setInformativeText("\n".join(lines))
        open_button = box.addButton("Open Folder", QMessageBox.ButtonRole.ActionRole)
        open_button.setObjectName("open_folder")
        box.addButton(QMessageBox.StandardButton.Close)
        open_button.clicked.connect(lambda: self.open_folder(result.folder))
        box.open()
        self.result_box = box
        self._outcome = result

    def open_folder(self, folder: Path) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    @Slot(str)
    def _on_failure(self, message: str) -> None:
        self._close_progress()
        self.window.show_error("Export failed", message)
        self._outcome = None

    def _close_progress(self) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.close()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None

    @Slot()
    def _on_thread_finished(self) -> None:
        thread, worker = self._thread, self._worker
        self._thread = self._worker = None
        if thread is not None:
            thread.deleteLater()
        if worker is not None:
            worker.deleteLater()
        self.finished.emit(self._outcome)

    def _finish_before_closing(self) -> bool:
        """Closing the window lets a running export finish first (it takes seconds)."""
        if self._thread is not None:
            self._thread.wait()
        return True
