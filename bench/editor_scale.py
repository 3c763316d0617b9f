"""How the editor scales with the size of the network: figures against node count.

    python bench/editor_scale.py [--sizes 250,500,1000,2000] [--rounds 5]

For each size it builds a chain of Linear/ReLU pairs with a residual Add every few layers
(about 1.2 edges per node) on the spiral data, then measures, as the median of the rounds:

- **check**: `validation.analyze` of the whole graph (target ≤ 10 ms at 1,000 nodes, and
  linear: the "per 1k nodes" column should stay flat);
- **load**: `graph_from_dict` of the graph stored in reverse order (nodes and edges listed
  backwards, the worst case for a loader that walks the graph per edge);
- **open**: the File → Open path for a saved `.nnstudio` project: read and check the file,
  replace the document, rebuild the canvas, paint it (target ≤ 2 s at 1,000 nodes);
- **fit** / **1:1**: one repaint of the canvas with the whole graph in view (zoomed out, so
  nodes drop their text) and at full size (what panning and zooming cost per frame);
- **edit**: one structural edit (delete a connection, through undo) and the repaint after it
  (target ≤ 50 ms at 1,000 nodes);
- **paste** / **undo**: paste 500 copied nodes, then undo the paste, each with its repaint
  (target ≤ 0.5 s), and how many times the analysis ran for each (target: once).

Timings come from the machine's wall clock, so a busy machine inflates them; compare the
columns against each other and against the targets, not across machines.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.graph import Graph
from nnstudio.core.graph_io import graph_from_dict
from nnstudio.core.layout import apply_layout
from nnstudio.core.project import Project
from nnstudio.core.validation import analyze

PASTE = 500
SKIP_EVERY = 3
"""A residual Add after every third Linear/ReLU pair."""


def big_graph(n_nodes: int) -> Graph:
    """About `n_nodes` nodes: Input, Linear/ReLU pairs with skip Adds, Linear, Output."""
    graph = Graph()
    prev = graph.add_node("input").id
    prev = _link(graph, prev, graph.add_node("linear", {"units": 16}).id)
    skip_from, pairs = prev, 0
    while len(graph.nodes) < n_nodes - 3:
        lin = _link(graph, prev, graph.add_node("linear", {"units": 16}).id)
        prev = _link(graph, lin, graph.add_node("relu").id)
        pairs += 1
        if pairs % SKIP_EVERY == 0:
            add = graph.add_node("add").id
            graph.connect(prev, "out", add, "a")
            graph.connect(skip_from, "out", add, "b")
            prev = skip_from = add
    prev = _link(graph, prev, graph.add_node("linear", {"units": 1}).id)
    _link(graph, prev, graph.add_node("output", {"task": "binary", "loss": "bce"}).id)
    apply_layout(graph)
    return graph


def _link(graph: Graph, src: str, dst: str) -> str:
    graph.connect(src, "out", dst, "in")
    return dst


def _project(n_nodes: int) -> Project:
    return Project(big_graph(n_nodes), DatasetConfig("spiral"))


def _median_ms(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def core_figures(n_nodes: int, rounds: int) -> dict[str, float]:
    project = _project(n_nodes)
    ctx = project.shape_context()
    assert analyze(project.graph, ctx).ok
    data = project.graph.to_dict()
    data["nodes"].reverse()
    data["edges"].reverse()
    return {
        "nodes": len(project.graph.nodes),
        "edges": len(project.graph.edges),
        "check": _median_ms(lambda: analyze(project.graph, ctx), rounds),
        "load": _median_ms(lambda: graph_from_dict(data), rounds),
    }


def gui_figures(app, n_nodes: int, rounds: int) -> dict[str, float]:
    from nnstudio.core.project_files import save_project
    from nnstudio.ui.commands import RemoveCommand
    from nnstudio.ui.main_window import MainWindow

    window = MainWindow()
    window.ask_unsaved = lambda: "discard"
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    doc, view = window.document, window.view

    def paint() -> None:
        app.processEvents()
        view.viewport().repaint()

    folder = Path(tempfile.mkdtemp(prefix="nnstudio-bench-"))
    path = folder / "big.nnstudio"
    save_project(path, _project(n_nodes))

    def open_it() -> None:
        assert window.open_file(path)
        view.fit_to_view()
        paint()

    open_it()  # the first open also builds things made once per window (the dashboard)
    for _ in range(20):
        app.processEvents()
        time.sleep(0.05)
    figures = {"open": _median_ms(open_it, rounds)}
    view.fit_to_view()
    figures["paint_fit"] = _median_ms(lambda: view.viewport().repaint(), rounds * 3)
    view.set_zoom(1.0)
    figures["paint_1"] = _median_ms(lambda: view.viewport().repaint(), rounds * 3)
    edge = doc.graph.edges[len(doc.graph.edges) // 2]

    def edit() -> None:
        doc.push(RemoveCommand(doc, [], [edge], "Delete connection"))
        paint()
        doc.undo_stack.undo()
        paint()

    figures["edit"] = _median_ms(edit, rounds) / 2
    ids = list(doc.graph.nodes)[1 : 1 + PASTE]
    pastes, undos, counts = [], [], []
    for _ in range(rounds):
        window.scene.select_nodes(ids)
        mime = window.scene.copy_selection()
        before = doc.analysis_count
        start = time.perf_counter()
        window.scene.paste(mime)
        paint()
        pastes.append(time.perf_counter() - start)
        counts.append(doc.analysis_count - before)
        before = doc.analysis_count
        start = time.perf_counter()
        doc.undo_stack.undo()
        paint()
        undos.append(time.perf_counter() - start)
        counts.append(doc.analysis_count - before)
    figures["paste"] = statistics.median(pastes) * 1000
    figures["undo"] = statistics.median(undos) * 1000
    figures["checks"] = max(counts)
    doc.undo_stack.setClean()
    window.close()
    window.deleteLater()
    app.processEvents()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="250,500,1000,2000")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-gui", action="store_true", help="core figures only")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    app = None
    if not args.no_gui:
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance() or QApplication([])
    print(f"editor scale: median of {args.rounds} rounds; times in ms; paste/undo {PASTE} nodes")
    header = f"{'nodes':>6} {'edges':>6} {'check':>7} {'/1k':>6} {'load':>7}"
    if app is not None:
        header += (
            f" {'open':>7} {'fit':>6} {'1:1':>6} {'edit':>6} {'paste':>7} {'undo':>7} {'checks':>6}"
        )
    print(header)
    for size in sizes:
        row = core_figures(size, args.rounds)
        line = (
            f"{row['nodes']:>6} {row['edges']:>6} {row['check']:>7.1f} "
            f"{row['check'] / row['nodes'] * 1000:>6.1f} {row['load']:>7.1f}"
        )
        if app is not None:
            gui = gui_figures(app, size, max(1, args.rounds // 2))
            line += (
                f" {gui['open']:>7.0f} {gui['paint_fit']:>6.1f} {gui['paint_1']:>6.1f} "
                f"{gui['edit']:>6.1f} {gui['paste']:>7.0f} "
                f"{gui['undo']:>7.0f} {gui['checks']:>6}"
            )
        print(line, flush=True)
    print(
        "targets at 1,000 nodes: check ≤ 10 ms, open ≤ 2000 ms, edit ≤ 50 ms, paste and undo "
        "≤ 500 ms with 1 check each"
    )


if __name__ == "__main__":
    main()
