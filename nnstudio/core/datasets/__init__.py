"""Datasets: declared generators and readers, the user's choice of one, and loading into splits.

Importing the topic modules registers their datasets; the order here is the order of the
dataset list in the app.
"""

# isort: off
from nnstudio.core.datasets import toy2d as _toy2d  # noqa: F401  (registers the 2D sets)
from nnstudio.core.datasets import sklearn_sets as _sklearn_sets  # noqa: F401  (tables)
from nnstudio.core.datasets import csv_import as _csv_import  # noqa: F401  (CSV file)
from nnstudio.core.datasets import images as _images  # noqa: F401  (digits, MNIST)
from nnstudio.core.datasets import sequences as _sequences  # noqa: F401  (sequence tasks)

# isort: on
from nnstudio.core.datasets.features import DERIVED_FEATURES, FeatureSpec, build_features
from nnstudio.core.datasets.spec import (
    DATASETS,
    KINDS,
    DataInfo,
    Dataset,
    DatasetConfig,
    DatasetSpec,
    RawData,
    check_ratios,
    get_spec,
)
from nnstudio.core.datasets.split import (
    load_dataset,
    normalize_splits,
    split_indices,
    split_sizes,
)

__all__ = [
    "DATASETS",
    "DERIVED_FEATURES",
    "KINDS",
    "DataInfo",
    "Dataset",
    "DatasetConfig",
    "DatasetSpec",
    "FeatureSpec",
    "RawData",
    "build_features",
    "check_ratios",
    "get_spec",
    "load_dataset",
    "normalize_splits",
    "split_indices",
    "split_sizes",
]
