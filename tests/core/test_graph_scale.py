"""The graph's indexes, batched events and the linear loader: what a large network relies on."""

from __future__ import annotations

import contextlib
import random

import pytest

from nnstudio.core import graph as g
from nnstudio.core.errors import GraphError
from nnstudio.core.graph import Edge, Graph, GraphEvent, PortRef
from nnstudio.core.graph_io import graph_from_dict


def _check_indexes(graph: Graph) -> None:
    """Every indexed query answers what a scan of the edge list answers."""
    edges = list(graph.edges)
    for nid in graph.nodes:
        assert set(graph.edges_into(nid)) == {e for e in edges if e.dst.node == nid}
        assert set(graph.edges_from(nid)) == {e for e in edges if e.src.node == nid}
        for port in graph.nodes[nid].spec.inputs:
            ref = PortRef(nid, port.name)
            assert graph.edge_into(ref) == next((e for e in edges if e.dst == ref), None)
    assert all(graph.has_edge(e) for e in edges)
    assert len(set(edges)) == len(edges)


@pytest.mark.parametrize("seed", range(6))
def test_indexes_stay_true_through_random_edits(seed: int) -> None:
    rng = random.Random(seed)
    graph = Graph()
    for _ in range(200):
        action = rng.random()
        ids = list(graph.nodes)
        if action < 0.3 or len(ids) < 3:
            graph.add_node(rng.choice(["linear", "relu", "add"]))
        elif action < 0.65:
            a, b = rng.sample(ids, 2)
            port = rng.choice([p.name for p in graph.nodes[b].spec.inputs])
            with contextlib.suppress(GraphError):  # a refused connection changes nothing
                graph.connect(a, "out", b, port)
        elif action < 0.8 and len(graph.edges):
            graph.disconnect(rng.choice(list(graph.edges)))
        elif action < 0.9:
            graph.remove_node(rng.choice(ids))
        else:
            nodes, edges = list(graph.nodes), list(graph.edges)
            rng.shuffle(nodes)
            rng.shuffle(edges)
            graph.reorder(nodes, edges)
            assert list(graph.nodes) == nodes and list(graph.edges) == edges
        _check_indexes(graph)
        graph.topological_order()  # connect() never lets a loop in


def test_edge_list_is_read_only_and_compares_as_a_list() -> None:
    graph = Graph()
    a, b = graph.add_node("input").id, graph.add_node("relu").id
    edge = graph.connect(a, "out", b, "in")
    assert graph.edges == [edge] and graph.edges[0] == edge and edge in graph.edges
    assert not hasattr(graph.edges, "append")


def _chain(n: int) -> Graph:
    graph = Graph()
    prev = graph.add_node("input").id
    for _ in range(n - 2):
        node = graph.add_node("relu").id
        graph.connect(prev, "out", node, "in")
        prev = node
    graph.connect(prev, "out", graph.add_node("output").id, "in")
    return graph


def test_a_2000_node_graph_stored_backwards_loads_the_same() -> None:
    graph = _chain(2000)
    data = graph.to_dict()
    data["nodes"].reverse()
    data["edges"].reverse()
    again = graph_from_dict(data)
    assert set(again.nodes) == set(graph.nodes)
    assert set(again.edges) == set(graph.edges)
    _check_indexes(again)
    assert again.topological_order() == graph.topological_order()


def test_a_loop_in_a_file_is_refused_with_a_message() -> None:
    nodes = [("n1", "input"), ("n2", "add"), ("n3", "relu"), ("n4", "relu")]
    links = [("n1", "n2", "a"), ("n2", "n3", "in"), ("n3", "n4", "in"), ("n4", "n2", "b")]
    data = {
        "nodes": [{"id": nid, "type": kind} for nid, kind in nodes],
        "edges": [{"src": [a, "out"], "dst": [b, port]} for a, b, port in links],
    }
    with pytest.raises(GraphError, match="loop through n2, n3, n4"):
        graph_from_dict(data)


def test_loop_message_stays_short_for_a_huge_loop() -> None:
    graph = _chain(500)
    graph._drop_edge(Edge.of("n1", "out", "n2", "in"))
    graph._store_edge(Edge.of("n499", "out", "n2", "in"))  # sneaked past connect()
    with pytest.raises(GraphError, match="and 491 more: remove") as info:
        graph.topological_order()
    assert len(str(info.value)) < 200


def test_batch_sends_each_event_then_one_batch_event() -> None:
    graph = Graph()
    seen: list[tuple[str, bool]] = []
    graph.subscribe(lambda e: seen.append((e.kind, graph.in_batch)))
    with graph.batch():
        a = graph.add_node("input").id
        with graph.batch():  # nested: only the outermost batch reports
            b = graph.add_node("relu").id
        graph.connect(a, "out", b, "in")
    assert seen == [
        (g.NODE_ADDED, True),
        (g.NODE_ADDED, True),
        (g.EDGE_ADDED, True),
        (g.BATCH, False),
    ]


def test_a_batch_of_moves_only_sends_no_batch_event() -> None:
    graph = _chain(4)
    events: list[GraphEvent] = []
    graph.subscribe(events.append)
    with graph.batch():
        graph.move_node("n2", (5, 5))
    assert [e.kind for e in events] == [g.NODE_MOVED]


def test_a_failed_edit_still_closes_the_batch() -> None:
    graph = _chain(3)
    events: list[GraphEvent] = []
    graph.subscribe(events.append)
    with pytest.raises(GraphError), graph.batch():
        graph.remove_node("n2")
        graph.remove_node("n99")
    assert not graph.in_batch and events[-1].kind == g.BATCH


def test_deepcopy_copies_content_not_listeners() -> None:
    import copy

    graph = _chain(4)
    graph.subscribe(lambda _e: None)
    twin = copy.deepcopy(graph)
    assert twin == graph and twin._listeners == []
    twin.remove_node("n2")
    assert "n2" in graph.nodes and len(graph.edges) == 3
    _check_indexes(twin)
