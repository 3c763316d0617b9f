"""Declarations of the data ends (Input, Output), dense layers, shaping and regularization."""

from __future__ import annotations

import math
from collections.abc import Sequence

from nnstudio.core.errors import ShapeError
from nnstudio.core.layers.spec import (
    Call,
    LayerSpec,
    Params,
    PortSpec,
    Shape,
    ShapeContext,
    fmt_shape,
    need_flat,
    single,
)
from nnstudio.core.losses import LOSSES, TASK_LABELS, TASKS
from nnstudio.core.params import ParamSpec, Relevance, merge, params


def _input_shape(_p: Params, _ins: Sequence[Shape], ctx: ShapeContext) -> Shape:
    if ctx.input_shape is None:
        if ctx.data_problem:
            raise ShapeError(f"Input has no data: {ctx.data_problem}")
        raise ShapeError("Input has no data yet: choose a dataset in the experiment settings.")
    return ctx.input_shape


INPUT = LayerSpec(
    name="input",
    display_name="Input",
    category="Inputs & shaping",
    help="Where the data enters. Its shape comes from the chosen dataset.",
    shape=_input_shape,
    build=None,
    inputs=(),
    role="input",
)


def _expected_output(p: Params, ctx: ShapeContext) -> int:
    task, loss = p["task"], p["loss"]
    if ctx.task == "regression" and task != "regression":
        raise ShapeError(
            "The dataset asks for numbers, not classes: set this Output's task to Regression."
        )
    if ctx.task == "classification" and task == "regression":
        raise ShapeError(
            "The dataset has classes: set this Output's task to Binary or Multi-class."
        )
    if task == "binary" and ctx.num_classes > 2:
        raise ShapeError(
            f"The dataset has {ctx.num_classes} classes, so Binary does not fit: "
            "set the task to Multi-class."
        )
    if loss not in LOSSES or task not in LOSSES.get(loss).tasks:
        allowed = ", ".join(s.display_name for s in LOSSES if task in s.tasks)
        raise ShapeError(f"That loss does not fit the task: choose one of {allowed}.")
    if task == "binary":
        return 2 if LOSSES.get(loss).per_class else 1
    if task == "multiclass":
        return ctx.num_classes
    return ctx.target_dim


def _output_shape(p: Params, ins: Sequence[Shape], ctx: ShapeContext) -> Shape:
    want = _expected_output(p, ctx)
    got = ins[0]
    if ctx.target_steps:
        return _stepwise_output_shape(p, got, want, ctx.target_steps)
    if got != (want,):
        units = f"{want} unit" if want == 1 else f"{want} units"
        values = "1 value" if want == 1 else f"{want} values"
        fix = (
            f"set the last Linear to {units}"
            if len(got) == 1
            else f"add a Flatten and a Linear with {units} before it"
        )
        raise ShapeError(f"Output needs {values} per sample but gets {fmt_shape(got)}: {fix}.")
    return got


def _stepwise_output_shape(p: Params, got: Shape, classes: int, steps: int) -> Shape:
    """Each sample has `steps` answers (a pointer network's sorted order): the network gives
    (steps, classes), a row of class scores per answer, as a Pointer layer does."""
    if not LOSSES.get(p["loss"]).per_class:
        raise ShapeError(
            f"Each sample has {steps} answers, one class each: set the task to Multi-class "
            "with Cross-entropy."
        )
    if got != (steps, classes):
        raise ShapeError(
            f"Output needs ({steps}, {classes}) per sample, a score for each of {classes} "
            f"classes at each of {steps} answer steps, but gets {fmt_shape(got)}: end with a "
            "Pointer layer whose query and memory have those lengths."
        )
    return got


def _output_relevance(p: Params) -> Relevance:
    """Only the losses that fit the task, and only the chosen loss's own settings."""
    fitting = tuple(spec.name for spec in LOSSES if p["task"] in spec.tasks)
    loss = LOSSES.get(p["loss"]) if p["loss"] in LOSSES else None
    own = loss.params.names() if loss is not None else []
    return Relevance(frozenset({"task", "loss", *own}), {"loss": fitting})


OUTPUT = LayerSpec(
    name="output",
    display_name="Output",
    category="Output",
    help="Where the network's answer is compared with the truth: pick the task and the loss.",
    shape=_output_shape,
    build=None,
    outputs=(),
    role="output",
    relevance=_output_relevance,
    params=merge(
        params(
            ParamSpec(
                "task",
                "choice",
                "binary",
                "What the network predicts: one of two classes, one of many, or a number.",
                choices=TASKS,
                choice_labels=TASK_LABELS,
                summary=True,
            ),
            ParamSpec(
                "loss",
                "choice",
                "bce",
                "How wrong answers are scored while training. NLL expects log-probabilities, "
                "so put a LogSoftmax right before the Output when you choose it.",
                choices=tuple(LOSSES.names()),
                choice_labels=tuple(s.display_name for s in LOSSES),
            ),
        ),
        *(spec.params for spec in LOSSES),
    ),
)


def _linear_shape(p: Params, ins: Sequence[Shape], _ctx: ShapeContext) -> Shape:
    need_flat("Linear", ins[0])
    return (p["units"],)


def _linear_count(p: Params, ins: Sequence[Shape]) -> int:
    return ins[0][0] * p["units"] + (p["units"] if p["bias"] else 0)


def _linear_call(p: Params, ins: Sequence[Shape]) -> Call:
    return Call.of("nn.Linear", ins[0][0], p["units"], bias=p["bias"])


def _linear_stacked(p: dict, x):
    """Stacked copies of one Linear: one batched matrix product for all of them."""
    import torch

    weight = p["weight"]  # (V, out, in)
    flat = x.reshape(x.shape[0], -1, x.shape[-1])
    bias = p.get("bias")
    if bias is None:
        out = torch.bmm(flat, weight.transpose(1, 2))
    else:
        out = torch.baddbmm(bias.unsqueeze(1), flat, weight.transpose(1, 2))
    return out.reshape(*x.shape[:-1], weight.shape[1])


LINEAR = LayerSpec(
    name="linear",
    display_name="Linear",
    category="Dense",
    help="Every output is a weighted sum of every input, plus a bias. Also called Dense.",
    shape=_linear_shape,
    module=_linear_call,
    param_count=_linear_count,
    stacked_forward=_linear_stacked,
    inputs=(PortSpec("in", ranks=(1,)),),
    params=params(
        ParamSpec(
            "units",
            "int",
            8,
            "How many numbers this layer outputs (its neurons).",
            minimum=1,
            maximum=65536,
            summary=True,
        ),
        ParamSpec("bias", "bool", True, "Add a learned offset to each output."),
    ),
)


def _flatten_shape(_p: Params, ins: Sequence[Shape], _ctx: ShapeContext) -> Shape:
    return (math.prod(ins[0]),)


def _flatten_call(_p: Params, _ins: Sequence[Shape]) -> Call:
    return Call.of("nn.Flatten")


FLATTEN = LayerSpec(
    name="flatten",
    display_name="Flatten",
    category="Inputs & shaping",
    help="Lays an image or any block of numbers out in one long row, so a Linear can read it.",
    shape=_flatten_shape,
    module=_flatten_call,
)


def _dropout_call(p: Params, _ins: Sequence[Shape]) -> Call:
    return Call.of("nn.Dropout", p["p"])


DROPOUT = LayerSpec(
    name="dropout",
    display_name="Dropout",
    category="Regularization",
    help="While training, zeroes a random share of its inputs so no unit can be relied on alone.",
    shape=lambda _p, ins, _c: single(ins),
    module=_dropout_call,
    params=params(
        ParamSpec(
            "p",
            "float",
            0.5,
            "The share of inputs dropped at each training step.",
            label="Drop rate",
            minimum=0.0,
            maximum=0.95,
            step=0.05,
            decimals=2,
            summary=True,
        )
    ),
)


def _batchnorm_shape(_p: Params, ins: Sequence[Shape], _ctx: ShapeContext) -> Shape:
    if len(ins[0]) not in (1, 3):
        raise ShapeError(
            f"BatchNorm works on flat features or images but gets {fmt_shape(ins[0])}: "
            "use a LayerNorm for sequences."
        )
    return ins[0]


def _batchnorm_count(_p: Params, ins: Sequence[Shape]) -> int:
    return 2 * ins[0][0]


def _batchnorm_call(p: Params, ins: Sequence[Shape]) -> Call:
    cls = "nn.BatchNorm1d" if len(ins[0]) == 1 else "nn.BatchNorm2d"
    return Call.of(cls, ins[0][0], momentum=p["momentum"])


BATCHNORM = LayerSpec(
    name="batchnorm",
    display_name="BatchNorm",
    category="Regularization",
    help="Rescales each feature to zero mean and unit spread over the batch, then learns a "
    "scale and shift. Steadies training of deep stacks.",
    shape=_batchnorm_shape,
    module=_batchnorm_call,
    param_count=_batchnorm_count,
    stackable=False,
    inputs=(PortSpec("in", ranks=(1, 3)),),
    params=params(
        ParamSpec(
            "momentum",
            "float",
            0.1,
            "How fast the running averages used at test time follow each new batch.",
            minimum=0.0,
            maximum=1.0,
            step=0.05,
        )
    ),
)

LAYERS = (INPUT, LINEAR, FLATTEN, DROPOUT, BATCHNORM, OUTPUT)
