"""Generated sequence tasks for recurrent and attention lessons.

Each task asks one answer per sequence, because the Output node scores one prediction per
sample. Token tasks give whole-number ids (steps,) for an Embedding; the adding task gives
(steps, 2) real numbers that a recurrent layer reads directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnstudio.core.datasets.spec import DATASETS, DataInfo, DatasetSpec, RawData
from nnstudio.core.errors import DatasetError
from nnstudio.core.params import ParamSpec, params

CATEGORY = "Sequences"


def _n_samples() -> ParamSpec:
    return ParamSpec(
        "n_samples", "int", 2000, "How many sequences to make in total, before the split.",
        label="Samples", minimum=50, maximum=100_000, step=500,
    )  # fmt: skip


def _length(default: int) -> ParamSpec:
    return ParamSpec(
        "length", "int", default, "How many steps each sequence has; longer is harder.",
        label="Length", minimum=2, maximum=200,
    )  # fmt: skip


def _vocab(default: int) -> ParamSpec:
    return ParamSpec(
        "vocab", "int", default,
        "How many different tokens there are; ids run from 0 to this minus one. Set the "
        "Embedding's vocabulary size to at least this.",
        label="Tokens", minimum=2, maximum=1000,
    )  # fmt: skip


def _seed() -> ParamSpec:
    return ParamSpec(
        "seed", "int", 0, "Start of the random draw; the same seed gives the same sequences.",
        label="Seed", minimum=0, maximum=2**31 - 1,
    )  # fmt: skip


def _check_position(p: dict[str, Any]) -> None:
    if p["position"] >= p["length"]:
        raise DatasetError(f"Position {p['position']} does not exist in sequences of "
                           f"{p['length']} steps: choose 0 to {p['length'] - 1}.")  # fmt: skip


def parity(p: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Bits 0/1; the label is 1 when the count of ones is odd."""
    bits = rng.integers(0, 2, size=(p["n_samples"], p["length"]))
    return RawData(
        bits, bits.sum(axis=1) % 2, ["tokens"], class_names=("even", "odd"), token_count=2
    )


def copy_token(p: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Random tokens; the label is the token found at `position`."""
    _check_position(p)
    tokens = rng.integers(0, p["vocab"], size=(p["n_samples"], p["length"]))
    names = tuple(str(t) for t in range(p["vocab"]))
    return RawData(
        tokens, tokens[:, p["position"]], ["tokens"], class_names=names, token_count=p["vocab"]
    )


def _unsort(rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Swap one random pair of unequal neighbours in each sorted row (rows with none stay)."""
    rows = rows.copy()
    for row in rows:
        places = np.flatnonzero(row[:-1] != row[1:])
        if places.size:
            i = rng.choice(places)
            row[i], row[i + 1] = row[i + 1], row[i]
    return rows


def sorting(p: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Half the sequences are sorted (label 1). Of the rest, half are shuffled at random and
    half are sorted with one pair of neighbours swapped, so every pair must be checked."""
    n, t, v = p["n_samples"], p["length"], p["vocab"]
    tokens = np.sort(rng.integers(0, v, size=(n, t)), axis=1)
    labels = (np.arange(n) < n // 2).astype(np.int64)
    near = np.flatnonzero((labels == 0) & (np.arange(n) % 2 == 0))
    tokens[near] = _unsort(tokens[near], rng)
    far = np.flatnonzero((labels == 0) & (np.arange(n) % 2 == 1))
    tokens[far] = rng.permuted(tokens[far], axis=1)
    # A shuffle or swap can leave a row sorted (all tokens equal, say): label what it is.
    labels = np.all(tokens[:, :-1] <= tokens[:, 1:], axis=1).astype(np.int64)
    order = rng.permutation(n)
    return RawData(
        tokens[order], labels[order], ["tokens"], class_names=("unsorted", "sorted"),
        token_count=v,
    )  # fmt: skip


def _check_distinct(p: dict[str, Any]) -> None:
    if p["vocab"] < p["length"]:
        raise DatasetError(
            f"Sequences of {p['length']} different tokens need at least {p['length']} "
            "tokens: raise Tokens or use shorter sequences."
        )


def sort_positions(p: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Different tokens in random order; the answer is the positions that read them in
    increasing order (argsort): one answer per step, each a position in the input."""
    _check_distinct(p)
    n, t, v = p["n_samples"], p["length"], p["vocab"]
    tokens = np.argsort(rng.random((n, v)), axis=1)[:, :t]  # t different tokens per row
    order = np.argsort(tokens, axis=1, kind="stable")
    names = tuple(str(i) for i in range(t))
    return RawData(tokens, order, ["tokens"], class_names=names)


def _sort_positions_info(p: dict[str, Any]) -> DataInfo:
    _check_distinct(p)
    t = p["length"]
    return DataInfo((t,), "classification", t, integer_input=True, target_steps=t)


def adding(p: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Step features (value, marker): the target is the sum of the two marked values."""
    n, t = p["n_samples"], p["length"]
    values = rng.uniform(0.0, 1.0, size=(n, t))
    marks = np.zeros((n, t))
    first = rng.integers(0, t, size=n)
    second = (first + rng.integers(1, t, size=n)) % t  # any other step
    marks[np.arange(n), first] = 1.0
    marks[np.arange(n), second] = 1.0
    target = (values * marks).sum(axis=1)
    return RawData(np.stack([values, marks], axis=2), target, ["value", "marker"])


def _tokens_info(classes: Callable[[dict[str, Any]], int]) -> Callable[..., DataInfo]:
    def describe(p: dict[str, Any]) -> DataInfo:
        return DataInfo((p["length"],), "classification", classes(p), integer_input=True)

    return describe


def _copy_info(p: dict[str, Any]) -> DataInfo:
    _check_position(p)
    return DataInfo((p["length"],), "classification", p["vocab"], integer_input=True)


DATASETS.register(DatasetSpec(
    name="parity", display_name="Parity", category=CATEGORY, task="classification",
    help="Sequences of bits (tokens 0 and 1). Is the number of ones odd? Every bit counts, so "
    "the network must carry one bit of memory along the whole sequence.",
    params=params(_n_samples(), _length(8), _seed()), num_classes=2, generate=None,
    is_2d=False, load=parity, describe=_tokens_info(lambda _p: 2), kind="sequence",
))  # fmt: skip
DATASETS.register(DatasetSpec(
    name="copy_token", display_name="Copy a token", category=CATEGORY, task="classification",
    help="Random tokens; the answer is the token at a chosen position, one class per token. "
    "A recurrent network must remember it until the end; attention can look it up.",
    params=params(
        _n_samples(), _length(10), _vocab(8), _seed(),
        ParamSpec("position", "int", 0, "Which step's token to copy; 0 is the first.",
                  label="Position", minimum=0, maximum=199),
    ),
    num_classes=8, generate=None, is_2d=False, load=copy_token, describe=_copy_info,
    kind="sequence",
))  # fmt: skip
DATASETS.register(DatasetSpec(
    name="sorting", display_name="Sorted?", category=CATEGORY, task="classification",
    help="Random tokens. Is the sequence in non-decreasing order? Half are; the others are "
    "shuffled, or sorted with just one neighbouring pair swapped.",
    params=params(_n_samples(), _length(8), _vocab(10), _seed()), num_classes=2,
    generate=None, is_2d=False, load=sorting, describe=_tokens_info(lambda _p: 2),
    kind="sequence",
))  # fmt: skip
DATASETS.register(DatasetSpec(
    name="adding", display_name="Adding", category=CATEGORY, task="regression",
    help="Each step holds two numbers: a random value in 0..1 and a marker, 1 at exactly two "
    "steps and 0 elsewhere. Predict the sum of the two marked values (0 to 2). Inputs are "
    "(steps, 2) real numbers, so no Embedding is needed.",
    params=params(_n_samples(), _length(10), _seed()), num_classes=0, generate=None,
    is_2d=False, load=adding,
    describe=lambda p: DataInfo((p["length"], 2), "regression", 0), kind="sequence",
))  # fmt: skip
DATASETS.register(DatasetSpec(
    name="sort_positions", display_name="Sort (point to positions)", category=CATEGORY,
    task="classification",
    help="Different tokens in random order. The answer is where to look, step by step, to "
    "read them in increasing order: the position of the smallest, then of the next, and so "
    "on. Each answer is a position in the input, which is what a Pointer layer gives.",
    params=params(_n_samples(), _length(6), _vocab(20), _seed()), num_classes=6,
    generate=None, is_2d=False, load=sort_positions, describe=_sort_positions_info,
    kind="sequence",
))  # fmt: skip
