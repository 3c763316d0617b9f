"""CSV import: column roles, encoding, normalization on the train split, and clear errors."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from nnstudio.core.datasets import DatasetConfig, load_dataset
from nnstudio.core.datasets.csv_import import format_column_list, parse_column_list, plan_csv
from nnstudio.core.datasets.csv_table import parse_csv, read_csv_table
from nnstudio.core.datasets.info import dataset_info
from nnstudio.core.errors import DatasetError
from nnstudio.core.project import Project, project_from_dict, project_to_dict

FLOWERS = """length,width,colour,species
5.1,3.5,red,setosa
4.9,3.0,red,setosa
6.2,2.9,blue,versicolor
5.9,3.0,blue,versicolor
6.3,3.3,green,virginica
7.1,3.0,green,virginica
5.0,3.4,red,setosa
6.1,2.8,blue,versicolor
6.5,3.0,green,virginica
5.4,3.9,red,setosa
"""


def write(tmp_path: Path, text: str, name: str = "data.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return str(path)


def config(path: str, **values) -> DatasetConfig:
    return DatasetConfig("csv", {"path": path, **values})


def test_default_roles_last_column_is_the_target(tmp_path) -> None:
    path = write(tmp_path, FLOWERS)
    data = load_dataset(config(path))
    assert data.task == "classification" and data.num_classes == 3
    assert data.class_names == ("setosa", "versicolor", "virginica")
    assert data.feature_names == ["length", "width", "colour=blue", "colour=green", "colour=red"]
    assert data.feature_shape == (5,)
    assert len(data.x_train) + len(data.x_val) + len(data.x_test) == 10
    info = dataset_info(config(path))
    assert (info.input_shape, info.num_classes) == ((5,), 3)


def test_labels_and_one_hot_columns_follow_the_rows(tmp_path) -> None:
    path = write(tmp_path, FLOWERS)
    data = load_dataset(config(path, normalization="none"))
    x = np.concatenate([data.x_train, data.x_val, data.x_test])
    y = np.concatenate([data.y_train, data.y_val, data.y_test])
    # In this file colour decides the species: red → setosa, blue → versicolor, green → virginica.
    np.testing.assert_array_equal(np.argmax(x[:, [4, 2, 3]], axis=1), y)
    assert set(x[:, 2:].ravel().tolist()) == {0.0, 1.0}
    np.testing.assert_array_equal(x[:, 2:].sum(axis=1), 1.0)


def test_standardize_uses_the_train_split_and_leaves_one_hot_columns(tmp_path) -> None:
    rows = "\n".join(f"{i},{(i * 7) % 13},{'ab'[i % 2]},{i % 2}" for i in range(200))
    path = write(tmp_path, "a,b,c,y\n" + rows + "\n")
    data = load_dataset(config(path, normalization="standardize"))
    np.testing.assert_allclose(data.x_train[:, :2].mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(data.x_train[:, :2].std(axis=0), 1.0, atol=1e-4)
    assert abs(float(data.x_test[:, 0].mean())) > 1e-4
    assert set(np.unique(data.x_train[:, 2:])) == {0.0, 1.0}


def test_minmax_maps_the_train_split_to_0_1(tmp_path) -> None:
    rows = "\n".join(f"{i * 3 - 50},{i % 2}" for i in range(100))
    data = load_dataset(config(write(tmp_path, "v,y\n" + rows + "\n"), normalization="minmax"))
    assert data.x_train.min() == 0.0 and data.x_train.max() == 1.0
    assert data.x_test.min() >= -0.1 and data.x_test.max() <= 1.1


def test_target_task_and_feature_choice(tmp_path) -> None:
    path = write(tmp_path, FLOWERS)
    data = load_dataset(
        config(path, target="length", task="regression", features="width,species",
               normalization="none")
    )  # fmt: skip
    assert data.task == "regression" and data.y_train.shape[1] == 1
    assert data.feature_names == ["width", "species=setosa", "species=versicolor",
                                  "species=virginica"]  # fmt: skip
    assert dataset_info(config(path, target="length", task="regression")).task == "regression"


def test_regression_target_is_scaled_like_the_features(tmp_path) -> None:
    rows = "\n".join(f"{i},{2 * i + 100}" for i in range(50))
    path = write(tmp_path, "x,y\n" + rows + "\n")
    scaled = load_dataset(config(path, task="regression"))
    assert abs(float(scaled.y_train.mean())) < 1e-5
    raw = load_dataset(config(path, task="regression", normalization="none"))
    assert raw.y_train.min() >= 100


def test_numeric_class_labels_are_ordered_as_numbers(tmp_path) -> None:
    rows = "\n".join(f"{i},{[2, 10, 1][i % 3]}" for i in range(30))
    data = load_dataset(config(write(tmp_path, "x,y\n" + rows + "\n")))
    assert data.class_names == ("1", "2", "10")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b,y\n1,2,0\n3,4\n5,6,1\n", "Line 3: 2 values"),
        ("a,b,y\n1,2,0\n3,x4,1\n5,6,1\n7,8,0\n", "Line 3: column 'b' holds 'x4'"),
        ("a,b,y\n1,2,0\n3,,1\n5,6,1\n", "Line 3: column 'b' is empty"),
        ("a,b,y\n1,2,0\n\n3,4,1\n5,6,\n", "Line 5: the target 'y' is empty"),
        ("a,b,y\n1,2,0\n3,inf,1\n5,6,1\n", "Line 3: column 'b' holds 'inf'"),
        ("", "empty"),
        ("a,b,y\n", "no rows"),
        ("only\n1\n2\n", "one column"),
    ],
)
def test_bad_files_name_the_line(tmp_path, text: str, message: str) -> None:
    with pytest.raises(DatasetError, match=message):
        load_dataset(config(write(tmp_path, text)))


def test_line_numbers_count_lines_in_the_file_not_rows(tmp_path) -> None:
    text = 'a,note,y\n1,"two\nlines",0\n2,ok,1\n3,ok\n'
    with pytest.raises(DatasetError, match="Line 5"):
        load_dataset(config(write(tmp_path, text), features="a"))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"target": "height"}, "no column 'height'"),
        ({"features": "length,nope"}, "no column 'nope'"),
        ({"features": "length,species"}, "is the target"),
        ({"features": "length,length"}, "twice"),
        ({"target": "colour", "task": "regression"}, "must be all numbers"),
        ({"max_categories": 2}, "3 different values.*Max categories"),
    ],
)
def test_bad_column_choices_are_refused_with_a_message(tmp_path, values, message) -> None:
    with pytest.raises(DatasetError, match=message):
        load_dataset(config(write(tmp_path, FLOWERS), **values))


def test_a_continuous_target_is_too_many_classes(tmp_path) -> None:
    rows = "\n".join(f"{i},{i * 0.37:.3f}" for i in range(150))
    with pytest.raises(DatasetError, match="choose Regression"):
        load_dataset(config(write(tmp_path, "x,y\n" + rows + "\n")))


def test_separators_header_and_encodings(tmp_path) -> None:
    semicolons = write(tmp_path, "a;b;y\n1.5;2;0\n3;4;1\n5;6;0\n7;8;1\n", "semi.csv")
    data = load_dataset(config(semicolons, normalization="none"))
    assert data.feature_names == ["a", "b"]
    assert sorted(np.concatenate([data.x_train, data.x_val, data.x_test])[:, 1]) == [2, 4, 6, 8]
    headless = write(tmp_path, "1,2,0\n3,4,1\n5,6,0\n7,8,1\n", "bare.csv")
    assert load_dataset(config(headless, header=False)).feature_names == ["column 1", "column 2"]
    latin = write(tmp_path, "größe,y\n1,rot\n2,grün\n3,rot\n", "latin.csv", "latin-1")
    assert load_dataset(config(latin)).class_names == ("grün", "rot")


def test_column_list_setting_round_trips_names_with_commas() -> None:
    names = ["plain", "with, comma", 'quote "q"']
    assert parse_column_list(format_column_list(names)) == names
    assert parse_column_list("") == [] and parse_column_list(" a , b ") == ["a", "b"]


def test_missing_file_and_empty_path_say_what_to_do(tmp_path) -> None:
    with pytest.raises(DatasetError, match="Import CSV"):
        load_dataset(config(""))
    with pytest.raises(DatasetError, match=r"is not there\. Locate it"):
        dataset_info(config(str(tmp_path / "gone.csv")))


def test_the_project_file_keeps_the_file_and_the_choices(tmp_path) -> None:
    path = write(tmp_path, FLOWERS)
    chosen = config(path, target="species", features="width,colour", normalization="minmax")
    again = project_from_dict(project_to_dict(Project(dataset=chosen))).dataset
    assert again == chosen
    a, b = load_dataset(chosen), load_dataset(again)
    assert a.x_train.tobytes() == b.x_train.tobytes()
    assert a.feature_names == ["width", "colour=blue", "colour=green", "colour=red"]


def test_the_table_is_reread_when_the_file_changes(tmp_path) -> None:
    path = write(tmp_path, FLOWERS)
    assert dataset_info(config(path)).input_shape == (5,)
    assert read_csv_table(path) is read_csv_table(path)  # unchanged: from the cache
    Path(path).write_text(FLOWERS.replace("colour,", "").replace("red,", "").replace(
        "blue,", "").replace("green,", ""))  # fmt: skip
    os.utime(path, ns=(1, 1))  # a different time even on coarse file systems
    assert dataset_info(config(path)).input_shape == (2,)


def test_plan_reports_column_kinds(tmp_path) -> None:
    plan = plan_csv(dict(DatasetConfig("csv", {"path": write(tmp_path, FLOWERS)})
                         .resolved_params()))  # fmt: skip
    assert plan.numeric == (True, True, False, False, False)
    table = parse_csv(FLOWERS)
    assert [table.column(i).numeric for i in range(4)] == [True, True, False, False]
    assert table.column(2).categories == ("blue", "green", "red")
