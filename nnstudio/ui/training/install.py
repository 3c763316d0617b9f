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
        self._shown_run: str | None = None
        self._dashboard_state: Any = None
        self._on_training = False
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
        self.document.runs_changed.connect(self.refresh_preview)
        self.document.runs_changed.connect(self._runs_changed)
        # The worker fixes a run's step plan as it starts: redraw on its reports (a no-op
        # once the drawn plan matches).
        controller.snapshot.connect(self.refresh_preview)
        controller.run_finished.connect(self.refresh_preview)
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
        for panel in self.dashboard.panels:
            panel.export_folder = self._project_folder
        self._build_run_views()
        from nnstudio.ui.node_view_follow import install as install_node_views

        install_node_views(self.window, self.dashboard.unit_maps)
        self.dashboard_built.emit(self.dashboard)
        # Closed panels come back from View → Panels.
        self.window.panels_menu.addSeparator()
        for dock in self.dashboard.docks.values():
            action = dock.toggleViewAction()
            action.setObjectName(f"action_toggle_{dock.objectName()}")
            action.triggered.connect(lambda on, d=dock: on and d.raise_())
            self.window.panels_menu.addAction(action)
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
        self.runs_dock.visibilityChanged.connect(
            lambda visible: visible and self.runs_panel.catch_up()
        )
        self.controller.reports.connect(self.variants_view.take)
        self.document.locked_changed.connect(lambda _l: self.runs_panel._sync_buttons())
        export = dashboard.loss.export_button.menu().addAction("Metrics of Selected Runs as CSV…")
        export.setObjectName("export_runs_csv")
        export.triggered.connect(self.export_runs_csv)

    def export_runs_csv(self) -> None:
        """The curves of the runs selected in the Runs list (all runs when none is)."""
        from pathlib import Path

        from PySide6.QtWidgets import QFileDialog

        from nnstudio.ui.panels.base import write_runs_csv

        runs = self.runs_panel.selected_runs() or list(self.document.runs.runs)
        if not runs:
            self.window.show_status("There are no runs to export yet: press Train first.")
            return
        start = str(Path(self._project_folder() or "") / "runs.csv")
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Export metrics of runs", start, "CSV (*.csv)"
        )
        if path:
            write_runs_csv([(run.label, run.history) for run in runs], path)
            self.window.show_status(f"Saved the curves of {len(runs)} run(s) to {path}.")

    def refresh_preview(self, *_args: Any) -> None:
        """Draw the learning-rate plan of the run being trained, or else the one Train
        would follow next (continuing the current run, or a new run from step 0)."""
        if self.dashboard is None:
            return
        from nnstudio.ui.panels.learning_rate import next_plan, plan_of_run

        controller, project = self.controller, self.document.project
        current = controller.current_run
        if controller.active:
            plan = plan_of_run(controller.active[0])
        elif current is not None and current.project.training.values == project.training.values:
            plan = plan_of_run(current)  # nothing changed: the run's own plan
        elif controller.continues(project):
            plan = next_plan(project, current)
        else:
            plan = next_plan(project)
        self.dashboard.learning_rate.show_plan(plan)

    def _tab_changed(self, index: int) -> None:
        """The training view takes the whole window: the editor's docks step aside."""
        was_training, self._on_training = self._on_training, index == TRAINING_TAB
        if index == TRAINING_TAB:
            self.ensure_dashboard()
            self._hidden_docks = [
                d for d in self.window.docks if d.isVisible() and not d.isFloating()
            ]
            for dock in self._hidden_docks:
                dock.hide()
            if self._dashboard_state is not None:
                # Once the window has laid out at full size again, put the panel sizes back.
                QTimer.singleShot(0, self._restore_panel_sizes)
        else:
            # While another tab shows, the hidden training page is resized with it, and the
            # docks inside would not grow back to the same sizes: remember them now.
            if self.dashboard is not None and was_training:
                self._dashboard_state = (self.dashboard.size(), self.dashboard.saveState())
            for dock in self._hidden_docks:
                dock.show()
            self._hidden_docks = []

    def _restore_panel_sizes(self) -> None:
        if self._dashboard_state is None or self.dashboard is None:
            return
        size, state = self._dashboard_state
        if self.dashboard.size() == size:  # the same room as before: the same sizes
            self.dashboard.restoreState(state)

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
        self._shown_run = info.run.id
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
        # The banner says it while locked; the status bar keeps what Train said (new run or
        # continued), and a lock message left there must not outlive the run.
        if not locked and self.window.status_text() == LOCKED_TEXT:
            self.window.statusBar().clearMessage()
        if locked:  # "Ready to train" would be wrong while it trains
            self.window.problems_label.setText("● Training")
            self.window.problems_label.setStyleSheet("color: #2563EB;")
        else:
            self.window._on_analysis(self.document.analysis)

    # -- files ----------------------------------------------------------------------------
    def _project_folder(self) -> str:
        """Where export dialogs open: beside the project file, once it has one."""
        from pathlib import Path

        path = self.document.path
        return str(Path(path).parent) if path else ""

    def _follow_current_run(self) -> None:
        """Panels show the current run: its curves, and what its saved weights draw
        (boundary, predictions, weights, gradients), so a reopened project is not blank."""
        if self.host is not None and self.controller.active:
            # Built while a run trains (Train pressed right after start-up): follow it.
            self.host.load_history(self.controller.active[0].history)
        elif self.host is not None and not self.controller.busy:
            run = self.document.runs.current_run
            self.host.load_history(run.history if run is not None else None)
            self._shown_run = run.id if run is not None else None
            if run is not None and run.weights is not None:
                self.controller.inspect()

    @Slot()
    def _runs_changed(self) -> None:
        """Another run became current (picked in the Runs list): show it."""
        run = self.document.runs.current_run
        if not self.controller.busy and (run.id if run else None) != self._shown_run:
            self._follow_current_run()

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
