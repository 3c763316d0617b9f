"""What shape inference needs from a dataset choice, known without generating any data."""

from __future__ import annotations

from nnstudio.core.datasets.spec import DatasetConfig
from nnstudio.core.layers.spec import ShapeContext


def dataset_info(config: DatasetConfig) -> ShapeContext:
    spec = config.spec()
    width = 2 + len(config.features)
    return ShapeContext(
        input_shape=(width,),
        task=spec.task,
        num_classes=spec.num_classes,
        target_dim=1 if spec.task == "regression" else spec.num_classes,
    )
