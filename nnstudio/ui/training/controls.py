"""The Train / Pause / Step / Stop / Reset actions and the progress readout.

Editing is locked while a run is active (the window greys out the editor and says so in the
status bar): a network that changes under a running trainer would make the curves lie.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QProgressBar, QWidget

from nnstudio.core.project import Project
from nnstudio.ui.training.controller import IDLE, PAUSED, RUNNING, STOPPING, TrainingController

ProjectProvider = Callable[[], Project]
Checker = Callable[[Project], str | None]


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds) or seconds < 0:
        return "–"
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressReadout(QWidget):
    """Epoch, steps per second and time left, beside a progress bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("training_progress")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar(self)
        self.bar.setObjectName("training_progress_bar")
        self.bar.setRange(0, 1000)
        self.bar.setFixedWidth(180)
        self.bar.setTextVisible(False)
        # Hidden when idle, but its room is kept: a status bar that changed height at each
        # run start would resize every panel above it, and the docks drift.
        policy = self.bar.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.bar.setSizePolicy(policy)
        self._accuracy = ""
        self.label = QLabel("Ready", self)
        self.label.setObjectName("training_progress_label")
        self.label.setMinimumWidth(260)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)

    def show_snapshot(self, snap) -> None:
        """Epochs count the whole run, continued sessions included ("Epoch 230/400")."""
        self.bar.setValue(int(1000 * snap.epoch_fraction))
        total_epochs = max(1, snap.total_epochs)
        left = snap.eta_seconds  # the session's whole pace, evaluation included
        if snap.val_accuracy is not None:
            self._accuracy = f" · val acc {snap.val_accuracy:.3f}"
        elif snap.scored:
            self._accuracy = ""  # a scored report without accuracy: regression, or no val split
        accuracy = self._accuracy  # a light report (no scores) keeps the last one shown
        epoch = min(snap.epoch + 1, total_epochs) if snap.step < snap.total_steps else snap.epoch
        if snap.status == "paused":
            pace = "paused"  # no pace to show: the clock stands still while paused
        elif math.isfinite(left) and left < 100 * 3600:
            pace = f"{snap.steps_per_second:,.0f} steps/s · {_duration(left)} left"
        else:
            pace = f"{snap.steps_per_second:,.0f} steps/s · estimating time left"
        self.label.setText(f"Epoch {epoch}/{total_epochs} · {pace}{accuracy}")

    def show_text(self, text: str) -> None:
        self._accuracy = ""
        self.label.setText(text)


class TrainingActions(QObject):
    """Owns the actions and keeps their enabled state in step with the controller."""

    editing_locked = Signal(bool)
    message = Signal(str)
    variants_requested = Signal()

    def __init__(
        self,
        controller: TrainingController,
        project: ProjectProvider,
        check: Checker,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.project = project
        self.check = check
        self.window = parent
        self.progress = ProgressReadout(parent)
        self._epochs = 1
        self.last_evaluation: tuple[str, float, object] | None = None

        def action(name: str, text: str, keys, tip: str, slot) -> QAction:
            act = QAction(text, parent)
            act.setObjectName(name)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            shortcut = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            act.setToolTip(f"{tip} ({shortcut})")
            act.setStatusTip(tip)
            act.triggered.connect(slot)
            return act

        self.train = action(
            "action_train",
            "▶ Train",
            "F5",
            "Train the network: continues the current run, or starts a new run when a change "
            "(initializer, scale, seed, network, data) needs fresh weights",
            self.on_train,
        )
        self.continue_ = action(
            "action_continue",
            "Continue Training",
            "Ctrl+F5",
            "Train the current run for more epochs from its weights, with the current settings",
            self.on_continue,
        )
        self.variants = action(
            "action_train_variants",
            "Train Variants…",
            "Ctrl+Shift+F5",
            "Train several versions of this network side by side (learning rates, seeds, "
            "activations ...)",
            self.variants_requested.emit,
        )
        self.pause = action("action_pause", "❚❚ Pause", "F6", "Pause training", controller.pause)
        self.step = action(
            "action_step", "Step", "F10", "Train on exactly one batch, then pause", self.on_step
        )
        self.stop = action("action_stop", "■ Stop", "Shift+F5", "Stop training", controller.stop)
        self.reset = action(
            "action_reset",
            "↺ New Run",
            "Ctrl+R",
            "Start the next run from fresh weights; earlier runs stay in the Runs list",
            controller.reset,
        )
        self.evaluate = action(
            "action_evaluate_test",
            "Evaluate on Test Set",
            "Ctrl+T",
            "Score the trained network on the held-out test split (a final check)",
            self.on_evaluate,
        )
        self.actions = [self.train, self.pause, self.step, self.stop, self.reset]
        controller.state_changed.connect(self._sync)
        controller.snapshot.connect(self._on_snapshot)
        controller.failed.connect(self._on_failed)
        controller.run_finished.connect(self._on_finished)
        controller.weights_reset.connect(
            lambda: self.progress.show_text("The next Train starts a new run")
        )
        controller.evaluated.connect(self._on_evaluated)
        controller.weights_reset.connect(lambda: self._sync(controller.state))
        self._sync(controller.state)

    def _startable(self) -> Project | None:
        project = self.project()
        problem = self.check(project)
        if problem:
            self.message.emit(f"Cannot train yet: {problem}")
            self.progress.show_text("Fix the problems first")
            return None
        self._epochs = project.training["epochs"]
        return project

    @Slot()
    def on_train(self) -> None:
        if self.controller.state == PAUSED:
            self.controller.resume()
            return
        project = self._startable()
        if project is None:
            return
        self.progress.show_text("Preparing…")
        current = self.controller.current_run
        if self.controller.continues(project) and current is not None:
            self.message.emit(
                f"Continuing {current.label} from epoch {current.epochs_done} "
                "(Ctrl+R starts a new run instead)."
            )
            self.controller.start(project)
            return
        run = self.controller.start(project)
        if run is not None:
            why = ""
            if current is not None and current.weights is not None:
                from nnstudio.core.variants import needs_fresh_weights

                changed = needs_fresh_weights(current.project, project)
                if changed:
                    why = f": {', '.join(changed)} changed, so it starts from fresh weights"
            self.message.emit(f"Started {run.label}{why}. Earlier runs stay in the Runs list.")

    @Slot()
    def on_continue(self) -> None:
        project = self._startable()
        if project is None:
            return
        run = self.controller.current_run
        if run is None or run.weights is None:
            self.message.emit("There is no trained run to continue: press Train first.")
            return
        self.progress.show_text("Preparing…")
        self.controller.continue_run(project)
        self.message.emit(f"Continuing {run.label} from epoch {run.epochs_done}.")

    @Slot()
    def on_step(self) -> None:
        if self.controller.state == IDLE:
            project = self._startable()
            if project is None:
                return
            self.controller.step(project)
        else:
            self.controller.step()

    @Slot()
    def on_evaluate(self) -> None:
        project = self._startable()
        if project is not None:
            self.progress.show_text("Evaluating on the test set…")
            self.controller.evaluate(project, "test")

    @Slot(str, float, object)
    def _on_evaluated(self, split: str, loss: float, accuracy: object) -> None:
        acc = "" if accuracy is None else f", accuracy {accuracy:.3f}"
        text = f"Test set: loss {loss:.4f}{acc}"
        self.last_evaluation = (split, loss, accuracy)
        self.progress.show_text(text)
        self.message.emit(text)

    @Slot(str)
    def _sync(self, state: str) -> None:
        active = state != IDLE
        self.progress.bar.setVisible(active)  # an empty bar when idle only adds clutter
        self.train.setEnabled(state in (IDLE, PAUSED))
        self.train.setText("▶ Resume" if state == PAUSED else "▶ Train")
        self.pause.setEnabled(state == RUNNING)
        self.step.setEnabled(state in (IDLE, PAUSED, RUNNING))
        self.stop.setEnabled(state in (RUNNING, PAUSED))
        self.reset.setEnabled(state == IDLE)
        trained = self.controller.trained_state is not None
        self.evaluate.setEnabled(state == IDLE and trained)
        self.continue_.setEnabled(state == IDLE and trained)
        self.variants.setEnabled(state == IDLE)
        if state == PAUSED:
            self.progress.show_text(self.progress.label.text().split(" · ")[0] + " · paused")
        elif state == STOPPING:
            self.progress.show_text("Stopping…")
        self.editing_locked.emit(active)

    @Slot(object)
    def _on_snapshot(self, snap) -> None:
        self.progress.show_snapshot(snap)
        if snap.status == "diverged":
            self.message.emit(snap.message)

    @Slot(object)
    def _on_finished(self, final) -> None:
        self._sync(self.controller.state)
        if final is None:
            return
        if final.status == "diverged":
            # The same words as the dialog: which value, at which step.
            self.progress.show_text("Diverged: " + final.message.split(",")[0])
            self._report("Training diverged", final.message)
        elif final.status == "stopped":
            self.progress.show_text(f"Stopped at step {final.step:,}")
        else:
            acc = (
                ""
                if final.val_accuracy is None
                else f", validation accuracy {final.val_accuracy:.3f}"
            )
            if final.stopped_early:
                self.progress.show_text(f"Stopped early at epoch {final.epoch}{acc}")
            else:
                self.progress.show_text(f"Finished: {final.step:,} steps{acc}")
            if final.message:
                self.message.emit(final.message)  # early stopping: when, and which weights

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        self.progress.show_text("Training failed")
        self._report("Training failed", text)

    def _report(self, title: str, text: str) -> None:
        self.message.emit(text)
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self.window
        )
        box.setObjectName("training_error_box")
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()
