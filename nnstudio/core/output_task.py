"""Which task and loss an Output node should have for the data, so they follow the dataset.

A newcomer who picks a 3-class dataset should not have to know that the Output's task and
loss must change too: the app proposes the fitting ones, and a changed task gets a loss that
fits it. The rules read the loss declarations (`LossSpec.tasks`), never loss names.
"""

from __future__ import annotations

from typing import Any

from nnstudio.core.losses import LOSSES


def task_for_data(task: str, num_classes: int) -> str:
    """The Output task that fits data of `task` ("classification"/"regression")."""
    if task == "regression":
        return "regression"
    return "binary" if num_classes <= 2 else "multiclass"


def loss_for_task(task: str, loss: str) -> str:
    """`loss` when it fits `task`, else the first declared loss that does."""
    if loss in LOSSES and task in LOSSES.get(loss).tasks:
        return loss
    return next(spec.name for spec in LOSSES if task in spec.tasks)


def output_changes(params: dict[str, Any], data_task: str, num_classes: int) -> dict[str, Any]:
    """The Output parameters to change so the node fits the data (empty when it does).

    A binary task on two-class data stays as it is: binary and 2-class multi-class both fit."""
    task = params["task"]
    wanted = task_for_data(data_task, num_classes)
    fits = task == wanted or (task == "multiclass" and wanted == "binary")
    new_task = task if fits else wanted
    new_loss = loss_for_task(new_task, params["loss"])
    changes: dict[str, Any] = {}
    if new_task != task:
        changes["task"] = new_task
    if new_loss != params["loss"]:
        changes["loss"] = new_loss
    return changes
