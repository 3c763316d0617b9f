"""Writing train.py: the project's training settings as a standalone PyTorch script.

The settings become constants at the top; the pieces of the app that decide the numbers
(weight initialization, the warm-up and schedule, Lion, early stopping) are copied from the
modules the app runs; the loop itself is `train_template`.
"""

from __future__ import annotations

from typing import Any

from nnstudio.core.code import literal
from nnstudio.core.initializers import INITIALIZERS
from nnstudio.core.losses import LOSSES
from nnstudio.core.schedules import SCHEDULES, is_constant
from nnstudio.export.model_code import assignment
from nnstudio.export.plan import ExportPlan
from nnstudio.export.source import Definitions, with_imports, wrap
from nnstudio.export.train_template import HEAD, MAIN, SYNC_BATCHNORM, SYNC_PLAIN

TARGET_LINES = {
    "value": "yt = yt.to(torch.float32).reshape(len(yt), -1)",
    "logit": "yt = yt.to(torch.float32).reshape(-1, 1)",
    "classes": "yt = yt.to(torch.int64)\n"
    "    several = yt.dim() > 1 and yt.shape[1] > 1  # several answers per sample\n"
    "    yt = yt.reshape(len(yt), -1) if several else yt.reshape(-1)",
}
TARGET_TEXT = {
    "value": "targets of shape (n,) or (n, outputs) (numbers)",
    "logit": "targets of shape (n,) (0 or 1)",
    "classes": "targets of shape (n,) (class ids from 0)",
}
COUNT_CORRECT = {
    "value": "    return None",
    "logit": "    return float(((out > 0).to(y.dtype) == y).float().sum())",
    "classes": "    return float((out.argmax(dim=-1) == y).float().sum())",
}


def target_kind(plan: ExportPlan) -> str:
    """How targets are stored and answers scored: the loss's declared decision, as the
    app's task rules read it."""
    return LOSSES.get(plan.loss_name).decision


def train_source(plan: ExportPlan) -> str:
    settings = plan.project.training
    values = settings.values
    kind = target_kind(plan)
    initializer = INITIALIZERS.get(values["initializer"])
    scaled = values["init_scale"] != 1.0
    scheduled = not is_constant(values)
    definitions = Definitions()
    if initializer.torch_init is not None or scaled:
        definitions.add("nnstudio.core.initializers", ["initialize_weights"])
    if scheduled:
        schedule = SCHEDULES.get(values["lr_schedule"])
        definitions.add("nnstudio.core.schedules", ["with_warmup", schedule.rate.__name__])
    if plan.optimizer.own is not None:
        definitions.add(*plan.optimizer.own[:1], [plan.optimizer.own[1]])
    if plan.loss.own is not None:
        definitions.add(*plan.loss.own[:1], [plan.loss.own[1]])
    definitions.add("nnstudio.training.early_stopping", ["EarlyStopping"])

    parts = [_constants(plan, values, scheduled), HEAD.strip() + "\n", definitions.source()]
    parts.append(_build_model(initializer.torch_init, dict(initializer.kwargs), scaled))
    parts.append(f"def make_loss() -> nn.Module:\n    return {plan.loss.code()}\n")
    optimizer = assignment(
        "optimizer", plan.optimizer.name, ["model.parameters()", *_optimizer_arguments(plan)], 1
    )
    parts.append(
        "def make_optimizer(model: nn.Module) -> torch.optim.Optimizer:\n"
        f"{optimizer}\n    return optimizer\n"
    )
    parts.append(
        "def count_correct(out: torch.Tensor, y: torch.Tensor) -> float | None:\n"
        '    """How many predictions are right (None for regression), as NN Studio scores."""\n'
        f"{COUNT_CORRECT[kind]}\n"
    )
    if scheduled:
        rate_args = [schedule.rate.__name__, "step", "total_steps", "LEARNING_RATE"]
        rate_args += ["SCHEDULE", "steps_per_epoch"]
        parts.append(
            "def learning_rate(step: int, total_steps: int, steps_per_epoch: int) -> float:\n"
            '    """The rate of update `step` (from 0): the schedule behind the warm-up."""\n'
            f"{_returned_call('with_warmup', rate_args)}\n"
        )
        parts.append(
            "def set_learning_rate(optimizer: torch.optim.Optimizer, rate: float) -> None:\n"
            "    for group in optimizer.param_groups:\n"
            '        group["lr"] = rate\n'
        )
    has_batchnorm = any(
        n.code.module is not None and n.code.module.target.startswith("nn.BatchNorm")
        for n in plan.nodes
    )
    parts.append((SYNC_BATCHNORM if has_batchnorm else SYNC_PLAIN).strip() + "\n")
    main = MAIN.strip() + "\n"
    first = "set_learning_rate(optimizer, learning_rate(0, total_steps, steps_per_epoch))"
    every = "set_learning_rate(optimizer, learning_rate(step, total_steps, steps_per_epoch))"
    main = main.replace("    @SET_FIRST_RATE@\n", f"    {first}\n" if scheduled else "")
    main = main.replace("        @SET_RATE@\n", f"        {every}\n" if scheduled else "")
    main = main.replace("@TARGETS@", TARGET_LINES[kind])
    parts.append(main)
    body = "\n\n".join(p.rstrip("\n") + "\n" for p in parts)
    body = body.replace("@INPUT_SHAPE_TEXT@", ", ".join(str(d) for d in plan.input_shape))
    body = body.replace("@TARGET_TEXT@", TARGET_TEXT[kind])
    title = plan.project.title or "the network"
    docstring = (
        wrap(
            f"Train {title} as NN Studio trains it: the same loss, optimizer, schedule, seed "
            "and batch order, so one process reproduces the app's per-step losses."
        )
        + "\n\n"
        "    python train.py                              # one process\n"
        "    torchrun --nproc_per_node=2 train.py         # two processes (DDP)\n\n"
        "See README.md for several machines and Slurm.\n"
    )
    return with_imports(body, docstring)


def _constants(plan: ExportPlan, values: dict[str, Any], scheduled: bool) -> str:
    lines = [
        f"INPUT_SHAPE = {literal(tuple(plan.input_shape))}",
        f"DECISION = {literal(target_kind(plan))}  # how outputs are read: logit, classes, value",
        'SPLITS = ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")',
        f"SEED = {values['seed']!r}",
        f"EPOCHS = {values['epochs']!r}",
        f"BATCH_SIZE = {values['batch_size']!r}  # 0: the whole training split",
        f"LEARNING_RATE = {values['learning_rate']!r}",
        f"L1 = {values['l1']!r}  # penalty on weights (tensors of 2+ dimensions)",
        f"L2 = {values['l2']!r}",
        f"CLIP_NORM = {values['clip_norm']!r}  # 0: no gradient clipping",
        f"PATIENCE = {values['patience']!r}  # early stopping; 0: off",
        f"RESTORE_BEST = {values['restore_best']!r}",
        f"INIT_SCALE = {values['init_scale']!r}",
    ]
    if scheduled:
        # The schedule's own settings only, as the settings form shows them.
        used = ["lr_schedule", "warmup_steps", *SCHEDULES.get(values["lr_schedule"]).uses]
        items = "".join(f"    {literal(k)}: {literal(values[k])},\n" for k in used)
        lines.append("SCHEDULE = {\n" + items + "}")
    return "\n".join(lines) + "\n"


def _optimizer_arguments(plan: ExportPlan) -> list[str]:
    """The optimizer's arguments, its learning rate read from the LEARNING_RATE constant so
    that changing the constant changes the run."""
    return [
        "lr=LEARNING_RATE" if argument.startswith("lr=") else argument
        for argument in plan.optimizer.arguments()
    ]


def _returned_call(callee: str, arguments: list[str]) -> str:
    """`return callee(arguments)` inside a function, wrapped as ruff wraps it."""
    return assignment("_", callee, arguments, 1).replace("    _ = ", "    return ", 1)


def _build_model(torch_init: str | None, kwargs: dict[str, Any], scaled: bool) -> str:
    lines = []
    fill = "None"
    if torch_init is not None:
        arguments = ["weight", *(f"{k}={literal(v)}" for k, v in kwargs.items())]
        lines += [
            "def fill_weight(weight: torch.Tensor) -> None:",
            f"    nn.init.{torch_init}({', '.join(arguments)})",
            "",
            "",
        ]
        fill = "fill_weight"
    lines += [
        "def build_model() -> nn.Module:",
        '    """The network with the starting weights NN Studio gives it under the same seed."""',
        "    from model import Network  # model.py, beside this script",
        "",
        "    torch.manual_seed(SEED)",
        "    model = Network()",
    ]
    if torch_init is not None or scaled:
        lines.append(f"    initialize_weights(model, {fill}, INIT_SCALE)")
    lines.append("    return model")
    return "\n".join(lines) + "\n"
