"""File → New, New from Template, Open, Open Recent, Save and Save As, for the main window.

A mixin so the window module stays about layout and wiring. It expects `document`,
`editing_locked`, `save_extras`, `project_loaded`, `recent_menu` and `show_status` on self.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from nnstudio.core.errors import ProjectFileError
from nnstudio.core.project import Project
from nnstudio.core.templates import TEMPLATES
from nnstudio.ui import project_io, settings_store


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
        self.document.replace_project(loaded.project, path)
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

    def _write(self, path: Path) -> bool:
        try:
            extras = self.save_extras() if self.save_extras is not None else {}
            written = project_io.write_project(path, self.document.project, **extras)
        except ProjectFileError as exc:
            self.show_error("Cannot save project", str(exc))
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
