"""Datasets: declared generators, the user's choice of one, and loading into split arrays."""

from nnstudio.core.datasets import toy2d as _toy2d  # noqa: F401  (registers the 2D sets)
from nnstudio.core.datasets.features import DERIVED_FEATURES, FeatureSpec, build_features
from nnstudio.core.datasets.spec import (
    DATASETS,
    Dataset,
    DatasetConfig,
    DatasetSpec,
    check_ratios,
    get_spec,
)
from nnstudio.core.datasets.split import load_dataset, split_indices, split_sizes

__all__ = [
    "DATASETS",
    "DERIVED_FEATURES",
    "Dataset",
    "DatasetConfig",
    "DatasetSpec",
    "FeatureSpec",
    "build_features",
    "check_ratios",
    "get_spec",
    "load_dataset",
    "split_indices",
    "split_sizes",
]
