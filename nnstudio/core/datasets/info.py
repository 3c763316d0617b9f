"""What shape inference needs from a dataset choice, known without generating any data."""

from __future__ import annotations

from nnstudio.core.datasets.spec import DatasetConfig
from nnstudio.core.layers.spec import ShapeContext


def dataset_info(config: DatasetConfig) -> ShapeContext:
    """The Input shape and target of `config`; file datasets read at most their headers."""
    spec = config.spec()
    info = spec.info(config.resolved_params(), len(config.features))
    return ShapeContext(
        input_shape=info.input_shape,
        task=info.task,
        num_classes=info.num_classes,
        target_dim=1 if info.task == "regression" else info.num_classes,
        integer_input=info.integer_input,
        target_steps=info.target_steps,
    )
