"""Writing model.py: one readable `nn.Module` class for the planned network, and one for
each distinct block.

Each node with a module becomes one attribute named from its label; `forward` runs the
nodes in the graph's order with each tensor's shape in a comment, and merges (Add,
Concatenate) are plain Python expressions. A block node is an instance of its block's class,
or an `nn.ModuleList` of them run one after another when it repeats, so the weights nest as
the app's do. Our own layer classes are copied in as source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from nnstudio.core.graph import PortRef
from nnstudio.core.layers import Shape
from nnstudio.export.plan import ExportPlan, Key, PlannedBlock, PlannedNode, short_title
from nnstudio.export.source import Definitions, with_imports, wrap

LINE_LIMIT = 100
"""The line length exported code is formatted for (its pyproject.toml tells ruff)."""
INDENT = "    "


def shape_comment(shape: tuple[int, ...]) -> str:
    return "# (" + ", ".join(["batch", *(str(d) for d in shape)]) + ")"


def assignment(target: str, callee: str, arguments: list[str], depth: int) -> str:
    """`target = callee(arguments)` wrapped the way `ruff format` wraps a long call."""
    pad = INDENT * depth
    one_line = f"{pad}{target} = {callee}({', '.join(arguments)})"
    if len(one_line) <= LINE_LIMIT:
        return one_line
    inner = pad + INDENT + ", ".join(arguments)
    if len(inner) <= LINE_LIMIT:
        return f"{pad}{target} = {callee}(\n{inner}\n{pad})"
    lines = "".join(f"{pad}{INDENT}{a},\n" for a in arguments)
    return f"{pad}{target} = {callee}(\n{lines}{pad})"


def _variables(
    inputs: list[tuple[Key, str]], nodes: list[PlannedNode], returns: list[Key]
) -> dict[Key, str]:
    """Each value's variable; `inputs` pairs each argument's key with its name.

    A value read only by the very next step flows through `x`; anything read later, or by
    several nodes, keeps a name of its own so no branch overwrites it. The outputs of a node
    with several (a block's) are named one by one.
    """
    readers: dict[Key, list[int]] = {key: [] for key, _name in inputs}
    for node in nodes:
        readers.update({key: [] for key in node.outputs})
    for position, node in enumerate(nodes, start=1):
        for source in node.sources:
            readers[source].append(position)
    for key in returns:
        readers[key].append(len(nodes) + 1)
    variables: dict[Key, str] = {}
    for key, name in inputs:
        simple = len(inputs) == 1 and readers[key] == [1]
        variables[key] = "x" if simple else name
    for position, node in enumerate(nodes, start=1):
        several = len(node.outputs) > 1
        for key in node.outputs:
            if several:
                variables[key] = f"{node.name}_{_snake(key[1])}"
            else:
                variables[key] = "x" if readers[key] == [position + 1] else node.name
    return variables


def own_classes(nodes: Iterable[PlannedNode]) -> dict[str, list[str]]:
    """Our own layer classes the nodes use: module -> class names, in first-use order."""
    helpers: dict[str, list[str]] = {}
    for node in nodes:
        call = node.code.module
        if call is not None and call.own is not None:
            names = helpers.setdefault(call.own[0], [])
            if call.own[1] not in names:
                names.append(call.own[1])
    return helpers


def model_source(plan: ExportPlan) -> str:
    definitions = Definitions()
    for module_name, names in own_classes(plan.all_nodes()).items():
        definitions.add(module_name, names)
    title = plan.project.title or "Network"
    body = [definitions.source()] if definitions.blocks else []
    body += [_block_class(block) for block in plan.blocks]
    body.append(_network_class(plan, title))
    text = "\n\n".join(body)
    docstring = (
        wrap(f"{title}: the network exported from NN Studio.") + "\n\n"
        'Load trained weights with `model.load_state_dict(load_file("weights.safetensors"))`\n'
        "(`from safetensors.torch import load_file`); see README.md.\n"
    )
    return with_imports(text, docstring)


def _network_class(plan: ExportPlan, title: str) -> str:
    output_shape = plan.analysis.port_shapes[PortRef(*plan.output_key)]
    docstring = (
        f"{_one_line(title)}: {_shape_words(plan.input_shape)} in, "
        f"{_shape_words(output_shape)} out."
    )
    arguments = [(plan.input_key, "inputs", plan.input_shape)]
    return _module_class("Network", docstring, arguments, plan.nodes, [plan.output_key])


def _block_class(block: PlannedBlock) -> str:
    """One block's inside as a class: each copy of the block is an instance of it."""
    names = _argument_names(block.input_labels)
    ins = " and ".join(_shape_words(s) for s in block.input_shapes)
    outs = " and ".join(_shape_words(s) for s in block.output_shapes)
    docstring = f"The {_one_line(block.title)} block: {ins} in, {outs} out."
    if len(docstring) > LINE_LIMIT - 10:
        docstring = f"{block.class_name}: a block from NN Studio."
    arguments = list(zip(block.inputs, names, block.input_shapes, strict=True))
    return _module_class(block.class_name, docstring, arguments, block.nodes, list(block.outputs))


def _snake(label: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", label).strip("_").lower()


def _argument_names(labels: tuple[str, ...]) -> list[str]:
    """`inputs` for one argument; `input_<label>` for several, each unique."""
    if len(labels) == 1:
        return ["inputs"]
    names: list[str] = []
    for label in labels:
        stem = f"input_{_snake(label) or 'x'}"
        name, k = stem, 2
        while name in names:
            name, k = f"{stem}_{k}", k + 1
        names.append(name)
    return names


def _module_class(
    name: str,
    docstring: str,
    arguments: list[tuple[Key, str, Shape]],
    nodes: list[PlannedNode],
    returns: list[Key],
) -> str:
    lines = [
        f"class {name}(nn.Module):",
        f'{INDENT}"""{docstring}"""',
        "",
        f"{INDENT}def __init__(self) -> None:",
        f"{INDENT * 2}super().__init__()",
    ]
    for node in nodes:
        lines += _init_lines(node)
    variables = _variables([(key, arg) for key, arg, _shape in arguments], nodes, returns)
    parameters = ", ".join(f"{variables[key]}: torch.Tensor" for key, _arg, _s in arguments)
    result = "torch.Tensor" if len(returns) == 1 else "tuple[torch.Tensor, ...]"
    signature = f"{INDENT}def forward(self, {parameters}) -> {result}:"
    if len(signature) > LINE_LIMIT:
        listed = "".join(f"{INDENT * 2}{variables[k]}: torch.Tensor,\n" for k, _a, _s in arguments)
        signature = f"{INDENT}def forward(\n{INDENT * 2}self,\n{listed}{INDENT}) -> {result}:"
    lines += ["", signature]
    for key, _arg, shape in arguments:
        lines.append(f"{INDENT * 2}{shape_comment(shape).replace('# ', f'# {variables[key]}: ')}")
    for node in nodes:
        lines += _forward_lines(node, variables)
    lines.append(f"{INDENT * 2}return {', '.join(variables[k] for k in returns)}")
    return "\n".join(lines) + "\n"


def _init_lines(node: PlannedNode) -> list[str]:
    pad = INDENT * 2
    if node.block is not None:
        made = f"{node.block.class_name}()"
        # "Encoder (n5)": ruff flags the "×" of the app's label as a look-alike of "x"
        name = f"{_one_line(short_title(node.block.title))} ({node.node_id})"
        if node.repeat == 1:
            return [f"{pad}# {name}", f"{pad}self.{node.name} = {made}"]
        copies = f"[{made} for _ in range({node.repeat})]"
        line = f"{pad}self.{node.name} = nn.ModuleList({copies})"
        if len(line) > LINE_LIMIT:
            line = f"{pad}self.{node.name} = nn.ModuleList(\n{pad}{INDENT}{copies}\n{pad})"
        comment = f"{pad}# {name}: {node.repeat} copies in a row, each with its own weights"
        return [comment, line]
    if node.code.module is None:
        return []
    call = node.code.module
    return [f"{pad}# {node.label}", assignment(f"self.{node.name}", call.name, call.arguments(), 2)]


def _forward_lines(node: PlannedNode, variables: dict[Key, str]) -> list[str]:
    pad = INDENT * 2
    inputs = [variables[s] for s in node.sources]
    targets = ", ".join(variables[k] for k in node.outputs)
    comment = "  " + ", ".join(shape_comment(s) for s in node.shapes).replace(", #", ",")
    if node.block is not None and node.repeat > 1:
        (source,) = inputs  # a block repeats only with one input and one output
        first = [] if source == targets else [f"{pad}{targets} = {source}"]
        loop = f"{pad}for block in self.{node.name}:"
        if len(loop) <= LINE_LIMIT - 26:
            loop += "  # one copy after another"
        return [*first, loop, f"{pad}{INDENT}{targets} = block({targets}){comment}"]
    if node.code.module is not None or node.block is not None:
        line = f"{pad}{targets} = self.{node.name}({', '.join(inputs)}){comment}"
        if len(line) <= LINE_LIMIT:
            return [line]
        # Too long for one line: the shapes go above, the call is wrapped as ruff wraps it.
        call = assignment(targets, f"self.{node.name}", inputs, 2)
        return [f"{pad}{comment.strip()}", call]
    assert node.code.inline is not None
    expression = node.code.inline.format(**dict(zip(node.ports, inputs, strict=True)))
    return [f"{pad}{targets} = {expression}{comment}"]


def _one_line(text: str) -> str:
    """Text that is safe inside a comment or a docstring: one line, no escapes."""
    return " ".join(text.replace("\\", "/").replace('"""', "'''").split())


def _shape_words(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(["batch", *(str(d) for d in shape)]) + ")"
