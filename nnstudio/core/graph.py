"""The network graph: nodes, ports and edges, and the plain-Python events its edits emit.

The graph is the single truth about a network. Views (the canvas, the problems list) subscribe
to its events and redraw; they never keep their own copy. Structural rules (no cycles, one
edge per input, ports that exist) are enforced here on every edit. Shape and type checks live
in `validation`, because they need the dataset.
"""

from __future__ import annotations

import copy
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from nnstudio.core.errors import GraphError, ParamError
from nnstudio.core.layers import LAYERS, LayerSpec


class Block(Protocol):
    """What a block node holds (see `nnstudio.core.blocks.Block`): its graph, and the spec it
    gives its node. Declared here as a protocol so the graph needs no import of blocks."""

    graph: Graph

    def spec_for(self, node_id: str, params: dict[str, Any]) -> LayerSpec: ...


class PortRef(NamedTuple):
    """(node id, port name). A named tuple, so hashing and comparing it (the analysis does
    that for every edge) runs in C."""

    node: str
    port: str


@dataclass(frozen=True)
class Edge:
    src: PortRef
    dst: PortRef
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Edges key every index and the analysis' shape table: hash them once, not per lookup.
        object.__setattr__(self, "_hash", hash((self.src, self.dst)))

    def __hash__(self) -> int:
        return self._hash

    @staticmethod
    def of(src_node: str, src_port: str, dst_node: str, dst_port: str) -> Edge:
        return Edge(PortRef(src_node, src_port), PortRef(dst_node, dst_port))


@dataclass
class Node:
    id: str
    type: str
    params: dict[str, Any]
    pos: tuple[float, float] = (0.0, 0.0)
    block: Block | None = None
    """What a block node holds inside (its own graph); None for every other node."""

    @property
    def spec(self) -> LayerSpec:
        if self.block is not None:
            return self.block.spec_for(self.id, self.params)
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
BATCH = "batch"
"""The end of a `Graph.batch()`: the edits it grouped are done."""

Listener = Callable[[GraphEvent], None]
_ID_RE = re.compile(r"^n(\d+)$")
GRAPH_VERSION = 2
"""The graph's own format version, written only when it holds blocks (version 2 added them),
so files without blocks stay exactly as before and older readers still open them."""


@dataclass(frozen=True)
class GraphSnapshot:
    nodes: dict[str, Node]
    edges: list[Edge]
    next_id: int


class EdgeList(Sequence[Edge]):
    """A read-only, ordered view of a graph's edges, with membership in constant time.

    Edits go through the graph, so its indexes (edges by node and by port) stay true."""

    def __init__(self, store: dict[Edge, None]) -> None:
        self._store = store

    def __len__(self) -> int:
        return len(self._store)

    def __iter__(self) -> Iterator[Edge]:
        return iter(self._store)

    def __contains__(self, edge: object) -> bool:
        return edge in self._store

    def __getitem__(self, index):  # type: ignore[override]
        return list(self._store)[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (EdgeList, list, tuple)):
            return list(self._store) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"EdgeList({list(self._store)!r})"


class Graph:
    """Nodes keyed by id and edges in insertion order, indexed by node and by input port so
    every query an edit or the analysis needs costs time in proportion to its answer."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self._edges: dict[Edge, None] = {}
        self._into_port: dict[PortRef, Edge] = {}
        self._into: dict[str, dict[Edge, None]] = {}
        self._out: dict[str, dict[Edge, None]] = {}
        self._listeners: list[Listener] = []
        self._next_id = 1
        self._batch_depth = 0
        self._batch_changed = False
        self.revision = 0
        """Counts changes, so what is derived from the content (a block's ports) can be cached."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Graph):
            return NotImplemented
        return self.nodes == other.nodes and list(self._edges) == list(other._edges)

    def __repr__(self) -> str:
        return f"Graph(nodes={list(self.nodes)!r}, edges={len(self._edges)})"

    def __deepcopy__(self, memo: dict[int, Any]) -> Graph:
        """A copy of the content only: listeners belong to the original's views."""
        twin = Graph()
        twin.nodes = copy.deepcopy(self.nodes, memo)
        for edge in self._edges:
            twin._store_edge(edge)
        twin._next_id = self._next_id
        twin.revision = self.revision
        return twin

    @property
    def edges(self) -> EdgeList:
        return EdgeList(self._edges)

    # -- events ---------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` after every change; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, event: GraphEvent) -> None:
        self.revision += 1
        if self._batch_depth and event.kind != NODE_MOVED:
            self._batch_changed = True
        for listener in list(self._listeners):
            listener(event)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group many edits: listeners still hear each one, then one BATCH event at the end,
        so work that only needs the final state (re-analysis) runs once, not per edit.

        `in_batch` tells a listener to wait for that BATCH. Batches nest; only the outermost
        emits, and only if something other than a move happened."""
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0 and self._batch_changed:
                self._batch_changed = False
                self._emit(GraphEvent(BATCH))

    @property
    def in_batch(self) -> bool:
        return self._batch_depth > 0

    # -- queries --------------------------------------------------------------------------
    def node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise GraphError(f"There is no node {node_id!r} in this network.") from None

    def edges_into(self, node_id: str) -> list[Edge]:
        return list(self._into.get(node_id, ()))

    def edges_from(self, node_id: str) -> list[Edge]:
        return list(self._out.get(node_id, ()))

    def edge_into(self, ref: PortRef) -> Edge | None:
        return self._into_port.get(ref)

    def edge_into_port(self, node_id: str, port: str) -> Edge | None:
        return self._into_port.get(PortRef(node_id, port))

    def has_edge(self, edge: Edge) -> bool:
        return edge in self._edges

    def nodes_of_role(self, role: str) -> list[Node]:
        # The role is the type's (a block's own spec would look inside the block).
        return [n for n in self.nodes.values() if LAYERS.get(n.type).role == role]

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
            todo.extend(e.dst.node for e in self._out.get(current, ()))
        return False

    # -- indexes --------------------------------------------------------------------------
    def _store_edge(self, edge: Edge) -> None:
        self._edges[edge] = None
        self._into_port[edge.dst] = edge
        self._into.setdefault(edge.dst.node, {})[edge] = None
        self._out.setdefault(edge.src.node, {})[edge] = None

    def _drop_edge(self, edge: Edge) -> None:
        del self._edges[edge]
        if self._into_port.get(edge.dst) == edge:
            del self._into_port[edge.dst]
        for index, key in ((self._into, edge.dst.node), (self._out, edge.src.node)):
            bucket = index.get(key)
            if bucket is not None:
                bucket.pop(edge, None)
                if not bucket:
                    del index[key]

    def _reindex(self, edges: Iterable[Edge]) -> None:
        edges = list(edges)  # it may be this graph's own edges, about to be cleared
        for index in (self._edges, self._into_port, self._into, self._out):
            index.clear()
        for edge in edges:
            self._store_edge(edge)

    # -- edits ----------------------------------------------------------------------------
    def add_node(
        self,
        layer_type: str,
        params: dict[str, Any] | None = None,
        pos: tuple[float, float] = (0.0, 0.0),
        node_id: str | None = None,
        block: Block | None = None,
    ) -> Node:
        if layer_type not in LAYERS:
            raise GraphError(f"Unknown layer type {layer_type!r}.")
        if (layer_type == "block") != (block is not None):
            raise GraphError("A block node needs its content, and only a block node has one.")
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
        node = Node(node_id, layer_type, values, (float(pos[0]), float(pos[1])), block)
        self.nodes[node_id] = node
        self._emit(GraphEvent(NODE_ADDED, node_id=node_id))
        return node

    def remove_node(self, node_id: str) -> tuple[Node, list[Edge]]:
        """Remove a node and its edges; returns both so an undo can put them back."""
        node = self.node(node_id)
        attached = [*self._into.get(node_id, ()), *self._out.get(node_id, ())]
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

    def check_connect(self, edge: Edge, check_loops: bool = True) -> None:
        """Raise GraphError if `edge` breaks a structural rule; the graph is not changed.

        `check_loops=False` skips the walk that finds a loop, for a loader that adds many
        edges and then checks the whole graph once (see `check_no_loops`)."""
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
        if check_loops and self.reaches(dst.id, src.id):
            raise GraphError(
                f"Connecting {src.label} to {dst.label} would make a loop: data must flow "
                "one way, from Input to Output.",
                dst.id,
            )

    def connect(
        self, src_node: str, src_port: str, dst_node: str, dst_port: str, check_loops: bool = True
    ) -> Edge:
        edge = Edge.of(src_node, src_port, dst_node, dst_port)
        self.check_connect(edge, check_loops)
        self._store_edge(edge)
        self._emit(GraphEvent(EDGE_ADDED, edge=edge))
        return edge

    def disconnect(self, edge: Edge) -> None:
        if edge not in self._edges:
            raise GraphError("That connection does not exist.")
        self._drop_edge(edge)
        self._emit(GraphEvent(EDGE_REMOVED, edge=edge))

    def replace_with(self, other: Graph) -> None:
        """Take over another graph's content in place, so subscribers stay attached."""
        self.nodes = copy.deepcopy(other.nodes)
        self._reindex(other._edges)
        self._next_id = max(self._next_id, other._next_id)
        self._emit(GraphEvent(RESET))

    def reorder(self, node_order: Iterable[str], edge_order: Iterable[Edge]) -> None:
        """Put nodes and edges in a remembered order (an undo restoring a deletion): the
        order decides the compiled model's build order, hence its seeded initial weights.
        The content is unchanged, so no event is sent."""
        rank = {nid: i for i, nid in enumerate(node_order)}
        items = sorted(self.nodes.items(), key=lambda kv: rank.get(kv[0], len(rank)))
        self.nodes.clear()
        self.nodes.update(items)
        edge_rank = {edge: i for i, edge in enumerate(edge_order)}
        ordered = sorted(self._edges, key=lambda e: edge_rank.get(e, len(edge_rank)))
        # Only the main list's order matters (it decides the topological order); the
        # per-node indexes are unordered sets in spirit, so they are left as they are.
        self._edges.clear()
        self._edges.update(dict.fromkeys(ordered))
        self.revision += 1  # the port order of a block follows its node order

    # -- whole-content undo ----------------------------------------------------------------
    def snapshot(self) -> GraphSnapshot:
        """The content (nodes, edges, their order), detached from this graph."""
        return GraphSnapshot(copy.deepcopy(self.nodes), list(self._edges), self._next_id)

    def restore(self, snap: GraphSnapshot) -> None:
        """Make the content equal to `snap` with the fewest edits, sent as one batch: nodes
        that only moved are moved, changed settings are set, anything else is replaced.
        Undo of grouping, ungrouping and edits inside blocks is this, so it is exact."""
        wanted_edges = set(snap.edges)
        with self.batch():
            for edge in [e for e in self._edges if e not in wanted_edges]:
                self.disconnect(edge)
            for nid, node in list(self.nodes.items()):
                old = snap.nodes.get(nid)
                if old is None or old.type != node.type or old.block != node.block:
                    self.remove_node(nid)
            for nid, old in snap.nodes.items():
                if nid not in self.nodes:
                    block = copy.deepcopy(old.block)
                    self.add_node(old.type, dict(old.params), old.pos, node_id=nid, block=block)
                    continue
                node = self.nodes[nid]
                for name, value in old.params.items():
                    if node.params.get(name) != value:
                        self.set_param(nid, name, value)
                if node.pos != old.pos:
                    self.move_node(nid, old.pos)
            for e in snap.edges:
                if e not in self._edges:
                    self.connect(e.src.node, e.src.port, e.dst.node, e.dst.port, check_loops=False)
            self.reorder(list(snap.nodes), snap.edges)
            self._next_id = max(self._next_id, snap.next_id)

    # -- ordering -------------------------------------------------------------------------
    def topological_order(self) -> list[str]:
        """Node ids so every edge points forward; raises GraphError on a cycle.

        Ties follow the node order and then the edge order, so the same graph always gives
        the same order (and the compiled model the same seeded weights)."""
        indegree = dict.fromkeys(self.nodes, 0)
        after: dict[str, list[str]] = {}
        for edge in self._edges:
            indegree[edge.dst.node] += 1
            after.setdefault(edge.src.node, []).append(edge.dst.node)
        ready = deque(nid for nid, d in indegree.items() if d == 0)
        order: list[str] = []
        while ready:
            nid = ready.popleft()
            order.append(nid)
            for dst in after.get(nid, ()):
                indegree[dst] -= 1
                if indegree[dst] == 0:
                    ready.append(dst)
        if len(order) != len(self.nodes):
            stuck = sorted(set(self.nodes) - set(order))
            shown = ", ".join(stuck[:8]) + (f" and {len(stuck) - 8} more" if len(stuck) > 8 else "")
            raise GraphError(
                f"The connections form a loop through {shown}: remove one of them.", stuck[0]
            )
        return order

    # -- plain data -----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        nodes = []
        for n in self.nodes.values():
            item: dict[str, Any] = {
                "id": n.id,
                "type": n.type,
                "params": dict(n.params),
                "pos": list(n.pos),
            }
            if n.block is not None:
                item["graph"] = n.block.graph.to_dict()
            nodes.append(item)
        data: dict[str, Any] = {
            "nodes": nodes,
            "edges": [
                {"src": [e.src.node, e.src.port], "dst": [e.dst.node, e.dst.port]}
                for e in self.edges
            ],
        }
        if any(n.block is not None for n in self.nodes.values()):
            data = {"version": GRAPH_VERSION, **data}
        return data

    def has_blocks(self) -> bool:
        return any(n.block is not None for n in self.nodes.values())

    def subgraph_dict(self, node_ids: Iterable[str]) -> dict[str, Any]:
        """The selected nodes and the edges among them, as plain data (for copy and paste)."""
        keep = set(node_ids)
        data = self.to_dict()
        data["nodes"] = [n for n in data["nodes"] if n["id"] in keep]
        data["edges"] = [e for e in data["edges"] if e["src"][0] in keep and e["dst"][0] in keep]
        return data
