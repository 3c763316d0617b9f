"""The graph model: edits, their events, structural rules and plain-data round trips."""

from __future__ import annotations

import copy

import pytest

from nnstudio.core import graph as g
from nnstudio.core.errors import GraphError
from nnstudio.core.graph import Edge, Graph, GraphEvent
from nnstudio.core.graph_io import graph_from_dict


@pytest.fixture
def events() -> list[GraphEvent]:
    return []


def chain_graph(events: list[GraphEvent] | None = None) -> Graph:
    """Input (n1) -> Linear (n2) -> Tanh (n3) -> Linear (n4) -> Output (n5)."""
    graph = Graph()
    graph.add_node("input")
    graph.add_node("linear", {"units": 4})
    graph.add_node("tanh")
    graph.add_node("linear", {"units": 1})
    graph.add_node("output")
    for a, b in (("n1", "n2"), ("n2", "n3"), ("n3", "n4"), ("n4", "n5")):
        graph.connect(a, "out", b, "in")
    if events is not None:
        graph.subscribe(events.append)
    return graph


def test_add_node_emits_and_resolves_params(events: list[GraphEvent]) -> None:
    graph = Graph()
    graph.subscribe(events.append)
    node = graph.add_node("linear", {"units": 16.0}, pos=(3, 4))
    assert node.id == "n1"
    assert node.params == {"units": 16, "bias": True}
    assert node.pos == (3.0, 4.0)
    assert events == [GraphEvent(g.NODE_ADDED, node_id="n1")]
    assert node.label == "Linear (n1)"


def test_add_node_refuses_unknown_type_and_bad_params(events: list[GraphEvent]) -> None:
    graph = Graph()
    graph.subscribe(events.append)
    with pytest.raises(GraphError, match="Unknown layer type 'dense'"):
        graph.add_node("dense")
    with pytest.raises(GraphError, match="Units must be at least 1"):
        graph.add_node("linear", {"units": 0})
    with pytest.raises(GraphError, match="has no setting 'width'"):
        graph.add_node("linear", {"width": 3})
    assert graph.nodes == {} and events == []


def test_ids_are_stable_and_never_reused() -> None:
    graph = chain_graph()
    assert list(graph.nodes) == ["n1", "n2", "n3", "n4", "n5"]
    graph.remove_node("n5")
    graph.remove_node("n3")
    assert graph.add_node("relu").id == "n6"
    assert graph.add_node("relu").id == "n7"
    assert graph.nodes["n2"].type == "linear"  # untouched nodes keep their ids
    # An explicit id moves the counter past it.
    graph.add_node("relu", node_id="n20")
    assert graph.add_node("relu").id == "n21"
    with pytest.raises(GraphError, match="already exists"):
        graph.add_node("relu", node_id="n2")


def test_remove_node_emits_edge_removals_then_node(events: list[GraphEvent]) -> None:
    graph = chain_graph(events)
    node, edges = graph.remove_node("n3")
    assert node.id == "n3" and node.type == "tanh"
    assert set(edges) == {Edge.of("n2", "out", "n3", "in"), Edge.of("n3", "out", "n4", "in")}
    assert [e.kind for e in events] == [g.EDGE_REMOVED, g.EDGE_REMOVED, g.NODE_REMOVED]
    assert {e.edge for e in events[:2]} == set(edges)
    assert events[2].node_id == "n3" and events[2].value is node
    assert "n3" not in graph.nodes
    assert all("n3" not in (e.src.node, e.dst.node) for e in graph.edges)


def test_move_emits_old_and_new(events: list[GraphEvent]) -> None:
    graph = chain_graph(events)
    old = graph.nodes["n2"].pos
    graph.move_node("n2", (10, -5))
    assert graph.nodes["n2"].pos == (10.0, -5.0)
    assert events == [GraphEvent(g.NODE_MOVED, node_id="n2", value=(10.0, -5.0), old=old)]


def test_set_param_emits_coerced_value(events: list[GraphEvent]) -> None:
    graph = chain_graph(events)
    graph.set_param("n2", "units", 32.0)
    assert graph.nodes["n2"].params["units"] == 32
    assert events == [
        GraphEvent(g.PARAM_CHANGED, node_id="n2", name="units", value=32, old=4),
    ]


def test_set_param_refusals_name_the_node_and_change_nothing(events: list[GraphEvent]) -> None:
    graph = chain_graph(events)
    with pytest.raises(GraphError, match=r"Linear \(n2\) has no setting 'width'") as info:
        graph.set_param("n2", "width", 3)
    assert info.value.node_id == "n2"
    with pytest.raises(GraphError, match=r"Linear \(n2\): Units must be at least 1") as info:
        graph.set_param("n2", "units", 0)
    assert info.value.node_id == "n2"
    assert graph.nodes["n2"].params["units"] == 4
    assert events == []


def test_connect_and_disconnect_emit(events: list[GraphEvent]) -> None:
    graph = chain_graph(events)
    edge = Edge.of("n2", "out", "n3", "in")
    graph.disconnect(edge)
    assert edge not in graph.edges
    again = graph.connect("n2", "out", "n3", "in")
    assert again == edge and edge in graph.edges
    assert events == [GraphEvent(g.EDGE_REMOVED, edge=edge), GraphEvent(g.EDGE_ADDED, edge=edge)]
    with pytest.raises(GraphError, match="does not exist"):
        graph.disconnect(Edge.of("n1", "out", "n4", "in"))


def test_unsubscribe_stops_events() -> None:
    graph = Graph()
    seen: list[GraphEvent] = []
    unsubscribe = graph.subscribe(seen.append)
    graph.add_node("input")
    unsubscribe()
    graph.add_node("relu")
    assert len(seen) == 1
    unsubscribe()  # a second call is harmless


def _refused(graph: Graph, edge: Edge, node_id: str, pattern: str) -> None:
    """Connecting must raise a GraphError naming `node_id`, and change nothing."""
    before = list(graph.edges)
    seen: list[GraphEvent] = []
    unsubscribe = graph.subscribe(seen.append)
    with pytest.raises(GraphError, match=pattern) as info:
        graph.connect(edge.src.node, edge.src.port, edge.dst.node, edge.dst.port)
    unsubscribe()
    assert f"({node_id})" in str(info.value)
    assert info.value.node_id == node_id
    assert graph.edges == before and seen == []


def test_second_edge_into_taken_input_is_refused() -> None:
    graph = chain_graph()
    extra = graph.add_node("relu")
    graph.connect("n1", "out", extra.id, "in")
    _refused(
        graph,
        Edge.of(extra.id, "out", "n3", "in"),
        "n3",
        r"Tanh \(n3\) already takes its input from Linear \(n2\).*Add or Concatenate",
    )


def test_cycles_are_refused() -> None:
    graph = Graph()
    graph.add_node("input")  # n1
    graph.add_node("add")  # n2
    graph.add_node("linear")  # n3
    graph.connect("n1", "out", "n2", "a")
    graph.connect("n2", "out", "n3", "in")
    _refused(graph, Edge.of("n3", "out", "n2", "b"), "n2", "would make a loop")
    _refused(graph, Edge.of("n3", "out", "n3", "in"), "n3", "cannot feed itself")


def test_unknown_ports_are_refused() -> None:
    graph = chain_graph()
    graph.remove_node("n3")
    _refused(graph, Edge.of("n2", "bogus", "n4", "in"), "n2", r"Linear \(n2\) has no output")
    _refused(graph, Edge.of("n2", "out", "n4", "b"), "n4", r"Linear \(n4\) has no input 'b'")
    # Input has no input port, Output no output port.
    _refused(graph, Edge.of("n2", "out", "n1", "in"), "n1", r"Input \(n1\) has no input")
    _refused(graph, Edge.of("n5", "out", "n4", "in"), "n5", r"Output \(n5\) has no output")


def test_unknown_node_is_refused() -> None:
    graph = chain_graph()
    with pytest.raises(GraphError, match="no node 'n99'"):
        graph.connect("n99", "out", "n2", "in")
    with pytest.raises(GraphError, match="no node 'n99'"):
        graph.remove_node("n99")


def test_topological_order_puts_sources_first() -> None:
    graph = chain_graph()
    order = graph.topological_order()
    assert order.index("n1") < order.index("n2") < order.index("n4") < order.index("n5")
    # A file with a loop sneaked past connect() is caught by ordering, naming a node.
    graph._store_edge(Edge.of("n4", "out", "n2", "in"))
    with pytest.raises(GraphError, match="loop") as info:
        graph.topological_order()
    assert info.value.node_id in graph.nodes


def test_dict_round_trip() -> None:
    graph = chain_graph()
    graph.move_node("n3", (1.5, 2.5))
    graph.set_param("n2", "bias", False)
    data = graph.to_dict()
    again = graph_from_dict(copy.deepcopy(data))
    assert again.to_dict() == data
    assert again == graph  # nodes and edges compare equal
    # The id counter continues after the loaded ids.
    assert again.add_node("relu").id == "n6"


def test_subgraph_dict_keeps_inner_edges_only() -> None:
    data = chain_graph().subgraph_dict(["n2", "n3"])
    assert [n["id"] for n in data["nodes"]] == ["n2", "n3"]
    assert data["edges"] == [{"src": ["n2", "out"], "dst": ["n3", "in"]}]


def test_replace_with_keeps_subscribers_and_counter(events: list[GraphEvent]) -> None:
    graph = chain_graph(events)
    other = Graph()
    other.add_node("input")
    graph.replace_with(other)
    assert list(graph.nodes) == ["n1"] and graph.edges == []
    assert events == [GraphEvent(g.RESET)]
    assert graph.add_node("relu").id == "n6"  # ids of the replaced graph are not reused


def _node(**overrides: object) -> dict[str, object]:
    return {"id": "n1", "type": "linear", "params": {}, "pos": [0, 0], **overrides}


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        ([], "must be an object"),
        ({"nodes": {}, "edges": []}, "'nodes' must be a list"),
        ({"nodes": [], "edges": None}, "'edges' must be a list"),
        ({"nodes": ["x"], "edges": []}, "Node 1 must be an object"),
        ({"nodes": [_node(id=3)], "edges": []}, "Node 1 needs a text 'id'"),
        ({"nodes": [_node(type=None)], "edges": []}, "Node 1 needs a text 'type'"),
        ({"nodes": [_node(type="dense")], "edges": []}, "unknown layer type 'dense'"),
        ({"nodes": [_node(params=[])], "edges": []}, "'params' must be an object"),
        ({"nodes": [_node(params={"units": "8"})], "edges": []}, "Units must be a number"),
        ({"nodes": [_node(pos=[0])], "edges": []}, "'pos' must be two numbers"),
        ({"nodes": [_node(pos=[0, float("nan")])], "edges": []}, "'pos' must be two numbers"),
        ({"nodes": [_node(pos=[True, 0])], "edges": []}, "'pos' must be two numbers"),
        ({"nodes": [_node(), _node()], "edges": []}, "already exists"),
        ({"nodes": [_node()], "edges": ["x"]}, "Connection 1 must be an object"),
        (
            {"nodes": [_node()], "edges": [{"src": ["n1"], "dst": ["n1", "in"]}]},
            "needs 'src' and 'dst'",
        ),
        (
            {"nodes": [_node()], "edges": [{"src": ["n1", "out"], "dst": ["n9", "in"]}]},
            "Connection 1: There is no node 'n9'",
        ),
        (
            {"nodes": [_node()], "edges": [{"src": ["n1", "out"], "dst": ["n1", "in"]}]},
            r"Connection 1: Linear \(n1\) cannot feed itself",
        ),
    ],
)
def test_from_dict_refuses_bad_data(data: object, pattern: str) -> None:
    with pytest.raises(GraphError, match=pattern):
        graph_from_dict(data)


def test_auto_layout_wraps_a_deep_chain_into_bands() -> None:
    """Issue 15 item 12: 23 layers in one line zoom out to about 23 %; bands keep it readable."""
    from nnstudio.core.layout import MAX_COLUMNS, auto_layout
    from nnstudio.core.templates import mlp

    graph = mlp([8] * 10, "relu")  # input, 10 × (linear, relu), linear, output: 23 nodes
    positions = auto_layout(graph)
    xs = {x for x, _y in positions.values()}
    ys = sorted({y for _x, y in positions.values()})
    assert len(xs) == MAX_COLUMNS
    assert len(ys) == -(-len(graph.nodes) // MAX_COLUMNS)
    order = graph.topological_order()
    # Read like text: left to right within a band, bands top to bottom.
    keys = [(positions[n][1], positions[n][0]) for n in order]
    assert keys == sorted(keys)
