"""Plugs live training into the main window: toolbar, progress, the Training tab, file hooks.

The main window calls `install(window)` while it is built. Nothing here imports torch or
pyqtgraph at import time: the dashboard (pyqtgraph) is built after the first paint or when
first needed, and torch loads on the worker thread when a run starts.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMenu, QTabWidget, QVBoxLayout, QWidget

from nnstudio.core.project import Project
from nnstudio.ui.training.controller import IDLE, TrainingController
from nnstudio.ui.training.controls import TrainingActions

NETWORK_TAB, TRAINING_TAB = 0, 1
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
        self.controller = TrainingController(window, book=lambda: self.document.runs)
        self.actions = TrainingActions(self.controller, self._project, self._problem, window)
        self.dashboard = None
        self.host = None
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
            help_menu,
            _menu(
                window,
                "&Train",
                [
                    *self.actions.actions,
                    self.actions.continue_,
                    self.actions.variants,
                    self.actions.evaluate,
                ],
            ),
        )

    def _connect(self) -> None:
        window, controller = self.window, self.controller
        self.actions.editing_locked.connect(self._lock)
        self.actions.message.connect(window.show_status)
        controller.run_started.connect(self._run_started)
        controller.run_finished.connect(self._run_finished)
        controller.runs_changed.connect(self.document.runs_changed)
        self.actions.variants_requested.connect(self.open_variants_dialog)
        self.document.project_replaced.connect(self._project_replaced)
        self.document.dataset_changed.connect(self.refresh_preview)
        self.document.training_changed.connect(self.refresh_preview)
        self.document.project_replaced.connect(self.refresh_preview)
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
        self._build_run_views()
        self.dashboard_built.emit(self.dashboard)
        self.refresh_preview()
        self._follow_current_run()

    def _build_run_views(self) -> None:
        from nnstudio.ui.runs.panel import RunsPanel
        from nnstudio.ui.runs.variants_view import VariantsView

        dashboard = self.dashboard
        self.runs_panel = RunsPanel(self.document)
        self.runs_panel.train_variants.connect(self.open_variants_dialog)
        self.runs_dock = dashboard.add_view(self.runs_panel, "Runs", dashboard.loss)
        self.variants_view = VariantsView()
        self.variants_dock = dashboard.add_view(self.variants_view, "Variants", dashboard.boundary)
        self.controller.reports.connect(self.runs_panel.on_reports)
        self.controller.reports.connect(self.variants_view.take)
        self.document.locked_changed.connect(lambda _l: self.runs_panel._sync_buttons())

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
    def _run_started(self, info: Any) -> None:
        self.ensure_dashboard()
        self.tabs.setCurrentIndex(TRAINING_TAB)
        if len(info.runs) > 1:
            from nnstudio.core.losses import LOSSES

            output = info.run.project.graph.nodes_of_role("output")[0]
            regression = LOSSES.get(output.params["loss"]).decision == "value"
            self.variants_view.start(info.runs, regression)
            self.runs_dock.raise_()
            self.variants_dock.raise_()
            # After the tab switch has laid the dashboard out, so the sizes stick.
            QTimer.singleShot(0, self.show_comparison)

    def show_comparison(self) -> None:
        """Runs and variants to the front, and the top row of panels taller to hold them."""
        self.ensure_dashboard()
        self.runs_dock.raise_()
        self.variants_dock.raise_()
        dashboard = self.dashboard
        height = max(dashboard.height(), 400)
        below = dashboard.docks[dashboard.gradients.title]
        above = dashboard.docks[dashboard.loss.title]  # the tab group Runs belongs to
        dashboard.resizeDocks(
            [above, below], [int(height * 0.7), int(height * 0.3)], Qt.Orientation.Vertical
        )

    @Slot(object)
    def _run_finished(self, final: Any) -> None:
        if self.dashboard is not None:
            self.variants_view.stop()
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
    def _follow_current_run(self) -> None:
        """Panels show the current run's curves (an opened project's, say)."""
        if self.host is not None and not self.controller.busy:
            run = self.document.runs.current_run
            self.host.load_history(run.history if run is not None else None)

    @Slot()
    def _project_replaced(self) -> None:
        self._follow_current_run()
        self.actions._sync(self.controller.state)

    def open_variants_dialog(self) -> None:
        """Ask which values to try, then train them all together."""
        from nnstudio.ui.runs.variants_dialog import VariantsDialog

        dialog = VariantsDialog(self.document.project, self.window)
        dialog.setObjectName("variants_dialog")
        dialog.accepted_variants.connect(self._start_variants)
        dialog.open()
        self.variants_dialog = dialog

    @Slot(object)
    def _start_variants(self, variants: Any) -> None:
        problem = self._problem(self.document.project)
        if problem:
            self.window.show_status(f"Cannot train yet: {problem}")
            return
        runs = self.controller.start_variants(variants)
        if runs:
            self.window.show_status(f"Training {len(runs)} variants side by side.")

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
