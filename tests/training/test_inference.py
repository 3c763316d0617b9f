"""The Predictor answers exactly as the trained model does, and explains itself."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnstudio.core.datasets import DatasetConfig, load_dataset
from nnstudio.core.errors import InputError
from nnstudio.core.project import Project
from nnstudio.core.templates import TEMPLATES, mlp
from nnstudio.training import ProbeOptions, Trainer
from nnstudio.training.inference import Predictor, rules_of

QUIET = ProbeOptions(boundary_every=0, predictions_every=0, weights_every=0, grad_norms=False)


def table_project(dataset: str, task: str, loss: str, outputs: int) -> Project:
    """A small MLP for a table dataset, with `outputs` units before the Output."""
    graph = mlp([8], "tanh", task, loss)
    last = [n for n in graph.nodes.values() if n.type == "linear"][-1]
    last.params["units"] = outputs
    return Project(graph, DatasetConfig(dataset))


def trained(name: str | Project, epochs: int = 2):
    project = TEMPLATES.get(name).build() if isinstance(name, str) else name
    data = load_dataset(project.dataset)
    trainer = Trainer(project.graph, data, project.training.replace(epochs=epochs), QUIET)
    for _snap in trainer.run():
        pass
    return project, data, trainer


@pytest.mark.parametrize("name", ["spiral_mlp", "digits_cnn", "lstm_parity", "transformer_copy"])
def test_outputs_equal_the_trainers_predict(name: str) -> None:
    project, data, trainer = trained(name, epochs=1)
    predictor = Predictor(project, trainer.model.state_dict(), data)
    x = data.x_test[:32]
    expected = trainer.predict(torch.as_tensor(x)).numpy()
    answer = predictor.predict(x)
    np.testing.assert_allclose(answer.outputs, expected, rtol=0, atol=1e-6)
    # One input goes through the traced network (the app's hover and pad): same answer.
    for i in (0, 5):
        single = predictor.predict(x[i : i + 1]).outputs
        np.testing.assert_allclose(single, expected[i : i + 1], rtol=0, atol=1e-5)
    assert answer.probabilities is not None
    np.testing.assert_allclose(answer.probabilities.sum(axis=1), 1.0, atol=1e-9)
    if rules_of(project).decision == "logit":
        np.testing.assert_array_equal(answer.classes, (expected[:, 0] > 0).astype(int))
    else:
        np.testing.assert_array_equal(answer.classes, expected.argmax(axis=1))


def test_the_predictor_keeps_its_own_copy_of_the_weights() -> None:
    project, data, trainer = trained("spiral_mlp", epochs=1)
    predictor = Predictor(project, trainer.model.state_dict(), data)
    x = data.x_test[:8]
    before = predictor.predict(x).outputs.copy()
    with torch.no_grad():
        for p in trainer.model.parameters():
            p.add_(1.0)  # training goes on and changes the originals
    np.testing.assert_array_equal(predictor.predict(x).outputs, before)


def test_points_get_the_same_derived_features_as_training() -> None:
    project = TEMPLATES.get("spiral_mlp").build()
    project.dataset.features = ("x1_sq", "sin_x2")
    data = load_dataset(project.dataset)
    from nnstudio.core.compile import compile_graph
    from nnstudio.training.trainer import context_for

    model = compile_graph(project.graph, context_for(data))
    predictor = Predictor(project, model.state_dict(), data)
    np.testing.assert_allclose(predictor.points(data.points_test[:5]), data.x_test[:5], atol=1e-6)


def test_table_rows_in_original_units_are_scaled_like_training() -> None:
    project, data, trainer = trained(table_project("iris", "multiclass", "cross_entropy", 3))
    predictor = Predictor(project, trainer.model.state_dict(), data)
    from sklearn.datasets import load_iris

    raw = load_iris().data
    # Find the raw rows of three test samples, then ask about them in centimetres.
    original = predictor.dataset.input_scaling.invert(data.x_test[:3])
    match = [int(np.abs(raw - row).sum(axis=1).argmin()) for row in original]
    np.testing.assert_allclose(raw[match], original, atol=1e-4)
    np.testing.assert_allclose(predictor.rows(raw[match]), data.x_test[:3], atol=1e-5)


def test_regression_values_come_back_in_the_targets_units() -> None:
    project = table_project("diabetes", "regression", "mse", 1)
    data = load_dataset(project.dataset)
    from nnstudio.core.compile import compile_graph
    from nnstudio.training.trainer import context_for

    model = compile_graph(project.graph, context_for(data))
    predictor = Predictor(project, model.state_dict(), data)
    answer = predictor.predict(data.x_test[:4])
    assert answer.probabilities is None
    scaling = data.target_scaling
    np.testing.assert_allclose(answer.values, answer.outputs * scaling.scale + scaling.shift)


def test_activations_follow_the_network_from_input_to_output() -> None:
    project, data, trainer = trained("digits_cnn", epochs=1)
    predictor = Predictor(project, trainer.model.state_dict(), data)
    layers = predictor.activations(data.x_test[:1])
    assert layers[0].label == "Input"
    np.testing.assert_array_equal(layers[0].values, data.x_test[0])
    np.testing.assert_allclose(layers[-1].values, predictor.predict(data.x_test[:1]).outputs[0])
    assert [a.node_id for a in layers[1:]] == [s.node_id for s in predictor.model._steps]


def test_attention_weights_are_distributions_over_the_steps() -> None:
    project, data, trainer = trained("transformer_copy", epochs=1)
    predictor = Predictor(project, trainer.model.state_dict(), data)
    found = predictor.attention(data.x_test[:1])
    assert len(found) == 2, "the encoder block runs twice: one attention per copy"
    steps = data.feature_shape[0]
    for weights in found.values():
        assert weights.shape[1:] == (steps, steps)
        np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-5)
    # Asking for them leaves the answer unchanged.
    again = Predictor(project, trainer.model.state_dict(), data).predict(data.x_test[:1])
    np.testing.assert_array_equal(again.outputs, predictor.predict(data.x_test[:1]).outputs)


def test_no_weights_and_foreign_weights_are_refused_with_a_message() -> None:
    project = TEMPLATES.get("spiral_mlp").build()
    data = load_dataset(project.dataset)
    with pytest.raises(InputError, match="no trained weights"):
        Predictor(project, None, data)
    other = TEMPLATES.get("xor_mlp").build()
    from nnstudio.core.compile import compile_graph
    from nnstudio.training.trainer import context_for

    foreign = compile_graph(other.graph, context_for(data)).state_dict()
    foreign["extra"] = torch.zeros(1)
    with pytest.raises(InputError, match="changed after training"):
        Predictor(project, foreign, data)


def test_following_a_live_model_takes_its_current_weights() -> None:
    project, data, trainer = trained("spiral_mlp", epochs=1)
    predictor = Predictor(project, trainer.model.state_dict(), data)
    with torch.no_grad():
        for p in trainer.model.parameters():
            p.mul_(0.5)  # training moved on
    x = data.x_test[:1]
    assert not np.allclose(predictor.predict(x).outputs, trainer.predict(torch.as_tensor(x)))
    predictor.follow(trainer.model)
    np.testing.assert_allclose(
        predictor.predict(x).outputs, trainer.predict(torch.as_tensor(x)).numpy(), atol=1e-6
    )


def test_a_text_column_is_asked_by_its_category(tmp_path) -> None:
    from nnstudio.core.datasets import inputs as enc
    from tests.data.colour_table import COLOURS, colour_project

    project, data, trainer = trained(colour_project(tmp_path))
    predictor = Predictor(project, trainer.model.state_dict(), data)
    assert enc.table_columns(data) == ["length", "width", "colour"]
    assert enc.column_categories(data) == [None, None, COLOURS]
    # Rows as a person writes them: numbers in their units, the colour as text.
    rows = enc.decode_table_rows(data, data.x_test[:6])
    assert all(row[2] in COLOURS for row in rows)
    expected = trainer.predict(torch.as_tensor(data.x_test[:6])).numpy()
    np.testing.assert_allclose(predictor.predict(predictor.rows(rows)).outputs, expected, atol=1e-5)
    # The same row with the text category or with its 0/1 inputs gives the same answer.
    onehot = [5.5, 3.0, 0.0, 1.0, 0.0]
    by_text = predictor.predict(predictor.rows([[5.5, 3.0, "green"]])).outputs
    by_onehot = predictor.predict(predictor.rows([onehot])).outputs
    np.testing.assert_allclose(by_text, by_onehot, atol=1e-6)
    assert not np.allclose(by_text, predictor.predict(predictor.rows([[5.5, 3.0, "red"]])).outputs)
    with pytest.raises(InputError) as err:
        predictor.rows([[5.5, 3.0, "purple"]])
    assert str(err.value) == (
        "The row: 'colour' is 'purple', which the network does not know; "
        "it takes one of 'blue', 'green', 'red'."
    )
