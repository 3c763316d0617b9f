"""What a dataset is: its declaration, the user's choice of it, and the arrays it yields."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstudio.core.datasets.edited import Point, check_points, points_to_rows
from nnstudio.core.datasets.features import build_features, check_feature_names
from nnstudio.core.errors import DatasetError, ParamError
from nnstudio.core.params import ParamSet
from nnstudio.core.registry import Registry

Generator = Callable[[dict[str, Any], np.random.Generator], tuple[np.ndarray, np.ndarray]]

KINDS = ("points", "table", "image", "sequence")
"""What a sample looks like, which picks the preview: 2D points, a row of numbers, an image
(channels, height, width) or a sequence of steps."""

NORMALIZATIONS = ("none", "standardize", "minmax")


@dataclass(frozen=True)
class DataInfo:
    """What a dataset choice yields, known cheaply (from declarations or file headers)."""

    input_shape: tuple[int, ...]
    task: str
    num_classes: int
    integer_input: bool = False
    """The inputs are whole-number token ids (for an Embedding), not real numbers."""
    target_steps: int = 0
    """How many answers each sample has (a pointer network's sorted order); 0 means one."""


@dataclass(frozen=True)
class SourceColumn:
    """One column of the user's table, as the network's inputs were made from it: a number
    column is one input; a text column is one 0/1 input per category, in this order. Kept so
    a person can give (and see) a text value itself rather than its 0/1 inputs."""

    name: str
    categories: tuple[str, ...] | None = None
    """The text column's categories; None for a column of numbers."""

    @property
    def width(self) -> int:
        """How many network inputs the column makes."""
        return 1 if self.categories is None else len(self.categories)


@dataclass
class RawData:
    """A loader's output before the split: every sample, or a train pool and a fixed test set."""

    x: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    x_test: np.ndarray | None = None
    """A test set that comes separately (MNIST's t10k files); None splits the test off x."""
    y_test: np.ndarray | None = None
    class_names: tuple[str, ...] = ()
    normalize: str = "none"
    """How to rescale input columns, with statistics of the train split only."""
    scaled_columns: np.ndarray | None = None
    """Which columns `normalize` touches (a bool mask); None means all of them."""
    value_scale: float = 1.0
    """Inputs are multiplied by this once the samples are picked, so 8-bit pixels stay small
    until then (1/255 turns them into 0..1)."""
    normalize_target: str = "none"
    """How to rescale a regression target, again with train-split statistics only."""
    token_count: int = 0
    """For token sequences: how many different token ids there are (0 for other data)."""
    source_columns: tuple[SourceColumn, ...] = ()
    """A table's own columns when some are text (see SourceColumn); empty otherwise."""


@dataclass(frozen=True)
class Scaling:
    """How a table's columns were rescaled: kept so new rows in the data's own units can be
    scaled the same way, and scaled values turned back into those units."""

    columns: np.ndarray
    """Which columns are rescaled (a bool mask); the others pass through."""
    shift: np.ndarray
    scale: np.ndarray

    def apply(self, x: np.ndarray) -> np.ndarray:
        """(N, columns) in the data's units -> the network's float32 inputs."""
        x = np.array(x, dtype=np.float32, copy=True)
        x[:, self.columns] = ((x[:, self.columns] - self.shift) / self.scale).astype(np.float32)
        return x

    def invert(self, x: np.ndarray) -> np.ndarray:
        """Scaled values back in the data's own units (float64)."""
        x = np.array(x, dtype=np.float64, copy=True)
        x[:, self.columns] = x[:, self.columns] * self.scale + self.shift
        return x


Loader = Callable[[dict[str, Any], np.random.Generator], RawData]
Describer = Callable[[dict[str, Any]], DataInfo]


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset in the catalog: its knobs and the function that draws its points."""

    name: str
    display_name: str
    category: str
    task: str
    """"classification" or "regression"."""
    help: str
    params: ParamSet
    num_classes: int
    """Number of classes for classification, 0 for regression (see `describe` when it varies)."""
    generate: Generator | None
    """(resolved params, rng) -> points (N, 2) and targets: int labels or float values (N,)."""
    is_2d: bool = True
    """The raw points are 2D, so the app can draw a decision boundary under them."""
    load: Loader | None = None
    """For data that is not 2D points: (resolved params, rng) -> RawData."""
    describe: Describer | None = None
    """(resolved params) -> DataInfo without loading the data; needed along with `load`."""
    kind: str = "points"
    """One of KINDS."""

    def __post_init__(self) -> None:
        if (self.generate is None) == (self.load is None):
            raise ValueError(f"dataset {self.name!r} needs exactly one of generate and load")
        if self.load is not None and (self.describe is None or self.is_2d):
            raise ValueError(f"dataset {self.name!r} loads data: give describe, is_2d=False")
        if self.kind not in KINDS:
            raise ValueError(f"dataset {self.name!r} has unknown kind {self.kind!r}")

    def info(self, values: dict[str, Any], features: int = 0) -> DataInfo:
        """The shapes and task this dataset yields with resolved settings `values`."""
        if self.describe is not None:
            return self.describe(values)
        return DataInfo((2 + features,), self.task, self.num_classes)


DATASETS: Registry[DatasetSpec] = Registry("dataset")

_CONFIG_KEYS = ("name", "params", "train", "val", "test", "features", "points")


def get_spec(name: str) -> DatasetSpec:
    """The declaration called `name`, or DatasetError listing the known ones."""
    if not isinstance(name, str) or name not in DATASETS:
        known = ", ".join(DATASETS.names())
        raise DatasetError(f"Unknown dataset {name!r}. Known datasets: {known}.")
    return DATASETS.get(name)


def check_ratios(train: Any, val: Any, test: Any) -> tuple[float, float, float]:
    """The split fractions as floats, or DatasetError saying which rule they break."""
    result = []
    for label, value in (("Train", train), ("Validation", val), ("Test", test)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DatasetError(f"{label} fraction must be a number, not {value!r}.")
        value = float(value) if abs(value) <= 1e308 else math.inf  # huge ints overflow float()
        if not math.isfinite(value) or value < 0 or value > 1:
            raise DatasetError(f"{label} fraction must be between 0 and 1, not {value}.")
        result.append(value)
    if result[0] <= 0:
        raise DatasetError("Train fraction must be above 0: the network needs data to learn from.")
    total = sum(result)
    if abs(total - 1.0) > 1e-6:
        raise DatasetError(
            f"Train, validation and test fractions must add up to 1; they add up to {total:g}."
        )
    return result[0], result[1], result[2]


@dataclass
class DatasetConfig:
    """The user's choice of dataset: which one, its settings, the split and extra features."""

    name: str = "spiral"
    params: dict[str, Any] = field(default_factory=dict)
    """Overrides of the spec's defaults; missing settings take the default."""
    train: float = 0.6
    val: float = 0.2
    test: float = 0.2
    features: tuple[str, ...] = ()
    """Derived features added after x1, x2 (the raw coordinates are always inputs)."""
    points: tuple[Point, ...] | None = None
    """2D data edited by hand (see `edited.py`), used instead of the generator's draw and
    split as each point says; None (the default, and absent in files) draws the points."""

    def spec(self) -> DatasetSpec:
        return get_spec(self.name)

    def resolved_params(self) -> dict[str, Any]:
        """Every setting of the dataset, defaults filled in, each checked against its spec."""
        spec = self.spec()
        if not isinstance(self.params, Mapping):
            raise DatasetError(f"Dataset settings must be a mapping, not {self.params!r}.")
        try:
            return spec.params.resolve(self.params, owner=spec.display_name)
        except ParamError as exc:
            raise DatasetError(str(exc)) from None

    def ratios(self) -> tuple[float, float, float]:
        return check_ratios(self.train, self.val, self.test)

    def validate(self) -> None:
        """Raise DatasetError if anything in the config cannot be loaded."""
        self.resolved_params()
        self.ratios()
        if isinstance(self.features, str):
            raise DatasetError("Derived features must be a list of names, not one string.")
        check_feature_names(self.features)
        if self.features and not self.spec().is_2d:
            raise DatasetError(
                f"Extra inputs are made from 2D points; {self.spec().display_name} has none."
            )
        if self.points is not None:
            spec = self.spec()
            if spec.generate is None:
                raise DatasetError(f"{spec.display_name} has no 2D points to edit by hand.")
            check_points(points_to_rows(self.points), spec.task, spec.num_classes)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy, for project files."""
        data: dict[str, Any] = {
            "name": self.name,
            "params": dict(self.params),
            "train": self.train,
            "val": self.val,
            "test": self.test,
            "features": list(self.features),
        }
        if self.points is not None:
            data["points"] = points_to_rows(self.points)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> DatasetConfig:
        """Read a config from untrusted data (a project file), checking every field."""
        if not isinstance(data, Mapping):
            raise DatasetError(f"Dataset settings must be a mapping, not {type(data).__name__}.")
        unknown = [key for key in data if key not in _CONFIG_KEYS]
        if unknown:
            raise DatasetError(
                f"Unknown dataset field(s) {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(_CONFIG_KEYS)}."
            )
        defaults = cls()
        name = data.get("name", defaults.name)
        spec = get_spec(name)
        raw_params = data.get("params", {})
        if not isinstance(raw_params, Mapping) or not all(isinstance(k, str) for k in raw_params):
            raise DatasetError(f"Dataset settings must map names to values, not {raw_params!r}.")
        try:
            resolved = spec.params.resolve(raw_params, owner=spec.display_name)
        except ParamError as exc:
            raise DatasetError(str(exc)) from None
        train, val, test = check_ratios(
            data.get("train", defaults.train),
            data.get("val", defaults.val),
            data.get("test", defaults.test),
        )
        features = data.get("features", [])
        if not isinstance(features, (list, tuple)):
            raise DatasetError(f"Derived features must be a list of names, not {features!r}.")
        if features and not spec.is_2d:
            raise DatasetError(
                f"Extra inputs are made from 2D points; {spec.display_name} has none."
            )
        points = None
        if "points" in data:
            if spec.generate is None:
                raise DatasetError(f"{spec.display_name} has no 2D points to edit by hand.")
            points = check_points(data["points"], spec.task, spec.num_classes)
        return cls(
            name=name,
            params={key: resolved[key] for key in raw_params},
            train=train,
            val=val,
            test=test,
            features=check_feature_names(features),
            points=points,
        )


@dataclass
class Dataset:
    """Loaded arrays ready for training: inputs x (float32) and targets y for each split."""

    name: str
    task: str
    num_classes: int
    feature_names: list[str]
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    points_train: np.ndarray | None = None
    """Raw 2D points for plotting; None for data that is not 2D (images, tables)."""
    points_val: np.ndarray | None = None
    points_test: np.ndarray | None = None
    features: tuple[str, ...] = ()
    """Names of the derived features, so new points can be turned into inputs the same way."""
    class_names: tuple[str, ...] = ()
    """A readable name per class index, where the data has them (iris species, CSV labels)."""
    kind: str = "points"
    """One of KINDS: what a sample looks like."""
    input_scaling: Scaling | None = None
    """How table inputs were rescaled (train-split statistics); None when they were not."""
    target_scaling: Scaling | None = None
    """How a regression target was rescaled; None when it was not."""
    token_count: int = 0
    """Token sequences: the number of token ids (0 to this minus one); 0 for other data."""
    source_columns: tuple[SourceColumn, ...] = ()
    """A table's own columns when some are text, one-hot encoded into several inputs each;
    empty when every input is a column of its own."""

    @property
    def feature_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def target_dim(self) -> int:
        """Width of the network output: 1 for regression, the class count otherwise."""
        return 1 if self.task == "regression" else self.num_classes

    @property
    def target_steps(self) -> int:
        """Answers per sample when there are several (class ids of shape (N, steps)), else 0."""
        y = self.y_train
        return int(y.shape[1]) if self.task != "regression" and y.ndim == 2 else 0

    @property
    def is_2d(self) -> bool:
        return self.points_train is not None

    def _all_points(self) -> np.ndarray:
        parts = [self.points_train, self.points_val, self.points_test]
        if any(p is None for p in parts):
            raise DatasetError(f"Dataset {self.name!r} has no 2D points to draw.")
        return np.concatenate(parts, axis=0)

    def featurize(self, points: np.ndarray) -> np.ndarray:
        """Turn raw (M, 2) points into network inputs, e.g. a grid for the decision boundary."""
        if self.points_train is None:
            raise DatasetError(f"Dataset {self.name!r} is not made of 2D points.")
        return build_features(points, self.features)

    def bounds(self, pad: float = 0.1) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) of all raw points, widened by `pad` times each side's span."""
        points = self._all_points()
        lo = points.min(axis=0).astype(float)
        hi = points.max(axis=0).astype(float)
        span = np.maximum(hi - lo, 1e-6)
        lo, hi = lo - pad * span, hi + pad * span
        return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])
