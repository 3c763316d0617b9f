"""The lessons on small dense networks and 2D data: each trains in seconds on a CPU."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.graph import Graph
from nnstudio.core.layout import apply_layout
from nnstudio.core.lessons.spec import LESSONS, Arm, Evidence, Lesson, Verdict, pct, sci
from nnstudio.core.project import Project
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.templates import chain, mlp


def _project(graph: Graph, data: DatasetConfig, title: str, **settings: Any) -> Project:
    return Project(graph, data, TrainingSettings(settings), title)


# -- XOR ---------------------------------------------------------------------------------------
def _xor() -> Project:
    return _project(
        mlp([4], "tanh"),
        DatasetConfig("xor", {"n_samples": 400, "noise": 0.05}),
        "XOR and the hidden layer",
        optimizer="adam",
        learning_rate=0.03,
        batch_size=32,
        epochs=40,
    )


def _check_xor(ev: Evidence) -> Verdict:
    single = ev["One neuron"].metric("val_accuracy")
    hidden = ev["One hidden layer"].metric("val_accuracy")
    held = single <= 0.8 and hidden >= 0.9
    return Verdict(
        held,
        f"One neuron reached {pct(single)} validation accuracy: a single straight line cannot "
        f"split XOR. With a hidden layer of 4 tanh units it reached {pct(hidden)}.",
    )


LESSONS.register(
    Lesson(
        name="xor",
        title="XOR and the hidden layer",
        text="XOR puts one class in two opposite corners and the other class in the other two. "
        "A single neuron draws one straight line, and no straight line separates those corners. "
        "One hidden layer bends the boundary: each hidden unit draws a line, and the output "
        "combines them.",
        steps=(
            "Press Run this lesson: two networks train side by side on the same XOR points.",
            "Watch the Decision boundary panel: the single neuron's boundary stays straight.",
            "Compare the validation accuracy of the two runs in the Runs panel.",
        ),
        look_at="The Runs panel's validation accuracy, and the Decision boundary panel.",
        base=_xor,
        arms=(
            Arm("One neuron", network=lambda: mlp([], "identity")),
            Arm("One hidden layer"),
        ),
        check=_check_xor,
        panels=("boundary", "loss"),
    )
)


# -- vanishing gradients -----------------------------------------------------------------------
def _deep() -> Project:
    return _project(
        mlp([16] * 10, "sigmoid"),
        DatasetConfig("circle", {"n_samples": 300}),
        "Vanishing gradients",
        optimizer="sgd",
        learning_rate=0.1,
        batch_size=32,
        epochs=5,
    )


def _grad_ratio(arm_ev: Any) -> float:
    """First Linear layer's gradient norm over the last one's, at the first report."""
    linear = arm_ev.layers("linear")
    grads = arm_ev.first_grads
    first, last = grads.get(linear[0], float("nan")), grads.get(linear[-1], float("nan"))
    return first / last if last > 0 else float("nan")


def _check_vanishing(ev: Evidence) -> Verdict:
    sigmoid = _grad_ratio(ev["10 sigmoid layers"])
    relu = _grad_ratio(ev["10 ReLU layers, He init"])
    held = sigmoid < 1e-3 and relu > 0.05 and relu > 100 * sigmoid
    return Verdict(
        held,
        f"The first sigmoid layer's gradient is {sci(sigmoid)} of the last one's; with ReLU "
        f"and He init it is {sci(relu)}. Sigmoid's slope is at most 0.25, and ten of them in a "
        "row shrink the signal on its way back.",
    )


LESSONS.register(
    Lesson(
        name="vanishing_gradients",
        title="Vanishing gradients",
        text="Backpropagation multiplies the gradient by each layer's slope on its way back. "
        "Sigmoid's slope is never more than 0.25, so after ten sigmoid layers almost nothing "
        "reaches the first layer, which then hardly learns. ReLU's slope is 1 where it is "
        "active, and He initialization keeps the signal's size steady from layer to layer.",
        steps=(
            "Press Run this lesson: ten sigmoid layers and ten ReLU layers train side by side.",
            "Open the Gradients panel and follow each run: compare the first layer's bar with "
            "the last one's.",
        ),
        look_at="The first layer's bar in the Gradients panel.",
        base=_deep,
        arms=(
            Arm("10 sigmoid layers"),
            Arm("10 ReLU layers, He init", {"activation": "relu", "initializer": "he_normal"}),
        ),
        check=_check_vanishing,
        panels=("gradients", "loss"),
    )
)


# -- dead ReLU ---------------------------------------------------------------------------------
def _dead_base() -> Project:
    return _project(
        mlp([32, 32], "relu"),
        DatasetConfig("moons", {"n_samples": 400}),
        "Dead ReLU",
        optimizer="sgd",
        learning_rate=3.0,
        batch_size=16,
        epochs=15,
        initializer="he_uniform",
    )


def _mean_dead(arm_ev: Any) -> float:
    nodes = [n for n in arm_ev.dead if arm_ev.dead[n]]
    if not nodes:
        return float("nan")
    return float(np.mean([arm_ev.final_dead(n) for n in nodes]))


def _check_dead(ev: Evidence) -> Verdict:
    calm = _mean_dead(ev["ReLU, small steps"])
    wild = _mean_dead(ev["ReLU, large steps"])
    leaky = ev["Leaky ReLU, large steps"].metric("val_accuracy")
    relu_acc = ev["ReLU, large steps"].metric("val_accuracy")
    held = wild >= 0.5 and wild >= calm + 0.3 and leaky >= relu_acc + 0.1
    return Verdict(
        held,
        f"With large steps {pct(wild)} of the ReLU units never fire on the validation batch "
        f"(with small steps {pct(calm)}); dead units pass no gradient and stay dead. "
        f"Leaky ReLU at the same rate reaches {pct(leaky)} validation accuracy, "
        f"ReLU {pct(relu_acc)}.",
    )


LESSONS.register(
    Lesson(
        name="dead_relu",
        title="Dead ReLU",
        text="A ReLU unit passes gradient only while its input is positive. One large update "
        "can push a unit's weights so that its input is negative for every sample: it outputs "
        "zero, gets no gradient, and never recovers. Leaky ReLU keeps a small slope below zero, "
        "so such a unit can still find its way back.",
        steps=(
            "Press Run this lesson: the same ReLU network trains with large and small steps, "
            "and a Leaky ReLU network with the large steps. The panels follow the first run.",
            "Watch the Dead units panel: the share of silent units per layer over time.",
        ),
        look_at="The Dead units panel, and the badge on each ReLU node.",
        base=_dead_base,
        arms=(
            Arm("ReLU, large steps"),
            Arm("ReLU, small steps", {"learning_rate": "0.05"}),
            Arm("Leaky ReLU, large steps", {"activation": "leaky_relu"}),
        ),
        check=_check_dead,
        panels=("dead_units", "loss"),
    )
)


# -- overfitting -------------------------------------------------------------------------------
def _wide(dropout: float = 0.0) -> Graph:
    layers: list[tuple[str, dict[str, Any]]] = [("input", {})]
    for _ in range(2):
        layers += [("linear", {"units": 128}), ("relu", {})]
        if dropout:
            layers.append(("dropout", {"p": dropout}))
    layers += [("linear", {"units": 1}), ("output", {"task": "binary", "loss": "bce"})]
    graph = Graph()
    chain(graph, layers)
    apply_layout(graph)
    return graph


def _overfit() -> Project:
    return _project(
        _wide(),
        DatasetConfig("circle", {"n_samples": 100, "noise": 0.3}, train=0.4, val=0.4, test=0.2),
        "Overfitting",
        optimizer="adam",
        learning_rate=0.01,
        batch_size=0,
        epochs=300,
        initializer="he_uniform",
    )


def _check_overfit(ev: Evidence) -> Verdict:
    plain = ev["Wide, no help"]
    gap = plain.metric("val_loss") - plain.metric("train_loss")
    rose = plain.metric("val_loss") - plain.best("val_loss")
    finals = {a.arm.name: a.metric("val_loss") for a in ev.arms}
    worst = finals[plain.arm.name]
    helped = [n for n, v in finals.items() if n != plain.arm.name and v < worst]
    held = gap > 0.3 and rose > 0.1 and len(helped) == len(ev.arms) - 1
    parts = ", ".join(f"{name} {v:.2f}" for name, v in finals.items())
    return Verdict(
        held,
        f"Without help the training loss fell to {plain.metric('train_loss'):.2f} while the "
        f"validation loss ended {rose:.2f} above its best, at {plain.metric('val_loss'):.2f}: the "
        f"network memorized the noise. Final validation losses: {parts}.",
    )


LESSONS.register(
    Lesson(
        name="overfitting",
        title="Overfitting, and three cures",
        text="A network with far more weights than samples can learn the training points by "
        "heart, noise included. Its training loss keeps falling while the validation loss "
        "turns and climbs: the curves part. Dropout, an L2 penalty and early stopping each "
        "hold it back in their own way.",
        steps=(
            "Press Run this lesson: a wide network trains on 40 noisy points, alone and with "
            "each cure.",
            "In the Loss panel, find where the plain run's validation curve turns upward.",
            "Compare the final validation losses in the Runs panel.",
        ),
        look_at="The gap between training and validation loss in the Loss panel.",
        base=_overfit,
        arms=(
            Arm("Wide, no help"),
            Arm("Dropout", network=lambda: _wide(0.5)),
            Arm("L2 penalty", {"l2": "0.001"}),
            Arm("Early stopping", {"patience": "20"}),
        ),
        check=_check_overfit,
        panels=("loss",),
    )
)


# -- learning rate -----------------------------------------------------------------------------
def _rate_base() -> Project:
    return _project(
        mlp([16], "tanh", "regression", "mse"),
        DatasetConfig("plane", {"n_samples": 400}),
        "The learning rate",
        optimizer="sgd",
        learning_rate=0.05,
        batch_size=16,
        epochs=15,
    )


def _check_rate(ev: Evidence) -> Verdict:
    small, right, large = ev["Too small"], ev["About right"], ev["Too large"]
    start = small.run.history.get("train_loss")
    first = start.points()[1][0] if start is not None and len(start) else float("nan")
    crawl = first - small.metric("train_loss")
    fell = first - right.metric("train_loss")
    blew = large.diverged
    held = blew and 0 < crawl < 0.25 * fell and right.metric("val_loss") < 0.05
    end = "diverged to NaN" if blew else f"ended at loss {large.metric('train_loss'):.3g}"
    return Verdict(
        held,
        f"At the right rate the training loss fell by {fell:.2f} to "
        f"{right.metric('train_loss'):.2f}; too small, it fell by only {crawl:.3f}; too "
        f"large, it {end}.",
    )


LESSONS.register(
    Lesson(
        name="learning_rate",
        title="The learning rate",
        text="The learning rate sets how far each update moves the weights. Too small, and the "
        "loss creeps down for ages. About right, and it falls quickly. Too large, and each step "
        "overshoots the valley: the loss bounces, grows, and finally is no longer a number.",
        steps=(
            "Press Run this lesson: one network trains with three learning rates.",
            "Watch the Loss panel: one curve crawls, one falls, one leaves the plot.",
        ),
        look_at="The Loss panel, one curve per learning rate.",
        base=_rate_base,
        arms=(
            Arm("Too small", {"learning_rate": "0.0005"}),
            Arm("About right"),
            Arm("Too large", {"learning_rate": "10"}),
        ),
        check=_check_rate,
        panels=("loss", "learning_rate"),
    )
)


# -- initialization ----------------------------------------------------------------------------
def _init_base() -> Project:
    return _project(
        mlp([8, 8], "tanh"),
        DatasetConfig("circle", {"n_samples": 400}),
        "Initialization",
        optimizer="adam",
        learning_rate=0.03,
        batch_size=32,
        epochs=25,
    )


def _unit_spread(arm_ev: Any) -> float:
    """How different the first layer's units are: the largest spread of a weight across units."""
    first = arm_ev.layers("linear")[0]
    weight = arm_ev.weights.get(first)
    if weight is None:
        return float("nan")
    return float(np.max(np.ptp(weight, axis=0)))


def _check_init(ev: Evidence) -> Verdict:
    zeros = ev["Zeros"]
    spread = _unit_spread(zeros)
    accs = {a.arm.name: a.metric("val_accuracy") for a in ev.arms}
    held = (
        spread < 1e-6
        and accs["Zeros"] <= 0.7
        and accs["Xavier"] >= 0.9
        and accs["He"] >= 0.9
        and _unit_spread(ev["Xavier"]) > 0.1
    )
    return Verdict(
        held,
        f"From zeros, the first layer's 8 units ended with the same weights (largest "
        f"difference {sci(spread) if math.isfinite(spread) else '—'}): they all learned the "
        f"same thing, and validation accuracy stayed at {pct(accs['Zeros'])}. Xavier reached "
        f"{pct(accs['Xavier'])} and He {pct(accs['He'])}.",
    )


LESSONS.register(
    Lesson(
        name="initialization",
        title="Initialization: zeros, Xavier, He",
        text="If every weight starts at zero, every unit of a layer computes the same thing and "
        "receives the same update, so they stay identical forever: the layer acts like one "
        "unit. Random starts break the tie. Xavier scales them to keep the signal's spread for "
        "tanh and sigmoid; He doubles that for ReLU.",
        steps=(
            "Press Run this lesson: the same network starts from zeros, Xavier and He weights.",
            "Open the Weights panel on the zeros run: every row looks the same.",
        ),
        look_at="The Weights panel, and the validation accuracy in the Runs panel.",
        base=_init_base,
        arms=(
            Arm("Zeros", {"initializer": "zeros"}),
            Arm("Xavier", {"initializer": "xavier_uniform"}),
            Arm("He", {"initializer": "he_uniform"}),
        ),
        check=_check_init,
        panels=("weights", "loss"),
    )
)


# -- optimizers --------------------------------------------------------------------------------
def _optim_base() -> Project:
    return _project(
        mlp([16, 16], "tanh"),
        DatasetConfig("moons", {"n_samples": 400}),
        "Optimizers",
        optimizer="sgd",
        learning_rate=0.03,
        batch_size=32,
        epochs=20,
    )


def _check_optim(ev: Evidence) -> Verdict:
    losses = {a.arm.name: a.metric("train_loss") for a in ev.arms}
    sgd = losses["SGD"]
    held = losses["SGD with momentum"] < 0.75 * sgd and losses["Adam"] < 0.75 * sgd
    parts = ", ".join(f"{name} {v:.3f}" for name, v in losses.items())
    return Verdict(
        held,
        f"After the same {ev.arms[0].run.steps_done} steps at the same learning rate, the "
        f"training losses are: {parts}. Momentum keeps moving along the valley floor; Adam "
        "also scales each weight's step to its own gradients.",
    )


LESSONS.register(
    Lesson(
        name="optimizers",
        title="Optimizers: SGD, momentum, Adam",
        text="Plain gradient descent steps straight downhill. In a long narrow valley that "
        "means zig-zagging between the walls while creeping along the floor. Momentum adds up "
        "past steps, so the zig-zags cancel and the steps along the floor grow. Adam does that "
        "and also gives every weight a step size suited to its own gradients.",
        steps=(
            "Press Run this lesson: one network learns the moons with each optimizer, from the "
            "same starting weights.",
            "Watch the Loss panel: which curve drops first?",
        ),
        look_at="The Loss panel, one curve per optimizer.",
        base=_optim_base,
        arms=(
            Arm("SGD"),
            Arm("SGD with momentum", {"momentum": "0.9"}),
            Arm("Adam", {"optimizer": "adam"}),
        ),
        check=_check_optim,
        panels=("loss",),
    )
)
