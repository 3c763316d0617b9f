"""The lessons on images and sequences: a CNN on digits, memory over long sequences, attention."""

from __future__ import annotations

from typing import Any

from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.lessons.spec import LESSONS, Arm, Evidence, Lesson, Verdict, pct
from nnstudio.core.project import Project
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.templates import sequential


# -- CNN on digits -----------------------------------------------------------------------------
def _cnn() -> Any:
    return sequential(
        [
            ("input", {}),
            ("conv2d", {"channels": 8, "kernel": 3, "padding": 1}),
            ("relu", {}),
            ("maxpool2d", {"kernel": 2}),
            ("flatten", {}),
            ("linear", {"units": 10}),
            ("output", {"task": "multiclass", "loss": "cross_entropy"}),
        ]
    )


def _dense() -> Any:
    return sequential(
        [
            ("input", {}),
            ("flatten", {}),
            ("linear", {"units": 10}),
            ("output", {"task": "multiclass", "loss": "cross_entropy"}),
        ]
    )


def _digits() -> Project:
    return Project(
        _cnn(),
        DatasetConfig("digits"),
        TrainingSettings(dict(optimizer="adam", learning_rate=0.01, batch_size=64, epochs=4)),
        "A CNN reads digits",
    )


def _check_cnn(ev: Evidence) -> Verdict:
    cnn = ev["CNN"].metric("val_accuracy")
    dense = ev["One Linear layer"].metric("val_accuracy")
    held = cnn >= 0.93 and cnn >= dense
    return Verdict(
        held,
        f"After the same few epochs the CNN reads {pct(cnn)} of the validation digits right, "
        f"one Linear layer on the raw pixels {pct(dense)}. Each 3×3 filter is slid over the "
        "whole image, so a stroke is found wherever it is.",
    )


LESSONS.register(
    Lesson(
        name="cnn_digits",
        title="A CNN on handwritten digits",
        text="A convolution slides small filters over the image; each filter answers 'is my "
        "pattern here?' at every position. The same few weights are used everywhere, so the "
        "network learns strokes once and finds them anywhere. Pooling then keeps the strongest "
        "answers and halves the picture.",
        steps=(
            "Press Run this lesson: a small CNN and a single Linear layer learn the 8×8 digits.",
            "Open the Weights panel on the CNN run: the 3×3 filters are its learned strokes.",
            "Compare validation accuracy in the Runs panel.",
        ),
        look_at="The Weights panel (filters) and the Predictions panel.",
        base=_digits,
        arms=(Arm("CNN"), Arm("One Linear layer", network=_dense)),
        check=_check_cnn,
        panels=("weights", "predictions"),
    )
)


# -- long dependencies: RNN against LSTM -------------------------------------------------------
LONG = {"n_samples": 3000, "length": 60, "vocab": 4, "position": 0}
FORGET_BIAS = 5.0
"""Where the LSTM's forget gate starts: sigmoid(5) ≈ 0.993, so 60 steps keep about 2/3 of the
first token, where PyTorch's start (about 0.5 per step) keeps 10⁻¹⁸ of it."""


def _recurrent(kind: str) -> Any:
    """The plain RNN the attention lesson compares with."""
    return sequential(
        [
            ("input", {}),
            ("embedding", {"vocab": 4, "dim": 8}),
            (kind, {"hidden": 24}),
            ("linear", {"units": 4}),
            ("output", {"task": "multiclass", "loss": "cross_entropy"}),
        ]
    )


def _memory(kind: str) -> Any:
    """Embedding, one recurrent layer of 32 and a Linear read-out: the same for both arms but
    for the recurrent layer (the LSTM's forget gate starts open, as its help suggests)."""
    gate = {"forget_bias": FORGET_BIAS} if kind == "lstm" else {}
    return sequential(
        [
            ("input", {}),
            ("embedding", {"vocab": 4, "dim": 8}),
            (kind, {"hidden": 32, **gate}),
            ("linear", {"units": 4}),
            ("output", {"task": "multiclass", "loss": "cross_entropy"}),
        ]
    )


def _long() -> Project:
    return Project(
        _memory("lstm"),
        DatasetConfig("copy_token", dict(LONG)),
        TrainingSettings(
            dict(optimizer="adam", learning_rate=0.005, batch_size=64, epochs=10, clip_norm=1.0)
        ),
        "Long dependencies: RNN against LSTM",
    )


def _check_long(ev: Evidence) -> Verdict:
    rnn = ev["Plain RNN"].metric("val_accuracy")
    lstm = ev["LSTM"].metric("val_accuracy")
    held = lstm >= 0.9 and rnn <= 0.4
    return Verdict(
        held,
        f"The answer is the first of {LONG['length']} tokens. After the same "
        f"{ev['LSTM'].run.steps_done} steps the LSTM names it for {pct(lstm)} of the validation "
        f"sequences; the plain RNN for {pct(rnn)}, no better than guessing one of 4 tokens "
        "(25 %): its memory of the first token fades step by step, and so does the gradient "
        "that should teach it to remember.",
    )


LESSONS.register(
    Lesson(
        name="long_dependencies",
        title="Long dependencies: a plain RNN against an LSTM",
        text="A recurrent network reads a sequence one step at a time and carries a state. In a "
        "plain RNN that state is squeezed through tanh at every step, so what it saw long ago "
        "fades, and so does the gradient that should teach it to remember. An LSTM keeps a "
        "separate cell that gates let through unchanged. Here its forget gate starts open "
        "(Forget gate bias 5), so from the first update the cell can hold one token for 60 "
        "steps.",
        steps=(
            "Press Run this lesson: both networks must name the first token of 60; the other "
            "59 are distractors.",
            "Watch the validation accuracy in the Runs panel: one climbs to the top, one stays "
            "near a guess (25 %).",
            "Then set the LSTM's Forget gate bias to Off and train again: the gate starts half "
            "shut, the first token is forgotten, and the LSTM is stuck too.",
        ),
        look_at="Validation accuracy in the Runs panel and the Loss panel.",
        base=_long,
        arms=(Arm("Plain RNN", network=lambda: _memory("rnn")), Arm("LSTM")),
        check=_check_long,
        panels=("loss",),
    )
)


# -- attention on the copy task ----------------------------------------------------------------
COPY = {"n_samples": 600, "length": 25, "vocab": 4, "position": 0}


def _attention() -> Any:
    return sequential(
        [
            ("input", {}),
            ("embedding", {"vocab": 4, "dim": 16}),
            ("positional_encoding", {}),
            ("transformer_block", {"heads": 2, "ff": 32, "dropout": 0.0}),
            ("flatten", {}),
            ("linear", {"units": 4}),
            ("output", {"task": "multiclass", "loss": "cross_entropy"}),
        ]
    )


def _copy() -> Project:
    return Project(
        _attention(),
        DatasetConfig("copy_token", dict(COPY)),
        TrainingSettings(dict(optimizer="adam", learning_rate=0.005, batch_size=32, epochs=6)),
        "Attention on the copy task",
    )


def _check_copy(ev: Evidence) -> Verdict:
    attention = ev["Attention"].metric("val_accuracy")
    rnn = ev["Plain RNN"].metric("val_accuracy")
    held = attention >= 0.95 and rnn <= 0.6
    return Verdict(
        held,
        f"Asked for the first of {COPY['length']} tokens, attention reaches {pct(attention)} "
        f"validation accuracy after {ev['Attention'].run.epochs_done} epochs: every step can "
        f"look at every other directly. A plain RNN, which must carry the token step by step, "
        f"reaches {pct(rnn)}.",
    )


LESSONS.register(
    Lesson(
        name="attention_copy",
        title="Attention on the copy task",
        text="Attention lets every position of a sequence look at every other one directly and "
        "take what it needs, weighted by how well the two match. Nothing has to be carried "
        "step by step, so the distance between the question and the answer no longer matters. "
        "The positional encoding tells the steps apart.",
        steps=(
            "Press Run this lesson: a Transformer block and a plain RNN learn to copy the first "
            "token of 25.",
            "Compare their validation accuracy in the Runs panel.",
        ),
        look_at="Validation accuracy in the Runs panel.",
        base=_copy,
        arms=(Arm("Attention"), Arm("Plain RNN", network=lambda: _recurrent("rnn"))),
        check=_check_copy,
        panels=("loss",),
    )
)
