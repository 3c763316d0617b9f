"""The experiment's training settings, declared once as ParamSpecs.

The settings panel builds its form from `TRAINING_PARAMS` and each optimizer's own params;
the trainer reads the resolved values; the project file stores them by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nnstudio.core.devices import DEVICE_HELP
from nnstudio.core.errors import ParamError
from nnstudio.core.initializers import INITIALIZERS
from nnstudio.core.optimizers import OPTIMIZERS
from nnstudio.core.params import ParamSpec, Relevance, params
from nnstudio.core.schedules import SCHEDULE_PARAMS, SCHEDULES

TRAINING_PARAMS = params(
    ParamSpec(
        "optimizer",
        "choice",
        "adam",
        "The rule that turns gradients into weight updates.",
        choices=tuple(OPTIMIZERS.names()),
        choice_labels=tuple(s.display_name for s in OPTIMIZERS),
    ),
    ParamSpec(
        "learning_rate",
        "float",
        0.01,
        "How big each update step is. Too small crawls; too large bounces or blows up "
        "(up to 100, so a lesson can show a run diverging).",
        minimum=1e-6,
        maximum=100.0,
        log_scale=True,
        decimals=6,
    ),
    ParamSpec(
        "lr_schedule",
        "choice",
        "constant",
        "How the learning rate changes over the run; the learning-rate panel draws the curve "
        "before training starts.",
        label="LR schedule",
        choices=tuple(SCHEDULES.names()),
        choice_labels=tuple(s.display_name for s in SCHEDULES),
    ),
    *SCHEDULE_PARAMS,
    ParamSpec(
        "batch_size",
        "int",
        32,
        "How many samples each update looks at. 1 is stochastic, the whole set is full batch.",
        minimum=0,
        maximum=1_000_000,
        special_value_text="Full batch",
    ),
    ParamSpec(
        "epochs",
        "int",
        100,
        "How many passes over the training data.",
        minimum=1,
        maximum=1_000_000,
    ),
    ParamSpec(
        "l1",
        "float",
        0.0,
        "L1 penalty: pushes weights to exactly zero (λ).",
        label="L1 λ",
        minimum=0.0,
        maximum=1.0,
        decimals=6,
        step=1e-4,
    ),
    ParamSpec(
        "l2",
        "float",
        0.0,
        "L2 penalty: keeps weights small (λ).",
        label="L2 λ",
        minimum=0.0,
        maximum=1.0,
        decimals=6,
        step=1e-4,
    ),
    ParamSpec(
        "clip_norm",
        "float",
        0.0,
        "Scale the gradient down when its total size is above this; 0 turns clipping off.",
        label="Gradient clipping",
        minimum=0.0,
        maximum=1000.0,
        special_value_text="Off",
    ),
    ParamSpec(
        "patience",
        "int",
        0,
        "Early stopping: end training when the validation loss has not improved for this "
        "many epochs in a row. Needs a validation split; 0 turns it off.",
        label="Early stopping patience",
        minimum=0,
        maximum=1_000_000,
        special_value_text="Off",
    ),
    ParamSpec(
        "restore_best",
        "bool",
        True,
        "With early stopping on, end with the weights from the epoch whose validation loss "
        "was lowest, not the last ones.",
        label="Restore best weights",
    ),
    ParamSpec(
        "initializer",
        "choice",
        "default",
        "How the weights are filled before training.",
        choices=tuple(INITIALIZERS.names()),
        choice_labels=tuple(s.display_name for s in INITIALIZERS),
    ),
    ParamSpec(
        "init_scale",
        "float",
        1.0,
        "Multiplies every initial weight: large values show exploding signals, small ones "
        "vanishing ones.",
        label="Init scale",
        minimum=1e-4,
        maximum=100.0,
        log_scale=True,
    ),
    ParamSpec(
        "seed",
        "int",
        0,
        "Same seed, same starting weights and same batches.",
        minimum=0,
        maximum=2**31 - 1,
    ),
    ParamSpec("device", "str", "auto", DEVICE_HELP),
)


def training_relevance(values: dict[str, Any]) -> Relevance:
    """Show the chosen schedule's settings only (warm-up always), and restoring the best
    weights only when early stopping is on."""
    schedule = SCHEDULES.get(values["lr_schedule"])
    hidden = {spec.name for spec in SCHEDULE_PARAMS} - set(schedule.uses) - {"warmup_steps"}
    if not values.get("patience"):
        hidden.add("restore_best")
    return Relevance(frozenset(set(TRAINING_PARAMS.names()) - hidden))


@dataclass
class TrainingSettings:
    """Resolved training settings plus the params of every optimizer the user has touched."""

    values: dict[str, Any] = field(default_factory=TRAINING_PARAMS.defaults)
    optimizer_params: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.values = TRAINING_PARAMS.resolve(self.values, "Training settings")
        for name, values in self.optimizer_params.items():
            if name not in OPTIMIZERS:
                raise ParamError(f"Unknown optimizer {name!r}.")
            self.optimizer_params[name] = OPTIMIZERS.get(name).params.resolve(
                values, OPTIMIZERS.get(name).display_name
            )

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def optimizer_values(self, name: str | None = None) -> dict[str, Any]:
        name = name or self.values["optimizer"]
        spec = OPTIMIZERS.get(name)
        return spec.params.resolve(self.optimizer_params.get(name), spec.display_name)

    def replace(self, **changes: Any) -> TrainingSettings:
        return TrainingSettings({**self.values, **changes}, dict(self.optimizer_params))

    def to_dict(self) -> dict[str, Any]:
        return {"values": dict(self.values), "optimizer_params": dict(self.optimizer_params)}

    @classmethod
    def from_dict(cls, data: Any) -> TrainingSettings:
        if not isinstance(data, dict):
            raise ParamError("Training settings must be an object.")
        values = data.get("values", {})
        opt = data.get("optimizer_params", {})
        if not isinstance(values, dict) or not isinstance(opt, dict):
            raise ParamError("Training settings need 'values' and 'optimizer_params' objects.")
        if not all(isinstance(v, dict) for v in opt.values()):
            raise ParamError("Each optimizer's params must be an object.")
        return cls(dict(values), {k: dict(v) for k, v in opt.items()})
