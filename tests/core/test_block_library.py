"""The user block library: saved in a data folder, read back with checks, hostile files skipped."""

from __future__ import annotations

import json
import os

import pytest

from nnstudio.core import block_library as lib
from nnstudio.core.blocks import group_nodes
from nnstudio.core.errors import GraphError
from nnstudio.core.graph import Graph
from nnstudio.core.layers import ShapeContext
from nnstudio.core.templates import mlp
from nnstudio.core.validation import analyze


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv(lib.ENV_VAR, str(tmp_path / "blocks"))
    return lib.library_dir()


def test_a_saved_block_can_be_used_in_another_project(folder) -> None:
    graph = mlp([8, 8], "relu")
    block_id = group_nodes(graph, ["n2", "n3"], "Dense ReLU")
    graph.set_param(block_id, "repeat", 1)
    path = lib.save_block(graph.nodes[block_id])
    assert path.parent == folder and path.name == "dense-relu.nnblock.json"
    blocks, skipped = lib.list_blocks()
    assert [b.name for b in blocks] == ["Dense ReLU"] and skipped == []
    other = mlp([4], "tanh")
    added = other.add_node("block", blocks[0].params, node_id="lib", block=blocks[0].make())
    assert added.block == graph.nodes[block_id].block
    other.disconnect(other.edges_into("n2")[0])
    other.connect("n1", "out", "lib", added.spec.inputs[0].name)
    other.connect("lib", added.spec.outputs[0].name, "n2", "in")
    ctx = ShapeContext(input_shape=(2,), task="classification", num_classes=2)
    assert analyze(other, ctx).ok
    # Each use is its own copy.
    assert blocks[0].make() is not blocks[0].make()


def test_hostile_or_broken_library_files_are_skipped_with_a_reason(folder) -> None:
    good = mlp([8], "relu")
    lib.save_block(good.nodes[group_nodes(good, ["n2", "n3"], "Good")])
    (folder / "junk.nnblock.json").write_text("{not json")
    (folder / "other.nnblock.json").write_text(json.dumps({"format": "something"}))
    huge = {"format": lib.FORMAT, "version": 1, "params": {"repeat": 10**9}, "graph": {}}
    (folder / "huge.nnblock.json").write_text(json.dumps(huge))
    deep = "[" * 100_000 + "]" * 100_000
    (folder / "deep.nnblock.json").write_text(deep)
    os.mkfifo(folder / "fifo.nnblock.json")
    blocks, skipped = lib.list_blocks()
    assert [b.name for b in blocks] == ["Good"]
    assert len(skipped) == 5
    assert any("Repeat must be at most" in s for s in skipped)
    assert any("not a regular file" in s for s in skipped)


def test_only_blocks_can_be_saved(folder) -> None:
    graph = Graph()
    node = graph.add_node("relu")
    with pytest.raises(GraphError, match="not a block"):
        lib.save_block(node)


def test_saving_over_a_block_of_the_same_name_must_be_asked_for(folder) -> None:
    graph = mlp([8, 8], "relu")
    first = graph.nodes[group_nodes(graph, ["n2", "n3"], "Dense")]
    path = lib.save_block(first)
    second = graph.nodes[group_nodes(graph, ["n4", "n5"], "Dense")]
    second.params["repeat"] = 2
    with pytest.raises(lib.BlockExistsError, match="'Dense' is already in your library") as err:
        lib.save_block(second)
    assert err.value.name == "Dense" and err.value.path == path
    assert lib.read_block(path).params["repeat"] == 1  # untouched
    # Keep both: the new one gets the next free name, and the file of the first stays.
    other = lib.free_name("Dense")
    assert other == "Dense 2"
    lib.save_block(second, name=other)
    assert lib.free_name("Dense") == "Dense 3" and lib.free_name("Dense 2") == "Dense 3"
    assert [b.name for b in lib.list_blocks()[0]] == ["Dense", "Dense 2"]
    # Replace, when asked for: one file, the new content, no temp file left behind.
    lib.save_block(second, replace=True)
    blocks = {b.name: b for b in lib.list_blocks()[0]}
    assert blocks["Dense"].params["repeat"] == 2
    assert sorted(p.name for p in folder.iterdir()) == [
        "dense-2.nnblock.json",
        "dense.nnblock.json",
    ]
