"""The IDX reader and the MNIST / Fashion-MNIST datasets built on it."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from nnstudio.core.datasets import DatasetConfig, load_dataset
from nnstudio.core.datasets.idx import (
    MAX_BYTES,
    find_idx_file,
    read_idx,
    read_idx_header,
    write_idx,
)
from nnstudio.core.datasets.info import dataset_info
from nnstudio.core.errors import DatasetError

FASHION = Path("/usr/share/datasets/fashion-mnist")


def header(code: int, *dims: int) -> bytes:
    return struct.pack(">HBB", 0, code, len(dims)) + struct.pack(f">{len(dims)}I", *dims)


def make_mnist_folder(
    folder: Path, n_train: int = 300, n_test: int = 100, *, dotted: bool = False, gz: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """A tiny MNIST-like folder: images whose mean brightness encodes the label."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    sep = "." if dotted else "-"
    suffix = ".gz" if gz else ""
    labels = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        y = rng.integers(0, 10, size=n).astype(np.uint8)
        x = np.repeat((y * 25)[:, None, None], 28 * 28, axis=1).reshape(n, 28, 28)
        write_idx(folder / f"{prefix}-images{sep}idx3-ubyte{suffix}", x.astype(np.uint8), gz)
        write_idx(folder / f"{prefix}-labels{sep}idx1-ubyte{suffix}", y, gz)
        labels[prefix] = y
    return labels["train"], labels["t10k"]


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize(
    "array",
    [
        np.arange(24, dtype=np.uint8).reshape(2, 3, 4),
        np.array([-5, 7], dtype=np.int8),
        np.array([[1, -300], [70000, 0]], dtype=np.int32),
        np.linspace(-1, 1, 6, dtype=np.float32).reshape(3, 2),
        np.array([1.5, -2.25], dtype=np.float64),
    ],
)
def test_write_then_read_gives_the_same_values(tmp_path, array, compress) -> None:
    path = tmp_path / "data.idx"
    write_idx(path, array, compress)
    back = read_idx(path)
    assert back.dtype == array.dtype.newbyteorder("=") and back.shape == array.shape
    np.testing.assert_array_equal(back, array)
    assert read_idx_header(path).shape == array.shape


def test_values_are_read_big_endian(tmp_path) -> None:
    path = tmp_path / "be.idx"
    path.write_bytes(header(0x0B, 2) + b"\x01\x02\xff\xfe")  # int16: 258, -2
    assert read_idx(path).tolist() == [258, -2]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "too short"),
        (b"\x01\x00\x08\x01" + b"\x00" * 8, "not an IDX file"),
        (b"\x00\x00\x07\x01" + b"\x00" * 8, "not an IDX file"),
        (b"\x00\x00\x08\x00", "dimensions"),
        (b"\x00\x00\x08\x09" + b"\x00" * 40, "dimensions"),
        (b"\x00\x00\x08\x03\x00\x00", "ends inside its header"),
        (header(0x08, 5) + b"\x01\x02", "cut short"),
        (header(0x08, 2) + b"\x01\x02\x03", "extra bytes"),
    ],
)
def test_broken_files_give_a_clear_error(tmp_path, data: bytes, message: str) -> None:
    path = tmp_path / "bad-idx3-ubyte"
    path.write_bytes(data)
    with pytest.raises(DatasetError, match=message):
        read_idx(path)


def test_absurd_sizes_are_refused_before_allocating(tmp_path) -> None:
    path = tmp_path / "huge"
    path.write_bytes(header(0x0E, 65535, 65535, 65535) + b"\x00" * 16)
    with pytest.raises(DatasetError, match="damaged"):
        read_idx(path)
    assert MAX_BYTES < 65535**3 * 8


def test_corrupt_gzip_gives_a_dataset_error(tmp_path) -> None:
    path = tmp_path / "train-images-idx3-ubyte.gz"
    good = gzip.compress(header(0x08, 100) + bytes(100))
    path.write_bytes(good[:-12] + b"garbage-garb")
    with pytest.raises(DatasetError):
        read_idx(path)


def test_missing_file_gives_a_dataset_error(tmp_path) -> None:
    with pytest.raises(DatasetError, match="cannot be read"):
        read_idx(tmp_path / "nope")


@pytest.mark.parametrize("dotted", [False, True])
@pytest.mark.parametrize("gz", [False, True])
def test_both_spellings_with_or_without_gz_are_found(tmp_path, dotted, gz) -> None:
    make_mnist_folder(tmp_path, 20, 10, dotted=dotted, gz=gz)
    found = find_idx_file(tmp_path, "train", "images")
    assert found is not None and found.name.endswith(".gz") == gz
    assert find_idx_file(tmp_path, "t10k", "labels") is not None
    assert find_idx_file(tmp_path / "none", "train", "images") is None


def test_mnist_folder_loads_with_the_test_set_from_t10k(tmp_path) -> None:
    make_mnist_folder(tmp_path)
    config = DatasetConfig("mnist", {"folder": str(tmp_path), "n_samples": 200})
    data = load_dataset(config)
    assert data.x_train.shape[1:] == (1, 28, 28) and data.x_train.dtype == np.float32
    assert (len(data.x_train), len(data.x_val), len(data.x_test)) == (120, 40, 40)
    assert data.x_train.min() >= 0.0 and data.x_train.max() <= 1.0
    # Each synthetic image's brightness is label * 25 / 255, so labels stay with their images.
    for x, y in ((data.x_train, data.y_train), (data.x_test, data.y_test)):
        np.testing.assert_allclose(x.mean(axis=(1, 2, 3)), y * 25 / 255, rtol=1e-5)
    assert dataset_info(config).input_shape == (1, 28, 28)
    assert dataset_info(config).num_classes == 10


def test_sample_count_is_capped_by_what_the_files_hold(tmp_path) -> None:
    make_mnist_folder(tmp_path, n_train=100, n_test=10)
    data = load_dataset(DatasetConfig("mnist", {"folder": str(tmp_path), "n_samples": 5000}))
    assert len(data.x_train) + len(data.x_val) == 100
    assert len(data.x_test) == 10


def test_folder_without_t10k_splits_the_test_set_off_the_train_files(tmp_path) -> None:
    make_mnist_folder(tmp_path, n_train=200, n_test=10)
    for path in tmp_path.glob("t10k*"):
        path.unlink()
    data = load_dataset(DatasetConfig("mnist", {"folder": str(tmp_path)}))
    assert (len(data.x_train), len(data.x_val), len(data.x_test)) == (120, 40, 40)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("empty", "Choose the folder"),
        ("missing", "is not there"),
        ("no_train", "no train-images"),
        ("no_labels", "no train-labels"),
        ("count", "images but"),
        ("label", "only 0-9"),
    ],
)
def test_folder_problems_give_clear_errors(tmp_path, change: str, message: str) -> None:
    folder = tmp_path / "mnist"
    make_mnist_folder(folder, 30, 10, gz=False)
    if change == "no_train":
        (folder / "train-images-idx3-ubyte").unlink()
        (folder / "train-labels-idx1-ubyte").unlink()
    elif change == "no_labels":
        (folder / "train-labels-idx1-ubyte").unlink()
    elif change == "count":
        write_idx(folder / "train-labels-idx1-ubyte", np.zeros(29, np.uint8))
    elif change == "label":
        write_idx(folder / "train-labels-idx1-ubyte", np.full(30, 10, np.uint8))
    path = {"empty": "", "missing": str(tmp_path / "elsewhere")}.get(change, str(folder))
    with pytest.raises(DatasetError, match=message):
        load_dataset(DatasetConfig("mnist", {"folder": path}))


def test_shape_inference_falls_back_to_28_by_28_without_files() -> None:
    info = dataset_info(DatasetConfig("mnist", {"folder": ""}))
    assert info.input_shape == (1, 28, 28) and info.task == "classification"


def test_shape_inference_reads_the_header_for_other_sizes(tmp_path) -> None:
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((3, 14, 12), np.uint8))
    info = dataset_info(DatasetConfig("mnist", {"folder": str(tmp_path)}))
    assert info.input_shape == (1, 14, 12)


@pytest.mark.skipif(not FASHION.is_dir(), reason="apt install dataset-fashion-mnist for this test")
def test_real_fashion_mnist_files_load() -> None:
    config = DatasetConfig("fashion_mnist", {"folder": str(FASHION), "n_samples": 2000})
    data = load_dataset(config)
    assert data.x_train.shape[1:] == (1, 28, 28)
    assert (len(data.x_train), len(data.x_val), len(data.x_test)) == (1200, 400, 400)
    assert data.x_train.max() == pytest.approx(1.0) and data.x_train.min() == 0.0
    assert set(np.unique(data.y_train)) == set(range(10))
    assert data.class_names[9] == "Ankle boot"
    images = read_idx(find_idx_file(FASHION, "train", "images"))
    assert images.shape == (60000, 28, 28) and images.dtype == np.uint8
    assert read_idx(find_idx_file(FASHION, "t10k", "labels")).shape == (10000,)
