"""The small real datasets that ship inside scikit-learn: four tables and the 8×8 digits.

scikit-learn is an optional extra (`pip install "nnstudio[datasets]"`): it reads these from
files inside its own package, with no download. Without it the sets are still listed, and
loading one says how to install it. Their shapes are constants, so shape inference never
needs scikit-learn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnstudio.core.datasets.spec import DATASETS, DataInfo, DatasetSpec, RawData
from nnstudio.core.errors import DatasetError
from nnstudio.core.params import ParamSpec, params

TABULAR = "Tables"
INSTALL_HINT = 'install scikit-learn to use it: pip install scikit-learn (or "nnstudio[datasets]")'


def split_seed() -> ParamSpec:
    return ParamSpec(
        "seed", "int", 0, "Decides which samples land in which split.",
        label="Seed", minimum=0, maximum=2**31 - 1,
    )  # fmt: skip


def sklearn_datasets(display_name: str) -> Any:
    """scikit-learn's dataset module, or a DatasetError that says how to get it."""
    try:
        from sklearn import datasets
    except ImportError:
        raise DatasetError(f"{display_name} comes with scikit-learn, which is missing: "
                           f"{INSTALL_HINT}.") from None  # fmt: skip
    return datasets


def sklearn_available() -> bool:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return False
    return True


def _table_loader(
    function: str, display_name: str, standardize_target: bool = False
) -> Callable[[dict[str, Any], np.random.Generator], RawData]:
    def load(_values: dict[str, Any], _rng: np.random.Generator) -> RawData:
        module = sklearn_datasets(display_name)
        kwargs = {"scaled": False} if function == "load_diabetes" else {}
        bunch = getattr(module, function)(**kwargs)
        names = [str(n) for n in bunch.get("target_names", [])]
        return RawData(
            x=np.asarray(bunch.data, dtype=np.float32),
            y=np.asarray(bunch.target),
            feature_names=[str(n) for n in bunch.feature_names],
            class_names=tuple(names),
            normalize="standardize",
            normalize_target="standardize" if standardize_target else "none",
        )

    return load


def load_digits(_values: dict[str, Any], _rng: np.random.Generator) -> RawData:
    bunch = sklearn_datasets("Digits 8×8").load_digits()
    # Pixels are ink counts from 0 to 16; dividing by 16 puts them in 0..1.
    images = np.asarray(bunch.images, dtype=np.float32)[:, None, :, :] / 16.0
    return RawData(
        x=images,
        y=np.asarray(bunch.target),
        feature_names=["pixels"],
        class_names=tuple(str(d) for d in range(10)),
    )


def fixed_info(info: DataInfo) -> Callable[[dict[str, Any]], DataInfo]:
    return lambda _values: info


def _table(
    name: str, display_name: str, help_text: str, function: str, info: DataInfo
) -> DatasetSpec:
    return DatasetSpec(
        name=name, display_name=display_name, category=TABULAR, task=info.task,
        help=f"{help_text} Each column is standardized with the training split's mean and "
        "spread. From scikit-learn.",
        params=params(split_seed()), num_classes=info.num_classes, generate=None, is_2d=False,
        load=_table_loader(function, display_name, info.task == "regression"),
        describe=fixed_info(info), kind="table",
    )  # fmt: skip


DATASETS.register(_table(
    "iris", "Iris", "150 iris flowers in 3 species, told apart by 4 petal and sepal sizes.",
    "load_iris", DataInfo((4,), "classification", 3),
))  # fmt: skip
DATASETS.register(_table(
    "wine", "Wine", "178 wines from 3 growers, described by 13 chemical measurements.",
    "load_wine", DataInfo((13,), "classification", 3),
))  # fmt: skip
DATASETS.register(_table(
    "breast_cancer", "Breast cancer",
    "569 tissue samples, malignant or benign, each with 30 measurements of its cell nuclei.",
    "load_breast_cancer", DataInfo((30,), "classification", 2),
))  # fmt: skip
DATASETS.register(_table(
    "diabetes", "Diabetes",
    "442 patients: predict how far the disease progressed in a year from 10 measurements "
    "(age, body mass, blood values). The target is standardized too: 0 is the average.",
    "load_diabetes", DataInfo((10,), "regression", 0),
))  # fmt: skip
