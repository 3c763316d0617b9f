"""Image datasets: scikit-learn's 8×8 digits, and MNIST and Fashion-MNIST read from a folder
of IDX files the user already has.

For MNIST and Fashion-MNIST, the train files give the training and validation samples and
the t10k files the test set, so test images are never ones the network could have trained on.
"Samples" caps how many are used in all (split by the usual fractions), which keeps training
quick on a laptop. A folder without t10k files still works: the test set is then split off
the train files too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.datasets.idx import find_idx_file, read_idx, read_idx_header
from nnstudio.core.datasets.sklearn_sets import fixed_info, load_digits, split_seed
from nnstudio.core.datasets.spec import DATASETS, DataInfo, DatasetSpec, RawData
from nnstudio.core.errors import DatasetError
from nnstudio.core.params import ParamSpec, params
from nnstudio.core.safe_read import is_folder

IMAGES = "Images"
FASHION_FOLDER = "/usr/share/datasets/fashion-mnist"
"""Where Debian's dataset-fashion-mnist package puts the files."""
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot")  # fmt: skip
STANDARD_SHAPE = (1, 28, 28)
FILE_NAMES = (
    "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and "
    "t10k-labels-idx1-ubyte"
)


def _params(default_folder: str) -> Any:
    return params(
        ParamSpec("folder", "str", default_folder,
                  "The folder that holds the four IDX files (" + FILE_NAMES + "), gzipped or "
                  "not; names with a dot before idx also work.", label="Folder"),
        ParamSpec("n_samples", "int", 6000,
                  "How many images to use in all, before the split; fewer train faster.",
                  label="Samples", minimum=100, maximum=70_000, step=1000),
        ParamSpec("seed", "int", 0, "Decides which images are picked and where they go.",
                  label="Seed", minimum=0, maximum=2**31 - 1),
    )  # fmt: skip


def _folder(values: dict[str, Any], display_name: str) -> Path:
    text = values["folder"].strip()
    if not text:
        raise DatasetError(f"Choose the folder that holds the {display_name} IDX files "
                           f"({FILE_NAMES}) in the Folder setting.")  # fmt: skip
    folder = Path(text).expanduser()
    if not is_folder(folder):
        raise DatasetError(f"The {display_name} folder {folder} is not there: locate it "
                           "(Locate… in Problems, or the Folder setting).")  # fmt: skip
    return folder


def _pair(folder: Path, prefix: str, display_name: str) -> tuple[Path, Path] | None:
    images = find_idx_file(folder, prefix, "images")
    labels = find_idx_file(folder, prefix, "labels")
    if images is None and labels is None:
        return None
    if images is None or labels is None:
        have, missing = (images, "labels") if labels is None else (labels, "images")
        assert have is not None
        raise DatasetError(f"{folder} has {have.name} but no {prefix}-{missing} file for "
                           f"{display_name}: both are needed.")  # fmt: skip
    return images, labels


def _read_pair(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise DatasetError(f"{images_path.name} should hold 8-bit images (count, rows, columns); "
                           f"it holds {images.dtype} values of shape {images.shape}.")  # fmt: skip
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise DatasetError(f"{labels_path.name} should hold one 8-bit label per image; it holds "
                           f"{labels.dtype} values of shape {labels.shape}.")  # fmt: skip
    if len(images) != len(labels):
        raise DatasetError(f"{images_path.name} has {len(images)} images but "
                           f"{labels_path.name} has {len(labels)} labels.")  # fmt: skip
    if labels.size and labels.max() >= 10:
        raise DatasetError(f"{labels_path.name} has label {labels.max()}; only 0-9 are expected.")
    return images, labels


def _loader(display_name: str, class_names: tuple[str, ...]):
    def load(values: dict[str, Any], _rng: np.random.Generator) -> RawData:
        folder = _folder(values, display_name)
        train = _pair(folder, "train", display_name)
        if train is None:
            raise DatasetError(f"{folder} has no train-images-idx3-ubyte file (plain or .gz) "
                               f"for {display_name}; it needs {FILE_NAMES}.")  # fmt: skip
        x, y = _read_pair(*train)
        test = _pair(folder, "t10k", display_name)
        x_test = y_test = None
        if test is not None:
            x_test, y_test = _read_pair(*test)
            if x_test.shape[1:] != x.shape[1:]:
                raise DatasetError(f"The t10k images are {x_test.shape[1:]} but the train "
                                   f"images are {x.shape[1:]}.")  # fmt: skip
        return RawData(
            x=x[:, None], y=y, x_test=None if x_test is None else x_test[:, None], y_test=y_test,
            feature_names=["pixels"], class_names=class_names, value_scale=1 / 255,
        )  # fmt: skip

    return load


def _describe(values: dict[str, Any]) -> DataInfo:
    """The image size from the train file's header; the standard 28×28 while none is readable,
    so a network can be built before the folder is chosen."""
    shape = STANDARD_SHAPE
    try:
        path = find_idx_file(_folder(values, "MNIST"), "train", "images")
        if path is not None:
            header = read_idx_header(path)
            if len(header.shape) == 3:
                shape = (1, header.shape[1], header.shape[2])
    except (DatasetError, OSError):
        pass
    return DataInfo(shape, "classification", 10)


DATASETS.register(DatasetSpec(
    name="digits", display_name="Digits 8×8", category=IMAGES, task="classification",
    help="1797 handwritten digits 0-9 as tiny 8×8 grey images (1 channel), pixels scaled to "
    "0..1. From scikit-learn.",
    params=params(split_seed()), num_classes=10, generate=None, is_2d=False, load=load_digits,
    describe=fixed_info(DataInfo((1, 8, 8), "classification", 10)), kind="image",
))  # fmt: skip
DATASETS.register(DatasetSpec(
    name="mnist", display_name="MNIST", category=IMAGES, task="classification",
    help="Handwritten digits 0-9 as 28×28 grey images, read from the MNIST IDX files in a "
    "folder you choose. Train and validation come from the train files, the test set from the "
    "t10k files. Pixels are scaled to 0..1.",
    params=_params(""), num_classes=10, generate=None, is_2d=False,
    load=_loader("MNIST", tuple(str(d) for d in range(10))), describe=_describe, kind="image",
))  # fmt: skip
DATASETS.register(DatasetSpec(
    name="fashion_mnist", display_name="Fashion-MNIST", category=IMAGES, task="classification",
    help="Photos of 10 kinds of clothing as 28×28 grey images, read from the Fashion-MNIST IDX "
    "files in a folder you choose (on Debian: apt install dataset-fashion-mnist). Train and "
    "validation come from the train files, the test set from the t10k files.",
    params=_params(FASHION_FOLDER), num_classes=10, generate=None, is_2d=False,
    load=_loader("Fashion-MNIST", FASHION_CLASSES), describe=_describe, kind="image",
))  # fmt: skip
