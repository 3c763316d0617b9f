"""Inputs a person gives a trained network: rows, pictures, sequences, and edited 2D points."""

from __future__ import annotations

import dataclasses
import struct
import zlib

import numpy as np
import pytest

from nnstudio.core.datasets import DatasetConfig, load_dataset
from nnstudio.core.datasets import inputs as enc
from nnstudio.core.datasets.edited import points_of
from nnstudio.core.errors import DatasetError, InputError
from nnstudio.core.png import read_png_grey


def png(width: int, height: int, rows: bytes, colour: int = 0, depth: int = 8, **kw) -> bytes:
    """A PNG file around already-filtered row bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, kw.get("interlace", 0))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_png_rows_with_every_filter_decode_to_the_same_picture() -> None:
    grey = np.array([[10, 200, 30], [40, 50, 250], [0, 255, 128]], dtype=np.int64)

    def filtered(kind: int) -> bytes:
        out = bytearray()
        previous = np.zeros(3, dtype=np.int64)
        for row in grey:
            left = np.concatenate([[0], row[:-1]])
            corner = np.concatenate([[0], previous[:-1]])
            if kind == 0:
                guess = np.zeros(3, dtype=np.int64)
            elif kind == 1:
                guess = left
            elif kind == 2:
                guess = previous
            elif kind == 3:
                guess = (left + previous) // 2
            else:
                p = left + previous - corner
                pa, pb, pc = abs(p - left), abs(p - previous), abs(p - corner)
                guess = np.where(
                    (pa <= pb) & (pa <= pc), left, np.where(pb <= pc, previous, corner)
                )
            out += bytes([kind]) + bytes(((row - guess) % 256).tolist())
            previous = row
        return bytes(out)

    for kind in range(5):
        np.testing.assert_allclose(read_png_grey(png(3, 3, filtered(kind))), grey / 255.0)


def test_rgba_transparency_counts_as_white() -> None:
    rows = b"\x00" + bytes([0, 0, 0, 0, 0, 0, 0, 255])  # transparent black, opaque black
    np.testing.assert_allclose(read_png_grey(png(2, 1, rows, colour=6)), [[1.0, 0.0]])


def test_unreadable_and_huge_pictures_are_refused_with_a_message() -> None:
    with pytest.raises(InputError, match="not a PNG"):
        read_png_grey(b"GIF89a....")
    with pytest.raises(InputError, match="5000×5000 pixels; pictures of up to 4,000,000"):
        read_png_grey(png(5000, 5000, b""), max_pixels=enc.MAX_IMAGE_PIXELS)
    with pytest.raises(InputError, match="interlaced"):
        read_png_grey(png(1, 1, b"\x00\x00", interlace=1))
    broken = png(4, 4, b"\x00" * 20)[:-30]
    with pytest.raises(InputError):
        read_png_grey(broken)
    with pytest.raises(InputError, match="about 2000 × 2000"):
        enc.check_picture_size(3000, 2000)
    with pytest.raises(InputError, match="JPEG"):
        enc.read_picture_file(b"\xff\xd8\xff\xe0" + b"\x00" * 20, "photo.jpg")


def test_dark_ink_on_paper_becomes_bright_ink_at_the_datasets_size() -> None:
    paper = np.ones((40, 20))  # tall picture: padded to a square, centred
    paper[:, 8:12] = 0.0  # a black vertical stroke
    image = enc.picture_to_image(paper, (8, 8))
    assert image.shape == (1, 8, 8)
    assert image[0, :, 3:5].min() > 0.35  # the stroke is bright, in the middle columns
    assert image[0, :, :2].max() == 0.0 and image[0, :, 6:].max() == 0.0  # padding stays dark


def test_area_averaging_keeps_the_mean_brightness() -> None:
    rng = np.random.default_rng(0)
    picture = rng.uniform(size=(30, 30)) * 0.4  # dark border: no inversion
    image = enc.picture_to_image(picture, (7, 7))
    assert image.mean() == pytest.approx(picture.mean(), rel=1e-6)


@pytest.fixture(scope="module")
def iris():
    return load_dataset(DatasetConfig("iris"))


def test_rows_with_a_header_may_come_in_any_order(iris) -> None:
    names = enc.table_columns(iris)
    text = ",".join(reversed(names)) + "\n1.5,2.5,3.5,4.5\n"
    np.testing.assert_array_equal(enc.parse_rows_csv(names, text), [[4.5, 3.5, 2.5, 1.5]])
    np.testing.assert_array_equal(enc.parse_rows_csv(names, "1;2;3;4\n5;6;7;8\n")[1], [5, 6, 7, 8])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,2,,4\n", r"Line 1: 'petal length \(cm\)' is missing"),
        ("1,2,abc,4\n", r"Line 1: 'petal length \(cm\)' is 'abc', not a number"),
        ("1,2,3\n", "has 3 values, but the network needs 4"),
        ("sepal length (cm),colour\n", "header lacks the column"),
        ("\n\n", "no rows"),
    ],
)
def test_bad_rows_are_named(iris, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        enc.parse_rows_csv(enc.table_columns(iris), text)


def test_rows_in_original_units_round_trip_through_the_scaling(iris) -> None:
    original = enc.decode_rows(iris, iris.x_test[:5])
    np.testing.assert_allclose(enc.encode_rows(iris, original), iris.x_test[:5], atol=1e-5)
    with pytest.raises(InputError, match="finite"):
        enc.encode_rows(iris, [[1.0, np.nan, 2.0, 3.0]])


def test_typed_sequences_are_checked_against_the_tokens_and_length() -> None:
    data = load_dataset(DatasetConfig("copy_token", {"n_samples": 60}))
    np.testing.assert_array_equal(
        enc.parse_sequence(data, "0 1,2 3 4 5 6 7 0 1"), [0, 1, 2, 3, 4, 5, 6, 7, 0, 1]
    )
    with pytest.raises(InputError, match="Step 3: '8' is not a known token; the tokens are 0 to 7"):
        enc.parse_sequence(data, "0 1 8 3 4 5 6 7 0 1")
    with pytest.raises(InputError, match="'x' is not a known token"):
        enc.parse_sequence(data, "0 1 x 3 4 5 6 7 0 1")
    with pytest.raises(InputError, match="has 3 steps, but the network reads 10"):
        enc.parse_sequence(data, "0 1 2")
    text = enc.format_sequence(data, data.x_test[0])
    np.testing.assert_array_equal(enc.parse_sequence(data, text), data.x_test[0])


def test_sequences_of_numbers_take_one_group_per_step() -> None:
    data = load_dataset(DatasetConfig("adding", {"n_samples": 60, "length": 3}))
    np.testing.assert_allclose(
        enc.parse_sequence(data, "0.5:1 0.25:0 1:1"), [[0.5, 1], [0.25, 0], [1, 1]]
    )
    with pytest.raises(InputError, match=r"Step 2: '0\.25' should be 2 numbers"):
        enc.parse_sequence(data, "0.5:1 0.25 1:1")


# -- edited 2D points ---------------------------------------------------------------------


def test_generated_configs_have_no_points_in_their_files() -> None:
    config = DatasetConfig("circle")
    assert "points" not in config.to_dict()
    assert DatasetConfig.from_dict(config.to_dict()).points is None


def test_edited_points_train_exactly_as_given_and_survive_the_file() -> None:
    config = DatasetConfig("circle", {"n_samples": 40})
    data = load_dataset(config)
    points = (*points_of(data), (0.25, -0.5, 1.0, 0))
    edited = dataclasses.replace(config, points=points)
    again = DatasetConfig.from_dict(edited.to_dict())
    assert again == edited
    loaded = load_dataset(again)
    assert len(loaded.x_train) == len(data.x_train) + 1
    np.testing.assert_array_equal(loaded.x_train[:-1], data.x_train)
    np.testing.assert_array_equal(loaded.points_train[-1], [0.25, -0.5])
    assert loaded.y_train[-1] == 1
    np.testing.assert_array_equal(loaded.x_test, data.x_test)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([[0, 0, 2, "train"]], "class 2 is not one of 0..1"),
        ([[0, "a", 1, "train"]], "x2 must be a number"),
        ([[0, 0, 1, "elsewhere"]], "split 'elsewhere'"),
        ([[0, 0, 1]], r"must be \[x1, x2, target, split\]"),
        ("lots", "must be a list"),
    ],
)
def test_bad_edited_points_in_a_file_are_refused(rows, message: str) -> None:
    data = {**DatasetConfig("xor").to_dict(), "points": rows}
    with pytest.raises(DatasetError, match=message):
        DatasetConfig.from_dict(data)


def test_edited_points_need_training_points_and_2d_data() -> None:
    only_test = DatasetConfig("xor", points=((0.1, 0.2, 1.0, 2),))
    with pytest.raises(DatasetError, match="no training points"):
        load_dataset(only_test)
    with pytest.raises(DatasetError, match="no 2D points to edit"):
        DatasetConfig.from_dict({"name": "iris", "points": [[0, 0, 1, "train"]]})


def test_a_text_column_is_one_value_read_by_its_category(tmp_path) -> None:
    from tests.data.colour_table import COLOURS, write_colour_csv

    data = load_dataset(DatasetConfig("csv", {"path": str(write_colour_csv(tmp_path))}))
    columns, categories = enc.table_columns(data), enc.column_categories(data)
    assert columns == ["length", "width", "colour"] and categories == [None, None, COLOURS]
    rows = enc.parse_rows_csv(columns, "colour,width,length\nred,3,5\n green ,2.5,6\n", categories)
    assert rows.tolist() == [[5.0, 3.0, "red"], [6.0, 2.5, "green"]]
    # Its 0/1 inputs come out of encoding, scaled like training; the colour is not scaled.
    x = enc.encode_rows(data, rows)
    np.testing.assert_array_equal(x[:, 2:], [[0, 0, 1], [0, 1, 0]])
    np.testing.assert_allclose(
        x[:, :2], data.input_scaling.apply(np.c_[[[5, 3], [6, 2.5]], np.zeros((2, 3))])[:, :2]
    )
    # Back from the inputs: what the form shows.
    back = enc.decode_table_rows(data, x)
    assert [row[2] for row in back] == ["red", "green"]
    np.testing.assert_allclose([row[:2] for row in back], [[5, 3], [6, 2.5]], atol=1e-5)
    unknown = "'colour' is 'purple', which the network does not know; it takes one of 'blue'"
    with pytest.raises(InputError, match=f"Line 2: {unknown}, 'green', 'red'"):
        enc.parse_rows_csv(columns, "5,3,red\n5,3,purple\n", categories)
    with pytest.raises(InputError, match="'colour' is missing"):
        enc.parse_rows_csv(columns, "5,3,\n", categories)
