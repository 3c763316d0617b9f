"""Plugs live training into the main window: toolbar, progress, the Training tab, file hooks.

The main window calls `install(window)` while it is built. Nothing here imports torch or
pyqtgraph at import time: the dashboard (pyqtgraph) is built after the first paint or when
first needed, and torch loads on the worker thread when a run starts.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMenu, QTabWidget, QVBoxLayout, QWidget

from nnstudio.core import graph as g
from nnstudio.core.project import Project
from nnstudio.ui.training.controller import IDLE, TrainingController
from nnstudio.ui.training.controls import TrainingActions

NETWORK_TAB, TRAINING_TAB = 0, 1
STRUCTURAL = {g.NODE_ADDED, g.NODE_REMOVED, g.EDGE_ADDED, g.EDGE_REMOVED, g.PARAM_CHANGED, g.RESET}
LOCKED_TEXT = (
    "Training is running, so the network is locked. Press Stop (Shift+F5) to edit it again."
)


class TrainingUI(QObject):
    """Everything training adds to one main window."""

    dashboard_built = Signal(object)
    """The TrainingDashboard, once it exists (it is built after the first paint)."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.document = window.document
        self.controller = TrainingController(window)
        self.actions = TrainingActions(self.controller, self._project, self._problem, window)
        self.dashboard = None
        self.host = None
        self._pending_history: Any = None
        self._hidden_docks: list[Any] = []
        self._build_tabs()
        self._build_actions()
        self._connect()

    # -- construction -----------------------------------------------------------------------
    def _build_tabs(self) -> None:
        window = self.window
        view = window.takeCentralWidget()
        network = QWidget()
        network.setObjectName("network_tab")
        layout = QVBoxLayout(network)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.banner = QLabel(LOCKED_TEXT, network)
        self.banner.setObjectName("locked_banner")
        self.banner.setStyleSheet(
            "background: #fff4d6; color: #6b4e00; padding: 6px 10px; "
            "border-bottom: 1px solid #e8d9a8;"
        )
        self.banner.hide()
        layout.addWidget(self.banner)
        layout.addWidget(view, 1)
        self.training_page = QWidget()
        self.training_page.setObjectName("training_tab")
        self.training_layout = QVBoxLayout(self.training_page)
        self.training_layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("central_tabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(network, "Network")
        self.tabs.addTab(self.training_page, "Training")
        self.tabs.setTabToolTip(NETWORK_TAB, "Build the network (Ctrl+1)")
        self.tabs.setTabToolTip(
            TRAINING_TAB, "Watch it learn: curves, boundary, gradients (Ctrl+2)"
        )
        self.tabs.currentChanged.connect(self._tab_changed)
        window.setCentralWidget(self.tabs)

    def _build_actions(self) -> None:
        window = self.window
        toolbar = window.training_toolbar
        toolbar.addActions(self.actions.actions)
        window.statusBar().addPermanentWidget(self.actions.progress)
        for index, (name, text, keys) in enumerate(
            (
                ("show_network", "&Network view", "Ctrl+1"),
                ("show_training", "&Training view", "Ctrl+2"),
            )
        ):
            act = QAction(text, window)
            act.setObjectName(f"action_{name}")
            act.setShortcut(QKeySequence(keys))
            act.triggered.connect(lambda _c=False, i=index: self.tabs.setCurrentIndex(i))
            window.view_menu.insertAction(window.view_menu.actions()[0], act)
        reset_layout = QAction("Reset Training Panel Layout", window)
        reset_layout.setObjectName("action_reset_panel_layout")
        reset_layout.triggered.connect(self._reset_layout)
        window.view_menu.addAction(reset_layout)
        help_menu = window.menuBar().actions()[-1]
        window.menuBar().insertMenu(
            help_menu, _menu(window, "&Train", [*self.actions.actions, self.actions.evaluate])
        )

    def _connect(self) -> None:
        window, controller = self.window, self.controller
        self.actions.editing_locked.connect(self._lock)
        self.actions.message.connect(window.show_status)
        controller.run_started.connect(self._run_started)
        controller.run_finished.connect(self._run_finished)
        window.project_loaded.connect(self._project_loaded)
        self.document.project_replaced.connect(self._project_replaced)
        self.document.graph_event.connect(self._graph_changed)
        self.document.dataset_changed.connect(self._check_weights_fit)
        self.document.dataset_changed.connect(self.refresh_preview)
        self.document.training_changed.connect(self.refresh_preview)
        self.document.project_replaced.connect(self.refresh_preview)
        window.save_extras = self.save_extras
        window.close_guards.append(self.close_guard)
        QTimer.singleShot(800, self.ensure_dashboard)

    # -- the dashboard, built once pyqtgraph may load ----------------------------------------
    def ensure_dashboard(self) -> None:
        if self.dashboard is not None:
            return
        from nnstudio.ui.panels.host import PanelHost
        from nnstudio.ui.training.dashboard import TrainingDashboard

        self.dashboard = TrainingDashboard(self.training_page)
        self.training_layout.addWidget(self.dashboard)
        self.host = PanelHost(self.controller, self.dashboard.panels)
        self.dashboard_built.emit(self.dashboard)
        self.refresh_preview()
        if self._pending_history is not None:
            self.host.load_history(self._pending_history)
            self._pending_history = None

    def refresh_preview(self) -> None:
        """Redraw the planned learning-rate schedule from the current settings."""
        if self.dashboard is not None:
            self.dashboard.learning_rate.show_preview(self.document.project)

    def _tab_changed(self, index: int) -> None:
        """The training view takes the whole window: the editor's docks step aside."""
        if index == TRAINING_TAB:
            self.ensure_dashboard()
            self._hidden_docks = [
                d for d in self.window.docks if d.isVisible() and not d.isFloating()
            ]
            for dock in self._hidden_docks:
                dock.hide()
        else:
            for dock in self._hidden_docks:
                dock.show()
            self._hidden_docks = []

    def _reset_layout(self) -> None:
        self.ensure_dashboard()
        self.dashboard.restore_default_layout()

    # -- starting and checking ------------------------------------------------------------
    def _project(self) -> Project:
        return self.document.project

    def _problem(self, _project: Project) -> str | None:
        errors = self.document.analysis.errors
        return errors[0].message if errors else None

    @Slot(object)
    def _run_started(self, _info: Any) -> None:
        self.ensure_dashboard()
        self.tabs.setCurrentIndex(TRAINING_TAB)

    @Slot(object)
    def _run_finished(self, final: Any) -> None:
        if final is not None and self.controller.trained_state is not None:
            # New weights are unsaved work, though no undo command made them.
            self.document.undo_stack.resetClean()

    @Slot(bool)
    def _lock(self, locked: bool) -> None:
        self.window.set_editing_locked(locked)
        self.banner.setVisible(locked)
        if locked:
            self.window.show_status(LOCKED_TEXT)

    # -- files ----------------------------------------------------------------------------
    def save_extras(self) -> dict[str, Any]:
        history = self.host.history if self.host is not None else self._pending_history
        extras: dict[str, Any] = {}
        if self.controller.trained_state is not None:
            extras["weights"] = dict(self.controller.trained_state)
        if history is not None and len(list(history)):
            extras["history"] = history
        return extras

    @Slot(object)
    def _project_loaded(self, loaded: Any) -> None:
        history = getattr(loaded, "history", None)
        step = history.last_step if history is not None else 0
        self.controller.set_trained_state(getattr(loaded, "weights", None), step)
        if self.host is not None:
            self.host.load_history(history)
        else:
            self._pending_history = history

    @Slot()
    def _project_replaced(self) -> None:
        if self.controller.busy:
            return
        self.controller.reset()
        self._pending_history = None

    @Slot(object)
    def _graph_changed(self, event: Any) -> None:
        if event.kind in STRUCTURAL:
            self._check_weights_fit()

    def _check_weights_fit(self) -> None:
        """Trained weights that no longer fit the edited network are dropped, with a note."""
        state = self.controller.trained_state
        if state is None or self.controller.busy:
            return
        from nnstudio.core.errors import NNStudioError
        from nnstudio.core.project_files import check_weights

        try:
            check_weights(self.document.project, state)
        except NNStudioError:
            self.controller.reset()
            self.window.show_status(
                "The network changed, so the trained weights no longer fit: the next run "
                "starts from fresh weights."
            )

    def close_guard(self) -> bool:
        """Stop a running training before the window closes (within a second)."""
        self.tabs.setCurrentIndex(NETWORK_TAB)  # so the saved dock layout is the editor's
        if self.controller.state != IDLE and not self.controller.shutdown(1000):
            # A very long single step: wait it out rather than destroy a running thread.
            self.controller.shutdown(30000)
        return True


def _menu(window: Any, title: str, actions: list[QAction]) -> QMenu:
    menu = QMenu(title, window)
    menu.setObjectName("menu_train")
    menu.addActions(actions)
    return menu


def install(window: Any) -> TrainingUI:
    window.training = TrainingUI(window)
    return window.training
