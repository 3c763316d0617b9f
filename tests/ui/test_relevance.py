"""Forms show only the settings that matter now, and only the choices that fit."""

from __future__ import annotations

from nnstudio.core.losses import losses_for


def shown(form, name: str) -> bool:
    """Whether the form shows this setting's row (whether or not its dock is on top)."""
    return form.editors[name].isVisibleTo(form)


def combo_values(combo) -> list[str]:
    return [combo.itemData(i) for i in range(combo.count())]


def test_output_offers_only_losses_that_fit_its_task(qtbot, make_window):
    window = make_window("spiral_mlp")
    output = next(n.id for n in window.document.graph.nodes.values() if n.type == "output")
    window.scene.select_nodes([output])
    form = window.inspector.form
    loss = form.editors["loss"]
    assert combo_values(loss) == [s.name for s in losses_for("binary")]
    assert "mse" not in combo_values(loss)
    # Binary cross-entropy has no settings of its own: label smoothing and delta stay hidden.
    assert not shown(form, "label_smoothing")
    assert not shown(form, "delta")

    task = form.editors["task"]
    task.setCurrentIndex(task.findData("regression"))
    task.activated.emit(task.currentIndex())
    node = window.document.graph.node(output)
    assert node.params["task"] == "regression"
    form = window.inspector.form
    offered = combo_values(form.editors["loss"])
    # The old loss stays listed (so the node can say it no longer fits); the rest fit.
    assert set(offered) - {"bce"} == {s.name for s in losses_for("regression")}

    loss = form.editors["loss"]
    loss.setCurrentIndex(loss.findData("huber"))
    loss.activated.emit(loss.currentIndex())
    assert window.document.graph.node(output).params["loss"] == "huber"
    assert shown(window.inspector.form, "delta")
    assert not shown(window.inspector.form, "label_smoothing")


def test_training_form_shows_the_chosen_schedules_settings(qtbot, make_window):
    window = make_window("spiral_mlp")
    window.settings_dock.raise_()
    form = window.settings_panel.training_form
    assert not shown(form, "decay_every"), "constant rate needs no decay setting"
    assert shown(form, "warmup_steps")
    schedule = form.editors["lr_schedule"]
    schedule.setCurrentIndex(schedule.findData("step"))
    schedule.activated.emit(schedule.currentIndex())
    assert window.document.project.training["lr_schedule"] == "step"
    form = window.settings_panel.training_form
    assert shown(form, "decay_every")
    assert shown(form, "decay_factor")
    assert not shown(form, "restore_best"), "early stopping is off"
