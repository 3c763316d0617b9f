"""The main window: palette, canvas, inspector, experiment settings, problems, menus.

It wires the pieces to one Document and turns menu actions into calls on the scene or the
document. Training (added by nnstudio.ui.training) plugs in through `add_panel_dock`,
`training_toolbar` and `set_editing_locked`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QToolBar,
    QWidget,
)

from nnstudio.core.blocks import graph_at
from nnstudio.core.errors import GraphError
from nnstudio.core.project import Project
from nnstudio.core.templates import TEMPLATES
from nnstudio.core.validation import Analysis
from nnstudio.ui import theme, window_layout
from nnstudio.ui.autosave import AutoSaver
from nnstudio.ui.document import Document
from nnstudio.ui.export_actions import ExportActions
from nnstudio.ui.file_actions import FileActions
from nnstudio.ui.graph import block_actions
from nnstudio.ui.graph.scene import GraphScene
from nnstudio.ui.graph.view import GraphView
from nnstudio.ui.help_dialogs import ShortcutsDialog, show_about
from nnstudio.ui.inspector import Inspector
from nnstudio.ui.mime import put_on_clipboard
from nnstudio.ui.palette import Palette
from nnstudio.ui.problems import ProblemsPanel
from nnstudio.ui.settings_panel import SettingsPanel
from nnstudio.ui.training.install import install as install_training

APP_NAME = "NN Studio"
STATE_VERSION = 1
STATUS_TIMEOUT_MS = 10_000
"""If this module exists, its `install(window)` runs at the end of construction (training)."""
Area = Qt.DockWidgetArea


def _keys(standard: QKeySequence.StandardKey, fallback: str) -> list[QKeySequence]:
    """The platform's standard keys, or `fallback` where the platform defines none."""
    keys = QKeySequence.keyBindings(standard)
    return keys or [QKeySequence(fallback)]


class MainWindow(FileActions, QMainWindow):
    project_loaded = Signal(object)
    """A LoadedProject was opened from a file (its weights and history are for training)."""
    editing_locked_changed = Signal(bool)

    def __init__(
        self,
        project: Project | None = None,
        path: str | Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self.setDockNestingEnabled(True)
        self.document = Document(project, self)
        if path is not None:
            self.document.mark_saved(path)
        self.close_guards: list[Callable[[], bool]] = []
        """Each is asked before the window closes; any False keeps it open."""
        self.editing_locked = False
        self.autosaver = AutoSaver(self.document, self)
        self.scene = GraphScene(self.document, self)
        self.view = GraphView(self.scene, self)
        self.setCentralWidget(self.view)
        self.setAcceptDrops(True)  # project files; FileActions handles them
        self._build_docks()
        self._build_actions()
        self._build_menus()
        self._build_toolbars()
        self._build_status_bar()
        self._connect()
        self._update_title()
        self._on_analysis(self.document.analysis)
        self._install_extensions()
        self.exports = ExportActions(self)
        self.default_state = QByteArray(self.saveState(STATE_VERSION))
        self.restore_layout()
        QTimer.singleShot(0, self.view.fit_to_view)

    # -- construction -----------------------------------------------------------------------
    def _dock(self, widget: QWidget, title: str, name: str, area: Area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        self.palette = Palette(self)
        self.inspector = Inspector(self.document, self)
        self.settings_panel = SettingsPanel(self.document, self)
        self.problems = ProblemsPanel(self.document, self)
        self.palette_dock = self._dock(
            self.palette, "Layers", "palette_dock", Area.LeftDockWidgetArea
        )
        self.settings_dock = self._dock(
            self.settings_panel, "Experiment", "settings_dock", Area.RightDockWidgetArea
        )
        self.inspector_dock = self._dock(
            self.inspector, "Inspector", "inspector_dock", Area.RightDockWidgetArea
        )
        self.tabifyDockWidget(self.settings_dock, self.inspector_dock)
        self.settings_dock.raise_()
        self.problems_dock = self._dock(
            self.problems, "Problems", "problems_dock", Area.BottomDockWidgetArea
        )
        self.setCorner(Qt.Corner.BottomLeftCorner, Area.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Area.RightDockWidgetArea)
        self.docks = [
            self.palette_dock,
            self.settings_dock,
            self.inspector_dock,
            self.problems_dock,
        ]
        self.resizeDocks([self.palette_dock], [180], Qt.Orientation.Horizontal)
        self.resizeDocks([self.settings_dock], [340], Qt.Orientation.Horizontal)
        self.resizeDocks([self.problems_dock], [96], Qt.Orientation.Vertical)

    def _action(
        self,
        name: str,
        text: str,
        slot: Callable[[], Any],
        keys: list[QKeySequence] | str | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if isinstance(keys, str):
            action.setShortcut(QKeySequence(keys))
        elif keys:
            action.setShortcuts(keys)
        if tip:
            action.setStatusTip(tip)
            shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        a = self._action
        self.action_new = a(
            "action_new", "&New", self.new_project, _keys(K.New, "Ctrl+N"), "Start an empty project"
        )
        self.action_open = a(
            "action_open", "&Open…", self.open_file, _keys(K.Open, "Ctrl+O"), "Open a project file"
        )
        self.action_save = a(
            "action_save", "&Save", self.save, _keys(K.Save, "Ctrl+S"), "Save the project"
        )
        self.action_save_as = a(
            "action_save_as",
            "Save &As…",
            self.save_as,
            _keys(K.SaveAs, "Ctrl+Shift+S"),
            "Save under a new name",
        )
        self.action_quit = a(
            "action_quit", "&Quit", self.close, _keys(K.Quit, "Ctrl+Q"), "Quit NN Studio"
        )
        self.action_undo = a("action_undo", "&Undo", self.undo, _keys(K.Undo, "Ctrl+Z"))
        self.action_redo = a("action_redo", "&Redo", self.redo, _keys(K.Redo, "Ctrl+Shift+Z"))
        self.action_cut = a(
            "action_cut",
            "Cu&t",
            self.cut,
            _keys(K.Cut, "Ctrl+X"),
            "Copy the selected nodes and delete them",
        )
        self.action_copy = a(
            "action_copy", "&Copy", self.copy, _keys(K.Copy, "Ctrl+C"), "Copy the selected nodes"
        )
        self.action_paste = a(
            "action_paste", "&Paste", self.paste, _keys(K.Paste, "Ctrl+V"), "Paste copied nodes"
        )
        self.action_delete = a(
            "action_delete",
            "&Delete",
            self.delete_selection,
            _keys(K.Delete, "Del"),
            "Delete the selected nodes and connections",
        )
        self.action_select_all = a(
            "action_select_all",
            "Select &All",
            self.scene.select_all,
            _keys(K.SelectAll, "Ctrl+A"),
            "Select every node",
        )
        self.action_fit = a(
            "action_fit", "&Fit to View", self.view.fit_to_view, "F", "Show the whole network"
        )
        self.action_auto_layout = a(
            "action_auto_layout",
            "&Auto-layout",
            self.auto_layout,
            "Ctrl+L",
            "Arrange the network left to right",
        )
        self.action_zoom_in = a(
            "action_zoom_in", "Zoom &In", lambda: self.view.zoom_by(1.25), _keys(K.ZoomIn, "Ctrl++")
        )
        self.action_zoom_out = a(
            "action_zoom_out",
            "Zoom &Out",
            lambda: self.view.zoom_by(0.8),
            _keys(K.ZoomOut, "Ctrl+-"),
        )
        self.action_zoom_reset = a(
            "action_zoom_reset", "&Actual Size", lambda: self.view.set_zoom(1.0), "Ctrl+0"
        )
        self.action_shortcuts = a(
            "action_shortcuts",
            "&Keyboard Shortcuts",
            self.show_shortcuts,
            _keys(K.HelpContents, "F1"),
        )
        self.action_about = a("action_about", "&About NN Studio", lambda: show_about(self))
        # Canvas-only keys act when the canvas has focus, so typing in a field is never
        # taken as a command (an "f" in the search box, Delete in a spin box).
        for action in (
            self.action_fit,
            self.action_delete,
            self.action_select_all,
            self.action_cut,
            self.action_copy,
            self.action_paste,
        ):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.removeAction(action)
            self.view.addAction(action)
        self.template_actions: dict[str, QAction] = {}
        for template in TEMPLATES:
            action = QAction(template.title, self)
            action.setObjectName(f"template_{template.name}")
            action.setStatusTip(template.description)
            action.setToolTip(template.description)
            action.triggered.connect(lambda _c=False, n=template.name: self.new_from_template(n))
            self.template_actions[template.name] = action
        self.edit_actions = [
            self.action_new, self.action_open, self.action_cut, self.action_paste,
            self.action_delete, self.action_auto_layout, *self.template_actions.values(),
        ]  # fmt: skip

    def _build_menus(self) -> None:
        bar = self.menuBar()
        bar.setObjectName("menu_bar")
        file_menu = bar.addMenu("&File")
        file_menu.setObjectName("menu_file")
        file_menu.addAction(self.action_new)
        self.templates_menu = file_menu.addMenu("New from &Template")
        self.templates_menu.setObjectName("menu_templates")
        self.templates_menu.setToolTipsVisible(True)
        self.templates_menu.addActions(list(self.template_actions.values()))
        file_menu.addAction(self.action_open)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.setObjectName("menu_recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.action_save)
        file_menu.addAction(self.action_save_as)
        self.export_menu = file_menu.addMenu("&Export")
        self.export_menu.setObjectName("menu_export")
        file_menu.addSeparator()
        file_menu.addAction(self.action_quit)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.setObjectName("menu_edit")
        edit_menu.addActions([self.action_undo, self.action_redo])
        edit_menu.addSeparator()
        edit_menu.addActions(
            [self.action_cut, self.action_copy, self.action_paste, self.action_delete]
        )
        edit_menu.addSeparator()
        edit_menu.addAction(self.action_select_all)
        self.block_actions = block_actions.install(self, edit_menu)
        self.view_menu = bar.addMenu("&View")
        self.view_menu.setObjectName("menu_view")
        self.view_menu.addActions([self.action_fit, self.action_auto_layout])
        self.view_menu.addSeparator()
        self.view_menu.addActions(
            [self.action_zoom_in, self.action_zoom_out, self.action_zoom_reset]
        )
        self.view_menu.addSeparator()
        self.panels_menu = self.view_menu.addMenu("&Panels")
        self.panels_menu.setObjectName("menu_panels")
        for dock in self.docks:
            self._add_dock_toggle(dock)
        reset = QAction("Reset &Window Layout", self)
        reset.setObjectName("action_reset_window_layout")
        reset.setStatusTip("Put the window and its panels back to their first-run size")
        reset.triggered.connect(self.reset_window_layout)
        self.view_menu.addAction(reset)
        help_menu = bar.addMenu("&Help")
        help_menu.setObjectName("menu_help")
        help_menu.addActions([self.action_shortcuts, self.action_about])

    def _add_dock_toggle(self, dock: QDockWidget) -> None:
        toggle = dock.toggleViewAction()
        toggle.setObjectName(f"toggle_{dock.objectName()}")
        self.panels_menu.addAction(toggle)

    def _build_toolbars(self) -> None:
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addActions([self.action_new, self.action_open, self.action_save])
        toolbar.addSeparator()
        toolbar.addActions([self.action_undo, self.action_redo])
        toolbar.addSeparator()
        toolbar.addActions([self.action_fit, self.action_auto_layout])
        self.addToolBar(toolbar)
        self.main_toolbar = toolbar
        self.training_toolbar = QToolBar("Training", self)
        self.training_toolbar.setObjectName("training_toolbar")
        self.training_toolbar.setMovable(False)
        self.training_toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(self.training_toolbar)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        status.setObjectName("status_bar")
        status.setSizeGripEnabled(False)
        self.problems_label = QLabel(self)
        self.problems_label.setObjectName("status_problems")
        self.params_label = QLabel(self)
        self.params_label.setObjectName("status_params")
        self.zoom_label = QLabel("100 %", self)
        self.zoom_label.setObjectName("status_zoom")
        self.autosave_label = QLabel(self)
        self.autosave_label.setObjectName("status_autosave")
        self.autosave_label.setStyleSheet(f"color: {theme.ERROR};")
        self.autosave_label.hide()
        for label in (self.autosave_label, self.problems_label, self.params_label, self.zoom_label):
            status.addPermanentWidget(label)
        # Widths fixed for the longest usual text: a label that changed its width with every
        # edit would re-lay the whole window out (docks, plots) each time, which cost more
        # than the edit itself at a thousand nodes.
        metrics = self.params_label.fontMetrics()
        self.params_label.setFixedWidth(metrics.horizontalAdvance("999,999,999 parameters") + 8)
        self.problems_label.setFixedWidth(metrics.horizontalAdvance("✓ Ready to train") + 16)

    def _connect(self) -> None:
        doc = self.document
        doc.modified_changed.connect(self._update_title)
        doc.path_changed.connect(self._update_title)
        doc.project_replaced.connect(self._on_project_replaced)
        doc.analysis_changed.connect(self._on_analysis)
        stack = doc.undo_stack
        for signal in (
            stack.canUndoChanged,
            stack.canRedoChanged,
            stack.undoTextChanged,
            stack.redoTextChanged,
        ):
            signal.connect(self._sync_undo_actions)
        self._sync_undo_actions()
        for source in (self.scene, self.inspector, self.settings_panel):
            source.status_message.connect(self.show_status)
        self.scene.selection_ids_changed.connect(self._on_selection)
        self.palette.layer_activated.connect(self.add_layer_at_centre)
        self.problems.node_requested.connect(self.reveal_node)
        self.view.zoom_changed.connect(self._show_zoom)
        self.autosaver.failed.connect(self._autosave_failed)
        self.autosaver.saved.connect(self._autosave_succeeded)

    def _install_extensions(self) -> None:
        """Live training: toolbar, Training tab and Runs (a module of its own); lessons."""
        install_training(self)
        from nnstudio.ui.ask import install as install_ask

        install_ask(self)

        from nnstudio.ui.lessons.install import install as install_lessons

        install_lessons(self)

    # -- public hooks for training ----------------------------------------------------------
    def add_panel_dock(
        self, widget: QWidget, title: str, area: Area = Area.BottomDockWidgetArea
    ) -> QDockWidget:
        """Add a dockable panel, listed under View → Panels and remembered between runs."""
        name = (widget.objectName() or title.lower().replace(" ", "_")) + "_dock"
        dock = self._dock(widget, title, name, area)
        self.docks.append(dock)
        self._add_dock_toggle(dock)
        return dock

    def set_editing_locked(self, locked: bool) -> None:
        """Lock (True) or unlock every edit of the project: canvas, palette, inspector,
        settings, undo/redo and the file actions that would replace the project."""
        if locked == self.editing_locked:
            return
        self.editing_locked = locked
        self.document.set_locked(locked)
        self.palette.setEnabled(not locked)
        self.view.setAcceptDrops(not locked)
        for action in self.edit_actions:
            action.setEnabled(not locked)
        self.templates_menu.setEnabled(not locked)
        self.recent_menu.setEnabled(not locked)
        self._sync_undo_actions()
        self.editing_locked_changed.emit(locked)

    # -- autosave ---------------------------------------------------------------------------
    def _autosave_failed(self, message: str) -> None:
        """Stays in the status bar until an autosave succeeds: the work is not protected."""
        self.show_status(f"Autosave failed, so unsaved work is not protected: {message}")
        self.autosave_label.setText("Autosave failing")
        self.autosave_label.setToolTip(message)
        self.autosave_label.show()

    def _autosave_succeeded(self, _path: object = None) -> None:
        self.autosave_label.hide()

    # -- status and title -------------------------------------------------------------------
    def show_status(self, message: str) -> None:
        self.statusBar().showMessage(message, STATUS_TIMEOUT_MS)

    def status_text(self) -> str:
        return self.statusBar().currentMessage()

    def _update_title(self, *_args: object) -> None:
        """File name, with Qt's `[*]` placeholder that shows `*` while there are unsaved edits."""
        self.setWindowTitle(f"{self.document.display_name()}[*] — {APP_NAME}")
        self.setWindowModified(self.document.is_modified())

    def display_title(self) -> str:
        """The title as the title bar shows it (`[*]` replaced by `*` or nothing)."""
        return self.windowTitle().replace("[*]", "*" if self.isWindowModified() else "")

    def _on_analysis(self, analysis: Analysis) -> None:
        self.params_label.setText(f"{analysis.total_params:,} parameters")
        errors = len(analysis.errors)
        warnings = len(analysis.problems) - errors
        if errors:
            text = f"⚠ {errors} error{'s' if errors != 1 else ''}"
            color = "#DC2626"
        elif warnings:
            text = f"{warnings} warning{'s' if warnings != 1 else ''}"
            color = "#D97706"
        else:
            text, color = "✓ Ready to train", "#16A34A"
        self.problems_label.setText(text)
        style = f"color: {color};"
        if self.problems_label.styleSheet() != style:
            self.problems_label.setStyleSheet(style)  # re-styling re-lays the window out

    def _show_zoom(self, zoom: float) -> None:
        self.zoom_label.setText(f"{zoom * 100:.0f} %")

    def add_layer_at_centre(self, layer: str) -> str | None:
        return self.scene.add_node_at(layer, self.view.center_scene_pos())

    def _sync_undo_actions(self, *_args: object) -> None:
        stack = self.document.undo_stack
        free = not self.editing_locked
        self.action_undo.setEnabled(free and stack.canUndo())
        self.action_redo.setEnabled(free and stack.canRedo())
        # Menus name the step ("Undo Add Linear"); the toolbar keeps a short, steady label.
        self.action_undo.setText(f"&Undo {stack.undoText()}".rstrip())
        self.action_redo.setText(f"&Redo {stack.redoText()}".rstrip())
        self.action_undo.setIconText("Undo")
        self.action_redo.setIconText("Redo")
        self.action_undo.setToolTip(self.action_undo.text().replace("&", ""))
        self.action_redo.setToolTip(self.action_redo.text().replace("&", ""))

    def _on_selection(self, node_ids: list[str]) -> None:
        self.inspector.show_nodes(node_ids)
        if node_ids and not self.editing_locked:
            if not self.inspector_dock.toggleViewAction().isChecked():
                self.inspector_dock.show()  # a closed Inspector comes back on a click
            self.inspector_dock.raise_()

    def _on_project_replaced(self) -> None:
        self._update_title()
        QTimer.singleShot(0, self.view.fit_to_view)

    def reveal_node(self, location: str | list[str]) -> bool:
        """Select a node and centre the canvas on it. `location` is a top-level node id, or
        the blocks to open from the top and then the node inside the last of them (a
        problem inside nested blocks): each level is opened, as double-clicks would."""
        path = [location] if isinstance(location, str) else list(location)
        if not path:
            return False
        *blocks, node_id = path
        try:
            graph = graph_at(self.document.graph, blocks)
        except GraphError:
            return False  # the graph changed since the problem was listed
        if node_id not in graph.nodes:
            return False
        moved = blocks != self.document.focus_path
        if moved:
            self.document.set_focus(blocks)
        self.scene.select_nodes([node_id])
        self.view.centre_on(node_id, after_fit=moved)
        self.view.setFocus()
        return True

    # -- edit actions -----------------------------------------------------------------------
    def undo(self) -> None:
        if not self.editing_locked:
            self.document.undo_stack.undo()

    def redo(self) -> None:
        if not self.editing_locked:
            self.document.undo_stack.redo()

    def copy(self) -> bool:
        mime = self.scene.copy_selection()
        if mime is None:
            return False
        put_on_clipboard(mime)
        count = len(self.scene.selected_node_ids())
        self.show_status(f"Copied {count} node{'s' if count != 1 else ''}.")
        return True

    def paste(self) -> list[str]:
        return self.scene.paste(QApplication.clipboard().mimeData())

    def cut(self) -> None:
        if self.editing_locked or not self.copy():
            return
        stack = self.document.undo_stack
        stack.beginMacro("Cut")
        self.scene.delete_selection()
        stack.endMacro()

    def delete_selection(self) -> None:
        self.scene.delete_selection()

    def auto_layout(self) -> None:
        if self.scene.auto_layout():
            self.view.fit_to_view()

    def show_shortcuts(self) -> None:
        actions = [*self.actions(), *self.view.actions()]
        order = {a: i for i, a in enumerate(self._menu_actions())}
        actions.sort(key=lambda a: order.get(a, len(order)))
        ShortcutsDialog(actions, self).exec()

    def _menu_actions(self) -> list[QAction]:
        found: list[QAction] = []

        def walk(menu: QMenu) -> None:
            for action in menu.actions():
                if action.menu() is not None:
                    walk(action.menu())
                else:
                    found.append(action)

        for action in self.menuBar().actions():
            if action.menu() is not None:
                walk(action.menu())
        return found

    # -- layout memory ----------------------------------------------------------------------
    def restore_layout(self) -> None:
        window_layout.restore(self, STATE_VERSION)

    def save_layout(self) -> None:
        window_layout.save(self, STATE_VERSION)

    def reset_window_layout(self) -> None:
        window_layout.reset(self, self.default_state, STATE_VERSION)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not getattr(self, "_docks_checked", False):
            self._docks_checked = True
            QTimer.singleShot(0, lambda: window_layout.check_docks(self))

    def moveEvent(self, event) -> None:
        super().moveEvent(event)
        # The window manager frames the window after it is shown: only then does the title
        # bar count, and a window that just fit may now overflow the screen (scale 2).
        if not getattr(self, "_frame_checked", False) and self.frameGeometry() != self.geometry():
            self._frame_checked = True
            QTimer.singleShot(0, lambda: window_layout.check_docks(self))

    def closeEvent(self, event: QCloseEvent) -> None:
        if not all(guard() for guard in self.close_guards) or not self.confirm_discard():
            event.ignore()
            return
        self.save_layout()
        self.autosaver.shutdown()
        event.accept()

    # -- after the first paint --------------------------------------------------------------
    def start_background_tasks(self) -> None:
        """Load what the first paint did not need: the dataset preview and the device list."""
        from nnstudio.ui.device_probe import DeviceProbe

        self.settings_panel.preview.ensure_plot()
        self.device_probe = DeviceProbe(self)
        self.device_probe.found.connect(self.settings_panel.set_devices)
        self.device_probe.start()
