"""The 2D toy problems: small generated sets whose decision boundary can be drawn.

Raw coordinates stay within about [-1.5, 1.5] so networks train well without normalization.
"noise" is a fraction: the standard deviation of the Gaussian jitter relative to each set's scale.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnstudio.core.datasets.spec import DATASETS, DatasetSpec
from nnstudio.core.params import ParamSpec, params

CLASSIFICATION = "2D classification"
REGRESSION = "2D regression"


def _n_samples(default: int = 600) -> ParamSpec:
    return ParamSpec(
        "n_samples", "int", default, "How many points to draw in total, before the split.",
        label="Samples", minimum=10, maximum=100_000, step=50,
    )  # fmt: skip


def _noise(default: float) -> ParamSpec:
    return ParamSpec(
        "noise", "float", default, "How much random jitter to add; 0 gives clean data.",
        label="Noise", minimum=0.0, maximum=1.0, step=0.05, decimals=2,
    )  # fmt: skip


def _seed() -> ParamSpec:
    return ParamSpec(
        "seed", "int", 0, "Start of the random draw; the same seed gives the same points.",
        label="Seed", minimum=0, maximum=2**31 - 1,
    )  # fmt: skip


def _half_labels(n: int) -> np.ndarray:
    """Balanced binary labels: n // 2 zeros, then ones (load_dataset shuffles)."""
    return (np.arange(n) >= n // 2).astype(np.int64)


def _jitter(points: np.ndarray, sd: float, rng: np.random.Generator) -> np.ndarray:
    return points + rng.normal(0.0, sd, size=points.shape) if sd > 0 else points


def _polar(radius: np.ndarray, angle: np.ndarray) -> np.ndarray:
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)


def circle(p: dict[str, Any], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class 0 fills a disk of radius 0.5, class 1 a ring from 0.7 to 1.0; the gap is 0.2."""
    labels = _half_labels(p["n_samples"])
    inner = labels == 0
    u = rng.uniform(size=labels.size)
    # Square roots make the points even over the area, not crowded at the centre.
    radius = np.where(inner, 0.5 * np.sqrt(u), np.sqrt(0.49 + u * (1.0 - 0.49)))
    angle = rng.uniform(0.0, 2 * np.pi, size=labels.size)
    return _jitter(_polar(radius, angle), 0.5 * p["noise"], rng), labels


def xor(p: dict[str, Any], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 where x1 and x2 share a sign; points keep 0.05 away from the axes."""
    labels = _half_labels(p["n_samples"])
    margin = 0.05
    magnitude = rng.uniform(margin, 1.0, size=(labels.size, 2))
    sign1 = rng.choice([-1.0, 1.0], size=labels.size)
    sign2 = np.where(labels == 1, sign1, -sign1)
    points = magnitude * np.stack([sign1, sign2], axis=1)
    return _jitter(points, 0.5 * p["noise"], rng), labels


def gaussians(p: dict[str, Any], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two round blobs at (-0.5, -0.5) and (0.5, 0.5); noise widens them until they overlap."""
    labels = _half_labels(p["n_samples"])
    centres = np.where(labels[:, None] == 1, 0.5, -0.5) * np.ones((1, 2))
    sd = 0.1 + 0.5 * p["noise"]
    return centres + rng.normal(0.0, sd, size=centres.shape), labels


def spiral(p: dict[str, Any], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two arms winding out from the centre, the second a half turn behind the first."""
    labels = _half_labels(p["n_samples"])
    # sqrt spreads points evenly along the arm, which is longer further out.
    t = np.sqrt(rng.uniform(size=labels.size))
    # Starting at radius 0.25 keeps the tight, hard-to-fit centre out of the picture.
    radius = 0.25 + 0.75 * t
    angle = 2 * np.pi * p["turns"] * t + np.pi * labels
    # The two arms lie 0.375 / turns apart, so the jitter is measured against that gap.
    gap = 0.375 / p["turns"]
    return _jitter(_polar(radius, angle), gap * p["noise"], rng), labels


def moons(p: dict[str, Any], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles, centred on the origin and scaled to about [-1.1, 1.1]."""
    labels = _half_labels(p["n_samples"])
    angle = rng.uniform(0.0, np.pi, size=labels.size)
    upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lower = np.stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
    points = np.where(labels[:, None] == 0, upper, lower)
    points = 0.75 * (points - np.array([0.5, 0.25]))
    return _jitter(points, 0.75 * p["noise"], rng), labels


def plane(p: dict[str, Any], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """y = a·x1 + b·x2 on the square [-1, 1]²; noise is a fraction of the largest |y|."""
    n = p["n_samples"]
    points = rng.uniform(-1.0, 1.0, size=(n, 2))
    a, b = p["slope_x1"], p["slope_x2"]
    target = a * points[:, 0] + b * points[:, 1]
    sd = p["noise"] * (abs(a) + abs(b))
    if sd > 0:
        target = target + rng.normal(0.0, sd, size=n)
    return points, target


def multi_gaussian(p: dict[str, Any], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A surface of Gaussian hills and valleys (alternating signs, height 1) at seeded places."""
    n, k = p["n_samples"], p["bumps"]
    points = rng.uniform(-1.0, 1.0, size=(n, 2))
    centres = rng.uniform(-0.7, 0.7, size=(k, 2))
    signs = np.where(np.arange(k) % 2 == 0, 1.0, -1.0)
    dist2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    target = (signs * np.exp(-dist2 / (2 * p["width"] ** 2))).sum(axis=1)
    if p["noise"] > 0:
        target = target + rng.normal(0.0, p["noise"], size=n)
    return points, target


DATASETS.register(DatasetSpec(
    name="circle", display_name="Circle", category=CLASSIFICATION, task="classification",
    help="One class inside a disk, the other in a ring around it.",
    params=params(_n_samples(), _noise(0.1), _seed()), num_classes=2, generate=circle,
))  # fmt: skip
DATASETS.register(DatasetSpec(
    name="xor", display_name="XOR", category=CLASSIFICATION, task="classification",
    help="Four quadrants; a point's class says whether its two coordinates share a sign.",
    params=params(_n_samples(), _noise(0.05), _seed()), num_classes=2, generate=xor,
))  # fmt: skip
DATASETS.register(DatasetSpec(
    name="gaussians", display_name="Two Gaussians", category=CLASSIFICATION,
    task="classification", help="Two round clouds of points in opposite corners.",
    params=params(_n_samples(), _noise(0.1), _seed()), num_classes=2, generate=gaussians,
))  # fmt: skip
DATASETS.register(DatasetSpec(
    name="spiral", display_name="Spiral", category=CLASSIFICATION, task="classification",
    help="Two spiral arms wound around each other; needs a curved boundary.",
    params=params(
        _n_samples(), _noise(0.1), _seed(),
        ParamSpec("turns", "float", 1.5, "How many times each arm winds around the centre.",
                  label="Turns", minimum=0.5, maximum=4.0, step=0.25, decimals=2),
    ),
    num_classes=2, generate=spiral,
))  # fmt: skip
DATASETS.register(DatasetSpec(
    name="moons", display_name="Moons", category=CLASSIFICATION, task="classification",
    help="Two half circles that hook into each other.",
    params=params(_n_samples(), _noise(0.1), _seed()), num_classes=2, generate=moons,
))  # fmt: skip
DATASETS.register(DatasetSpec(
    name="plane", display_name="Plane", category=REGRESSION, task="regression",
    help="The target is a tilted flat surface over the two inputs.",
    params=params(
        _n_samples(), _noise(0.05), _seed(),
        ParamSpec("slope_x1", "float", 1.0, "How fast the target rises along x1.",
                  label="Slope along x1", minimum=-3.0, maximum=3.0, step=0.1, decimals=2),
        ParamSpec("slope_x2", "float", -0.5, "How fast the target rises along x2.",
                  label="Slope along x2", minimum=-3.0, maximum=3.0, step=0.1, decimals=2),
    ),
    num_classes=0, generate=plane,
))  # fmt: skip
DATASETS.register(DatasetSpec(
    name="multi_gaussian", display_name="Multi-Gaussian", category=REGRESSION,
    task="regression", help="The target is a landscape of hills and valleys.",
    params=params(
        _n_samples(), _noise(0.05), _seed(),
        ParamSpec("bumps", "int", 4, "How many hills and valleys make up the surface.",
                  label="Bumps", minimum=1, maximum=8),
        ParamSpec("width", "float", 0.35, "How wide each hill or valley is.",
                  label="Bump width", minimum=0.1, maximum=1.0, step=0.05, decimals=2),
    ),
    num_classes=0, generate=multi_gaussian,
))  # fmt: skip
