"""Blocks on the canvas: group, open with a double-click, edit inside, go back out with the
breadcrumb, save to the library and add from the palette."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from nnstudio.core.block_library import list_blocks
from nnstudio.ui.commands import param_command
from nnstudio.ui.palette import LIBRARY_PREFIX, USER_BLOCKS


def test_group_open_edit_inside_and_leave(make_window, qtbot) -> None:
    window = make_window("spiral_mlp")
    doc, scene, actions = window.document, window.scene, window.block_actions
    scene.select_nodes(["n2", "n3"])
    block_id = actions.group_selection()
    assert block_id and doc.graph.nodes[block_id].type == "block"
    assert scene.selected_node_ids() == [block_id]
    assert not window.view.breadcrumb.isVisible()
    # Double-click opens it: the canvas shows the inside, the breadcrumb the way back.
    item = scene.nodes[block_id]
    where = item.scenePos()
    point = window.view.mapFromScene(where)
    qtbot.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert doc.focus_path == [block_id]
    assert set(scene.nodes) == {"in", "n2", "n3", "out"}
    crumbs = [b.text() for b in window.view.breadcrumb.buttons]
    assert crumbs == ["Network", f"Block ({block_id})"]
    assert window.view.breadcrumb.isVisible()
    # Inside, shapes come from outside the block: the Linear sees the 2 input features.
    analysis = doc.focus_analysis()
    assert analysis.node_shapes["n2"] == (16,) and analysis.ok
    # Edit a setting inside through the inspector; the top sees the change, undo reverts it.
    scene.select_nodes(["n2"])
    total = doc.analysis.total_params
    window.inspector._commit("units", 8)
    assert doc.graph.nodes[block_id].block.graph.nodes["n2"].params["units"] == 8
    assert doc.analysis.total_params < total
    assert scene.selected_node_ids() == ["n2"]  # the selection survives the redraw
    doc.undo_stack.undo()
    assert doc.analysis.total_params == total
    # Add a layer inside and wire it in; the block's ports stay.
    relu = scene.add_node_at("relu", where)
    assert relu in doc.graph.nodes[block_id].block.graph.nodes
    # Back out with the breadcrumb.
    window.view.breadcrumb.buttons[0].click()
    assert doc.focus_path == [] and block_id in scene.nodes
    assert not window.view.breadcrumb.isVisible()


def test_group_refusal_is_said_in_the_status_bar(make_window) -> None:
    window = make_window("spiral_mlp")
    window.scene.select_nodes(["n1", "n2"])
    assert window.block_actions.group_selection() is None
    assert "stays outside blocks" in window.status_text()
    assert window.document.undo_stack.count() == 0


def test_save_a_block_to_the_library_and_add_it_from_the_palette(make_window) -> None:
    window = make_window("spiral_mlp")
    scene, actions = window.scene, window.block_actions
    scene.select_nodes(["n2", "n3"])
    block_id = actions.group_selection()
    window.document.push(
        __import__("nnstudio.ui.commands", fromlist=["x"]).param_command(
            window.document, block_id, "name", "Dense tanh"
        )
    )
    scene.select_nodes([block_id])
    actions.save_selection()
    keys = [k for k in window.palette.items if k.startswith(LIBRARY_PREFIX)]
    assert len(keys) == 1
    groups = [window.palette.tree.topLevelItem(i).text(0)
              for i in range(window.palette.tree.topLevelItemCount())]  # fmt: skip
    assert groups[-1] == USER_BLOCKS
    # A new project can use it.
    window.new_from_template("xor_mlp")
    new_id = window.add_layer_at_centre(keys[0])
    node = window.document.graph.nodes[new_id]
    assert node.block is not None and node.params["name"] == "Dense tanh"
    window.document.undo_stack.undo()
    assert new_id not in window.document.graph.nodes


def answer_next_box(button_text: str, seen: list[str]) -> None:
    """Click `button_text` in the next modal message box, keeping its text in `seen`."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, click)
            return
        seen.append(box.text())
        [button] = [b for b in box.buttons() if b.text().replace("&", "") == button_text]
        button.click()

    QTimer.singleShot(0, click)


def test_saving_a_block_twice_asks_to_replace_or_keep_both(make_window) -> None:
    window = make_window("spiral_mlp")
    doc, scene, actions = window.document, window.scene, window.block_actions
    scene.select_nodes(["n2", "n3"])
    block_id = actions.group_selection()
    doc.push(param_command(doc, block_id, "name", "Dense"))

    def save_with(repeat: int) -> bool:
        doc.push(param_command(doc, block_id, "repeat", repeat))
        scene.select_nodes([block_id])
        return actions.save_selection()

    def library() -> dict[str, int]:
        return {b.name: b.params["repeat"] for b in list_blocks()[0]}

    assert save_with(1) and library() == {"Dense": 1}
    # Again, changed: the app asks. Replace leaves one block, with the new content.
    seen: list[str] = []
    answer_next_box("Replace", seen)
    assert save_with(2)
    assert seen == ["A block named \u201cDense\u201d already exists in your library."]
    assert library() == {"Dense": 2}
    # Cancel leaves the library as it was.
    answer_next_box("Cancel", seen)
    assert not save_with(3)
    assert library() == {"Dense": 2}
    # Keep Both saves the new one beside it as "Dense 2"; the palette lists both.
    answer_next_box("Keep Both", seen)
    assert save_with(3)
    assert len(seen) == 3
    assert library() == {"Dense": 2, "Dense 2": 3}
    names = [window.palette.items[k].text(0) for k in window.palette.items
             if k.startswith(LIBRARY_PREFIX)]  # fmt: skip
    assert sorted(names) == ["Dense", "Dense 2"]


def test_ungroup_from_the_menu(make_window) -> None:
    window = make_window("spiral_mlp")
    scene, actions = window.scene, window.block_actions
    scene.select_nodes(["n2", "n3"])
    block_id = actions.group_selection()
    scene.select_nodes([block_id])
    restored = actions.ungroup_selection()
    assert sorted(restored) == ["n2", "n3"]
    assert block_id not in window.document.graph.nodes


def test_undoing_the_grouping_while_inside_goes_back_to_the_top(make_window) -> None:
    window = make_window("spiral_mlp")
    doc, scene = window.document, window.scene
    scene.select_nodes(["n2", "n3"])
    block_id = window.block_actions.group_selection()
    scene.open_block(block_id)
    assert doc.focus_path == [block_id]
    doc.undo_stack.undo()
    assert doc.focus_path == []
    assert set(scene.nodes) == set(doc.graph.nodes)
    assert not window.view.breadcrumb.isVisible()


def test_inside_a_block_connections_are_checked_against_the_shapes_from_outside(make_window):
    window = make_window("transformer_copy")
    doc, scene = window.document, window.scene
    block_id = next(n for n, node in doc.graph.nodes.items() if node.block is not None)
    scene.open_block(block_id)
    linear = scene.add_node_at("linear", scene.nodes["in"].scenePos())
    before = doc.undo_stack.count()
    src = scene.nodes["in"].port("out", False)
    dst = scene.nodes[linear].port("in", True)
    assert not scene.connect_ports(src, dst)  # (10, 32) arrives there: Linear wants flat
    assert doc.undo_stack.count() == before
    assert f"Linear ({linear}) needs a flat input but gets (10, 32)" in window.status_text()


def _click_problem(window, qtbot, text: str) -> None:
    problems = window.problems
    row = next(i for i in range(problems.count()) if text in problems.item(i).text())
    rect = problems.visualItemRect(problems.item(row))
    qtbot.mouseClick(problems.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _centred(window, node_id: str) -> bool:
    """The node's centre is within a few pixels of the middle of the canvas."""
    view = window.view
    item = window.scene.nodes[node_id]
    where = view.mapFromScene(item.sceneBoundingRect().center())
    return (where - view.viewport().rect().center()).manhattanLength() <= 4


def test_clicking_a_problem_inside_nested_blocks_opens_each_level(make_window, qtbot) -> None:
    from nnstudio.core.blocks import graph_at, group_nodes
    from nnstudio.core.templates import TEMPLATES

    project = TEMPLATES.get("spiral_mlp").build()
    graph = project.graph
    dense = group_nodes(graph, ["n2", "n3"], "Dense")
    encoder = group_nodes(graph, [dense, "n4"], "Encoder")
    inside = graph_at(graph, [encoder, dense])
    inside.disconnect(inside.edges_into("n3")[0])  # the Tanh inside Dense gets nothing
    graph.add_node("relu", node_id="stray", pos=(900, 300))  # and a loose layer at the top
    window = make_window(project)
    doc = window.document
    assert doc.focus_path == []
    _click_problem(window, qtbot, "Tanh (n3) inside Dense")
    assert doc.focus_path == [encoder, dense]
    assert set(window.scene.nodes) == {"in", "n2", "n3", "out"}
    assert window.scene.selected_node_ids() == ["n3"]
    assert window.inspector.node_id == "n3"
    crumbs = [b.text() for b in window.view.breadcrumb.buttons]
    assert crumbs == ["Network", f"Encoder ({encoder})", f"Dense ({dense})"]
    qtbot.waitUntil(lambda: _centred(window, "n3"))
    # A problem of a top-level node goes back out to it, from inside the blocks.
    _click_problem(window, qtbot, "ReLU (stray) has nothing connected")
    assert doc.focus_path == [] and window.scene.selected_node_ids() == ["stray"]
    qtbot.waitUntil(lambda: _centred(window, "stray"))


def test_clicking_a_problem_of_a_block_itself_selects_the_block(make_window, qtbot) -> None:
    window = make_window("spiral_mlp")
    doc, scene = window.document, window.scene
    scene.select_nodes(["n2", "n3"])
    block_id = window.block_actions.group_selection()
    doc.push(param_command(doc, block_id, "repeat", 2))  # (2) in, (16) out: cannot repeat
    scene.open_block(block_id)
    _click_problem(window, qtbot, "can repeat only when")
    assert doc.focus_path == [] and scene.selected_node_ids() == [block_id]
    assert not window.view.breadcrumb.isVisible()
