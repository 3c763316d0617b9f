"""File → New, New from Template, Open, Open Recent, Save and Save As, for the main window,
plus crash recovery at startup and project files dropped on the window.

A mixin so the window module stays about layout and wiring. It expects `document`,
`editing_locked`, `save_extras`, `autosaver`, `project_loaded`, `recent_menu` and
`show_status` on self.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox

from nnstudio.core import recovery
from nnstudio.core.errors import ProjectFileError
from nnstudio.core.project import Project
from nnstudio.core.project_files import PROJECT_SUFFIX
from nnstudio.core.safe_write import ReadOnlyFileError
from nnstudio.core.templates import TEMPLATES
from nnstudio.ui import project_io, settings_store

if TYPE_CHECKING:
    from nnstudio.ui.recovery_dialog import RecoveryDecision

DROP_SUFFIXES = (PROJECT_SUFFIX, ".json")
"""Files that open when dropped on the window."""
CSV_SUFFIXES = (".csv", ".tsv", ".csv.gz")
"""Tables that go to the CSV import dialog when dropped on the window."""


UNSAVED_NOTE = "Your changes are still open here and not saved: try another folder or name."


class FileActions:
    """Mixed into MainWindow; `ask_unsaved` and `show_error` are the two modal questions,
    kept as methods so tests (and embedding code) can replace them."""

    def ask_unsaved(self) -> str:
        """Ask what to do with unsaved changes: "save", "discard" or "cancel"."""
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"{self.document.display_name()} has unsaved changes. Save them first?",
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )
        return {buttons.Save: "save", buttons.Discard: "discard"}.get(answer, "cancel")

    def show_error(self, title: str, message: str) -> None:
        QMessageBox.critical(self, title, message)

    def ask_recovery(self, entries: list[recovery.RecoveryEntry]) -> RecoveryDecision:
        """Ask which autosaves of a crashed session to recover or delete (replaceable)."""
        from nnstudio.ui.recovery_dialog import RecoveryDialog

        return RecoveryDialog(entries, self).decide()

    def confirm_discard(self) -> bool:
        """True when the current project may be replaced (saved, discarded or unchanged)."""
        if not self.document.is_modified():
            return True
        choice = self.ask_unsaved()
        if choice == "save":
            return self.save()
        return choice == "discard"

    def new_project(self) -> None:
        if self.editing_locked or not self.confirm_discard():
            return
        self.document.replace_project(Project())
        self.show_status("New project: drag an Input from the palette to begin.")

    def new_from_template(self, name: str) -> None:
        if self.editing_locked or not self.confirm_discard():
            return
        template = TEMPLATES.get(name)
        self.document.replace_project(template.build())
        self.show_status(f"{template.title}: {template.description}")

    def open_file(self, path: str | Path | None = None) -> bool:
        if self.editing_locked or not self.confirm_discard():
            return False
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, "Open project", self._dialog_folder(), project_io.OPEN_FILTER
            )
            if not path:
                return False
        try:
            loaded = project_io.read_project(path)
        except ProjectFileError as exc:
            self.show_error("Cannot open project", str(exc))
            return False
        self.document.replace_project(loaded.project, path, loaded.runs)
        settings_store.add_recent_file(str(path))
        self.project_loaded.emit(loaded)
        notes = " ".join(getattr(loaded, "notes", []) or [])
        self.show_status(notes or f"Opened {Path(path).name}.")
        return True

    def save(self) -> bool:
        path = self.document.path
        if not project_io.is_native(path):
            return self.save_as()
        return self._write(path)

    def save_as(self, path: str | Path | None = None) -> bool:
        if path is None:
            current = self.document.path
            name = (
                project_io.nnstudio_path_for(current)
                if current
                else Path(self._dialog_folder()) / f"{self._slug()}.nnstudio"
            )
            path, _ = QFileDialog.getSaveFileName(
                self, "Save project as", str(name), project_io.SAVE_FILTER
            )
            if not path:
                return False
        return self._write(Path(path))

    def ask_save_anyway(self, title: str, message: str) -> bool:
        """A yes/no question before a save that needs the user's word (tests replace it)."""
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(self, title, message, buttons.Yes | buttons.No, buttons.No)
        return answer == buttons.Yes

    def _write(self, path: Path) -> bool:
        replace_read_only = False
        while True:
            try:
                written = project_io.write_project(
                    path, self.document.project, self.document.runs,
                    replace_read_only=replace_read_only,
                )  # fmt: skip
                break
            except ReadOnlyFileError as exc:
                if not self.ask_save_anyway(
                    "Replace read-only file?",
                    f"{exc.path.name} is read-only. Replace it with this project anyway?",
                ):
                    self.show_status(f"Not saved: {exc.path.name} is read-only.")
                    return False
                replace_read_only = True
            except ProjectFileError as exc:
                self.show_error("Cannot save project", f"{exc}\n\n{UNSAVED_NOTE}")
                return False
            except OSError as exc:  # the core turns these into ProjectFileError; just in case
                why = exc.strerror or str(exc)
                self.show_error(
                    "Cannot save project",
                    f"{path.name} could not be saved: {why}.\n\n{UNSAVED_NOTE}",
                )
                return False
        self.document.mark_saved(written)
        settings_store.add_recent_file(str(written))
        self.show_status(f"Saved {written.name}.")
        return True

    def _slug(self) -> str:
        title = self.document.project.title or "untitled"
        return "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-") or "untitled"

    def _dialog_folder(self) -> str:
        if self.document.path is not None:
            return str(self.document.path.parent)
        recent = settings_store.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = settings_store.recent_files()
        for path in files:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_file(p))
        if not files:
            empty = self.recent_menu.addAction("No recent projects")
            empty.setEnabled(False)
            return
        self.recent_menu.addSeparator()
        clear = self.recent_menu.addAction("Clear list")
        clear.triggered.connect(settings_store.clear_recent_files)

    # -- crash recovery -------------------------------------------------------------------
    def offer_recovery(self) -> bool:
        """At startup: offer the autosaves a crashed session left; True if one was opened."""
        entries = recovery.pending_recoveries()
        if not entries:
            return False
        decision = self.ask_recovery(entries)
        for entry in decision.discard:
            try:
                recovery.discard_recovery(entry)
            except ProjectFileError as exc:
                self.show_error("Cannot delete autosave", str(exc))
        return decision.recover is not None and self.recover(decision.recover)

    def recover(self, entry: recovery.RecoveryEntry) -> bool:
        """Open an autosave as an unsaved document that Save writes back to where it came from."""
        if self.editing_locked or not self.confirm_discard():
            return False
        try:
            loaded = recovery.load_recovery(entry)
        except ProjectFileError as exc:
            self.show_error("Cannot recover project", str(exc))
            return False
        self.document.replace_project(loaded.project, entry.source_path, loaded.runs)
        self.document.undo_stack.resetClean()  # unsaved until the user saves it
        self.project_loaded.emit(loaded)
        # Our own autosave of it first; only then does the crashed session's copy go.
        if self.autosaver.write_now() is not None:
            try:
                recovery.discard_recovery(entry)
            except ProjectFileError as exc:
                self.show_status(str(exc))
        self.show_status(
            f"Recovered {entry.title} as autosaved {entry.saved_at:%Y-%m-%d %H:%M}. "
            "Save it to keep it."
        )
        return True

    # -- dropped files --------------------------------------------------------------------
    # A drop anywhere in the window lands here: the canvas ignores everything but layers from
    # the palette, so Qt hands a dropped file on to the window.
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._take_file_drag(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self._take_file_drag(event)

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._take_file_drag(event)
        if path is not None:
            # Open after the drop returns: the file manager that started the drag waits on
            # it, and opening may ask about unsaved changes.
            QTimer.singleShot(0, self, lambda: self.open_dropped(path))

    def _take_file_drag(self, event: QDropEvent) -> Path | None:
        """Take any dropped local file: a project opens, a CSV table goes to the import
        dialog, and anything else gets a status line saying what can be dropped."""
        path = dropped_file(event.mimeData())
        if path is None:
            event.ignore()
            return None
        # Copy, never Move: a file manager deletes the original after an accepted move.
        if event.possibleActions() & Qt.DropAction.CopyAction:
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.acceptProposedAction()
        return path

    def open_dropped(self, path: Path) -> bool:
        kind = dropped_kind(path)
        if kind is None:
            self.show_status(
                f"Cannot use {path.name} here: drop a project (.nnstudio, .json) to open it, "
                "or a table (.csv) to import it as the dataset."
            )
            return False
        if self.editing_locked:
            what = "opening another project" if kind == "project" else "importing a CSV file"
            self.show_status(f"Stop training before {what}.")
            return False
        if kind == "csv":
            self.settings_dock.show()
            self.settings_dock.raise_()
            self.settings_panel.open_csv_import(str(path))
            return True
        return self.open_file(path)


def dropped_kind(path: Path) -> str | None:
    """ "project", "csv", or None for a file the window cannot use."""
    name = path.name.lower()
    if path.suffix.lower() in DROP_SUFFIXES:
        return "project"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    return None


def dropped_file(mime: QMimeData) -> Path | None:
    """The first local file among dropped URLs, a usable one first."""
    if not mime.hasUrls():
        return None
    files = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
    usable = [f for f in files if dropped_kind(f) is not None]
    return (usable or files or [None])[0]
