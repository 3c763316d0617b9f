"""The network graph: nodes, ports and edges, and the plain-Python events its edits emit.

The graph is the single truth about a network. Views (the canvas, the problems list) subscribe
to its events and redraw; they never keep their own copy. Structural rules (no cycles, one
edge per input, ports that exist) are enforced here on every edit. Shape and type checks live
in `validation`, because they need the dataset.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from nnstudio.core.errors import GraphError, ParamError
from nnstudio.core.layers import LAYERS, LayerSpec


@dataclass(frozen=True)
class PortRef:
    node: str
    port: str


@dataclass(frozen=True)
class Edge:
    src: PortRef
    dst: PortRef

    @staticmethod
    def of(src_node: str, src_port: str, dst_node: str, dst_port: str) -> Edge:
        return Edge(PortRef(src_node, src_port), PortRef(dst_node, dst_port))


@dataclass
class Node:
    id: str
    type: str
    params: dict[str, Any]
    pos: tuple[float, float] = (0.0, 0.0)

    @property
    def spec(self) -> LayerSpec:
        return LAYERS.get(self.type)

    @property
    def label(self) -> str:
        """How messages name this node: its type and id, e.g. "Linear (n3)"."""
        return f"{self.spec.display_name} ({self.id})"


@dataclass(frozen=True)
class GraphEvent:
    """One change to the graph. `kind` is one of the constants below."""

    kind: str
    node_id: str | None = None
    edge: Edge | None = None
    name: str | None = None
    value: Any = None
    old: Any = None


NODE_ADDED = "node_added"
NODE_REMOVED = "node_removed"
NODE_MOVED = "node_moved"
PARAM_CHANGED = "param_changed"
EDGE_ADDED = "edge_added"
EDGE_REMOVED = "edge_removed"
RESET = "reset"

Listener = Callable[[GraphEvent], None]
_ID_RE = re.compile(r"^n(\d+)$")


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    _listeners: list[Listener] = field(default_factory=list, repr=False, compare=False)
    _next_id: int = field(default=1, repr=False, compare=False)

    # -- events ---------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` after every change; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, event: GraphEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    # -- queries --------------------------------------------------------------------------
    def node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise GraphError(f"There is no node {node_id!r} in this network.") from None

    def edges_into(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges if e.dst.node == node_id]

    def edges_from(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges if e.src.node == node_id]

    def edge_into(self, ref: PortRef) -> Edge | None:
        return next((e for e in self.edges if e.dst == ref), None)

    def edge_into_port(self, node_id: str, port: str) -> Edge | None:
        return self.edge_into(PortRef(node_id, port))

    def nodes_of_role(self, role: str) -> list[Node]:
        return [n for n in self.nodes.values() if n.spec.role == role]

    def new_id(self) -> str:
        while f"n{self._next_id}" in self.nodes:
            self._next_id += 1
        node_id = f"n{self._next_id}"
        self._next_id += 1
        return node_id

    def reaches(self, start: str, target: str) -> bool:
        """Whether `target` can be reached from `start` by following edges forward."""
        seen, todo = set(), [start]
        while todo:
            current = todo.pop()
            if current == target:
                return True
            if current in seen:
                continue
            seen.add(current)
            todo.extend(e.dst.node for e in self.edges if e.src.node == current)
        return False

    # -- edits ----------------------------------------------------------------------------
    def add_node(
        self,
        layer_type: str,
        params: dict[str, Any] | None = None,
        pos: tuple[float, float] = (0.0, 0.0),
        node_id: str | None = None,
    ) -> Node:
        if layer_type not in LAYERS:
            raise GraphError(f"Unknown layer type {layer_type!r}.")
        spec = LAYERS.get(layer_type)
        try:
            values = spec.params.resolve(params, spec.display_name)
        except ParamError as exc:
            raise GraphError(str(exc)) from None
        if node_id is None:
            node_id = self.new_id()
        elif node_id in self.nodes:
            raise GraphError(f"A node with id {node_id!r} already exists.", node_id)
        else:
            match = _ID_RE.match(node_id)
            if match:
                self._next_id = max(self._next_id, int(match.group(1)) + 1)
        node = Node(node_id, layer_type, values, (float(pos[0]), float(pos[1])))
        self.nodes[node_id] = node
        self._emit(GraphEvent(NODE_ADDED, node_id=node_id))
        return node

    def remove_node(self, node_id: str) -> tuple[Node, list[Edge]]:
        """Remove a node and its edges; returns both so an undo can put them back."""
        node = self.node(node_id)
        attached = [e for e in self.edges if node_id in (e.src.node, e.dst.node)]
        for edge in attached:
            self.disconnect(edge)
        del self.nodes[node_id]
        self._emit(GraphEvent(NODE_REMOVED, node_id=node_id, value=node))
        return node, attached

    def move_node(self, node_id: str, pos: tuple[float, float]) -> None:
        node = self.node(node_id)
        old = node.pos
        node.pos = (float(pos[0]), float(pos[1]))
        self._emit(GraphEvent(NODE_MOVED, node_id=node_id, value=node.pos, old=old))

    def set_param(self, node_id: str, name: str, value: Any) -> None:
        node = self.node(node_id)
        spec = node.spec.params.get(name)
        if spec is None:
            raise GraphError(f"{node.label} has no setting {name!r}.", node_id)
        try:
            coerced = spec.coerce(value)
        except ParamError as exc:
            raise GraphError(f"{node.label}: {exc}", node_id) from None
        old = node.params[name]
        node.params[name] = coerced
        self._emit(GraphEvent(PARAM_CHANGED, node_id=node_id, name=name, value=coerced, old=old))

    def check_connect(self, edge: Edge) -> None:
        """Raise GraphError if `edge` breaks a structural rule; the graph is not changed."""
        src, dst = self.node(edge.src.node), self.node(edge.dst.node)
        if src.spec.output_port(edge.src.port) is None:
            raise GraphError(f"{src.label} has no output {edge.src.port!r}.", src.id)
        if dst.spec.input_port(edge.dst.port) is None:
            raise GraphError(f"{dst.label} has no input {edge.dst.port!r}.", dst.id)
        if src.id == dst.id:
            raise GraphError(f"{src.label} cannot feed itself.", src.id)
        taken = self.edge_into(edge.dst)
        if taken is not None:
            other = self.node(taken.src.node)
            raise GraphError(
                f"{dst.label} already takes its input from {other.label}: remove that "
                "connection first, or use an Add or Concatenate to merge the two.",
                dst.id,
            )
        if self.reaches(dst.id, src.id):
            raise GraphError(
                f"Connecting {src.label} to {dst.label} would make a loop: data must flow "
                "one way, from Input to Output.",
                dst.id,
            )

    def connect(self, src_node: str, src_port: str, dst_node: str, dst_port: str) -> Edge:
        edge = Edge.of(src_node, src_port, dst_node, dst_port)
        self.check_connect(edge)
        self.edges.append(edge)
        self._emit(GraphEvent(EDGE_ADDED, edge=edge))
        return edge

    def disconnect(self, edge: Edge) -> None:
        if edge not in self.edges:
            raise GraphError("That connection does not exist.")
        self.edges.remove(edge)
        self._emit(GraphEvent(EDGE_REMOVED, edge=edge))

    def replace_with(self, other: Graph) -> None:
        """Take over another graph's content in place, so subscribers stay attached."""
        self.nodes = copy.deepcopy(other.nodes)
        self.edges = list(other.edges)
        self._next_id = max(self._next_id, other._next_id)
        self._emit(GraphEvent(RESET))

    # -- ordering -------------------------------------------------------------------------
    def topological_order(self) -> list[str]:
        """Node ids so every edge points forward; raises GraphError on a cycle."""
        indegree = {nid: 0 for nid in self.nodes}
        for edge in self.edges:
            indegree[edge.dst.node] += 1
        ready = [nid for nid, d in indegree.items() if d == 0]
        order: list[str] = []
        while ready:
            nid = ready.pop(0)
            order.append(nid)
            for edge in self.edges:
                if edge.src.node == nid:
                    indegree[edge.dst.node] -= 1
                    if indegree[edge.dst.node] == 0:
                        ready.append(edge.dst.node)
        if len(order) != len(self.nodes):
            stuck = sorted(set(self.nodes) - set(order))
            raise GraphError(
                f"The connections form a loop through {', '.join(stuck)}: remove one of them.",
                stuck[0],
            )
        return order

    # -- plain data -----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": [
                {"id": n.id, "type": n.type, "params": dict(n.params), "pos": list(n.pos)}
                for n in self.nodes.values()
            ],
            "edges": [
                {"src": [e.src.node, e.src.port], "dst": [e.dst.node, e.dst.port]}
                for e in self.edges
            ],
        }

    def subgraph_dict(self, node_ids: Iterable[str]) -> dict[str, Any]:
        """The selected nodes and the edges among them, as plain data (for copy and paste)."""
        keep = set(node_ids)
        data = self.to_dict()
        data["nodes"] = [n for n in data["nodes"] if n["id"] in keep]
        data["edges"] = [e for e in data["edges"] if e["src"][0] in keep and e["dst"][0] in keep]
        return data
