"""`nnstudio predict`: the trained network's answers from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from nnstudio.cli import main
from nnstudio.core.datasets import DatasetConfig, load_dataset
from nnstudio.core.project import Project, save_project_json
from nnstudio.core.project_files import save_project
from nnstudio.core.run import Run, RunBook, freeze
from nnstudio.core.templates import TEMPLATES, mlp
from nnstudio.training import ProbeOptions, Trainer

QUIET = ProbeOptions(boundary_every=0, predictions_every=0, weights_every=0, grad_norms=False)


def train_and_save(project: Project, path: Path, epochs: int = 2) -> Trainer:
    data = load_dataset(project.dataset)
    trainer = Trainer(project.graph, data, project.training.replace(epochs=epochs), QUIET)
    for _snap in trainer.run():
        pass
    book = RunBook()
    run = book.add(Run(freeze(project)))
    run.weights = {k: v.detach().clone() for k, v in trainer.model.state_dict().items()}
    run.status = "finished"
    save_project(path, project, book)
    return trainer


def predict_json(capsys, *args: str) -> dict:
    assert main(["predict", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_csv_rows_of_a_table_give_the_trainers_predictions(tmp_path: Path, capsys) -> None:
    graph = mlp([8], "tanh", "multiclass", "cross_entropy")
    [n for n in graph.nodes.values() if n.type == "linear"][-1].params["units"] = 3
    trainer = train_and_save(Project(graph, DatasetConfig("iris")), tmp_path / "iris.nnstudio")
    data = trainer.dataset
    # The rows as a person has them: in centimetres, with the header names.
    rows = data.input_scaling.invert(data.x_test)
    lines = [",".join(data.feature_names)] + [",".join(repr(float(v)) for v in r) for r in rows]
    (tmp_path / "rows.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    doc = predict_json(capsys, str(tmp_path / "iris.nnstudio"), str(tmp_path / "rows.csv"))
    expected = trainer.predict(torch.as_tensor(data.x_test)).numpy()
    got = np.array([p["output"] for p in doc["predictions"]])
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert [p["class"] for p in doc["predictions"]] == expected.argmax(axis=1).tolist()
    assert doc["classes"] == list(data.class_names)
    assert doc["predictions"][0]["label"] in data.class_names


def test_csv_rows_with_a_text_column_give_its_category(tmp_path: Path, capsys) -> None:
    from nnstudio.core.datasets import inputs as enc
    from tests.data.colour_table import colour_project

    trainer = train_and_save(colour_project(tmp_path), tmp_path / "colours.nnstudio")
    data = trainer.dataset
    # Rows as in the original file: the colour as text; the header may reorder columns.
    rows = enc.decode_table_rows(data, data.x_test)
    lines = ["colour,length,width"] + [f"{c},{a!r},{b!r}" for a, b, c in rows]
    (tmp_path / "rows.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    doc = predict_json(capsys, str(tmp_path / "colours.nnstudio"), str(tmp_path / "rows.csv"))
    expected = trainer.predict(torch.as_tensor(data.x_test)).numpy()
    got = np.array([p["output"] for p in doc["predictions"]])
    np.testing.assert_allclose(got, expected, atol=1e-5)
    # A colour the network never saw is refused, naming the column and the known ones.
    (tmp_path / "bad.csv").write_text("5.0,3.0,purple\n", encoding="utf-8")
    assert main(["predict", str(tmp_path / "colours.nnstudio"), str(tmp_path / "bad.csv")]) == 2
    err = capsys.readouterr().err
    assert "'colour' is 'purple'" in err and "'blue', 'green', 'red'" in err
    assert "Traceback" not in err


def test_points_and_sequences_give_the_trainers_predictions(tmp_path: Path, capsys) -> None:
    trainer = train_and_save(TEMPLATES.get("xor_mlp").build(), tmp_path / "xor.nnstudio")
    point = trainer.dataset.points_test[0]
    doc = predict_json(
        capsys, str(tmp_path / "xor.nnstudio"), f"{float(point[0])!r},{float(point[1])!r}"
    )
    expected = trainer.predict(torch.as_tensor(trainer.dataset.x_test[:1])).numpy()
    np.testing.assert_allclose(doc["predictions"][0]["output"], expected[0], atol=1e-6)
    assert doc["predictions"][0]["class"] == int(expected[0, 0] > 0)

    trainer = train_and_save(TEMPLATES.get("lstm_parity").build(), tmp_path / "p.nnstudio", 1)
    sample = trainer.dataset.x_test[3]
    doc = predict_json(capsys, str(tmp_path / "p.nnstudio"), " ".join(map(str, sample)))
    expected = trainer.predict(torch.as_tensor(trainer.dataset.x_test[3:4])).numpy()
    np.testing.assert_allclose(doc["predictions"][0]["output"], expected[0], atol=1e-6)


def test_a_picture_is_answered_as_the_trainer_would(tmp_path: Path, capsys) -> None:
    from nnstudio.core.datasets import inputs as enc
    from tests.core.test_ask_inputs import png

    trainer = train_and_save(TEMPLATES.get("digits_cnn").build(), tmp_path / "d.nnstudio", 1)
    picture = np.full((16, 16), 255, dtype=np.uint8)
    picture[3:13, 7:9] = 0  # a dark "1" on white paper
    rows = b"".join(b"\x00" + bytes(row.tolist()) for row in picture)
    (tmp_path / "one.png").write_bytes(png(16, 16, rows))
    doc = predict_json(capsys, str(tmp_path / "d.nnstudio"), str(tmp_path / "one.png"))
    image = enc.picture_to_image(picture / 255.0, (8, 8))
    expected = trainer.predict(torch.as_tensor(image[None])).numpy()
    np.testing.assert_allclose(doc["predictions"][0]["output"], expected[0], atol=1e-5)


def test_the_table_format_prints_one_line_per_input(tmp_path: Path, capsys) -> None:
    train_and_save(TEMPLATES.get("xor_mlp").build(), tmp_path / "xor.nnstudio", 1)
    (tmp_path / "p.csv").write_text("0.5,0.5\n-0.5,0.5\n", encoding="utf-8")
    assert main(["predict", str(tmp_path / "xor.nnstudio"), str(tmp_path / "p.csv")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split()[:3] == ["input", "prediction", "p"]
    assert [line.split()[0:2] for line in lines[1:]] == [["row", "1"], ["row", "2"]]


@pytest.mark.parametrize(
    ("setup", "given", "message"),
    [
        ("none", "0.1,0.2", "no trained weights"),
        ("xor", "0.1,abc", "'x2' is 'abc', not a number"),
        ("xor", "0.1,", "'x2' is missing"),
        ("parity", "0 1 5 0 1 0 0 1", "'5' is not a known token"),
        ("parity", "0 1", "has 2 steps, but the network reads 8"),
        ("digits", "junk.png", "cannot be read|is not a PNG"),
    ],
)
def test_bad_input_gets_a_message_not_a_traceback(tmp_path: Path, capsys, setup, given, message):
    if setup == "none":
        path = tmp_path / "fresh.json"
        save_project_json(TEMPLATES.get("xor_mlp").build(), path)
    else:
        name = {"xor": "xor_mlp", "parity": "lstm_parity", "digits": "digits_cnn"}[setup]
        path = tmp_path / f"{setup}.nnstudio"
        train_and_save(TEMPLATES.get(name).build(), path, 1)
    if given.endswith(".png"):
        (tmp_path / given).write_bytes(b"not a picture at all")
        given = str(tmp_path / given)
    assert main(["predict", str(path), given]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nnstudio: ")
    import re

    assert re.search(message, err), err
    assert "Traceback" not in err
