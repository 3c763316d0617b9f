"""Writing model.py: one readable `nn.Module` class for the planned network.

Each node with a module becomes one attribute named from its label; `forward` runs the
nodes in the graph's order with each tensor's shape in a comment, and merges (Add,
Concatenate) are plain Python expressions. Our own layer classes are copied in as source.
"""

from __future__ import annotations

from nnstudio.export.plan import ExportPlan, PlannedNode
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


def _variables(plan: ExportPlan) -> tuple[str, dict[str, str]]:
    """The forward argument's name and each node's output variable.

    A value read only by the very next step flows through `x`; anything read later, or
    by several nodes, keeps a name of its own so no branch overwrites it.
    """
    order = [plan.input_id, *(n.node_id for n in plan.nodes)]
    readers: dict[str, list[int]] = {nid: [] for nid in order}
    for position, node in enumerate(plan.nodes, start=1):
        for source in node.sources:
            readers[source].append(position)
    names = {plan.input_id: "inputs"} | {n.node_id: n.name for n in plan.nodes}
    variables = {}
    for position, nid in enumerate(order):
        read_by = readers[nid]
        simple = len(read_by) == 1 and read_by[0] == position + 1
        variables[nid] = "x" if simple or nid == plan.output_source else names[nid]
    return variables[plan.input_id], variables


def model_source(plan: ExportPlan) -> str:
    definitions = Definitions()
    helpers: dict[str, list[str]] = {}
    for node in plan.modules:
        assert node.code.module is not None
        own = node.code.module.own
        if own is not None:
            helpers.setdefault(own[0], []).append(own[1])
    for module_name, names in helpers.items():
        definitions.add(module_name, names)
    title = plan.project.title or "Network"
    body = [definitions.source()] if definitions.blocks else []
    body.append(_network_class(plan, title))
    text = "\n\n".join(body)
    docstring = (
        wrap(f"{title}: the network exported from NN Studio.") + "\n\n"
        'Load trained weights with `model.load_state_dict(load_file("weights.safetensors"))`\n'
        "(`from safetensors.torch import load_file`); see README.md.\n"
    )
    return with_imports(text, docstring)


def _network_class(plan: ExportPlan, title: str) -> str:
    lines = [
        "class Network(nn.Module):",
        f'{INDENT}"""{_one_line(title)}: {_input_words(plan)} in, '
        f'{_shape_words(plan.analysis.node_shapes[plan.output_source])} out."""',
        "",
        f"{INDENT}def __init__(self) -> None:",
        f"{INDENT * 2}super().__init__()",
    ]
    for node in plan.modules:
        assert node.code.module is not None
        call = node.code.module
        lines.append(f"{INDENT * 2}# {node.label}")
        lines.append(assignment(f"self.{node.name}", call.name, call.arguments(), 2))
    argument, variables = _variables(plan)
    lines += [
        "",
        f"{INDENT}def forward(self, {argument}: torch.Tensor) -> torch.Tensor:",
        f"{INDENT * 2}{shape_comment(plan.input_shape).replace('# ', f'# {argument}: ')}",
    ]
    for node in plan.nodes:
        lines.append(_forward_line(node, variables))
    lines.append(f"{INDENT * 2}return {variables[plan.output_source]}")
    return "\n".join(lines) + "\n"


def _forward_line(node: PlannedNode, variables: dict[str, str]) -> str:
    inputs = [variables[s] for s in node.sources]
    if node.code.module is not None:
        expression = f"self.{node.name}({', '.join(inputs)})"
    else:
        assert node.code.inline is not None
        expression = node.code.inline.format(**dict(zip(node.ports, inputs, strict=True)))
    return f"{INDENT * 2}{variables[node.node_id]} = {expression}  {shape_comment(node.shape)}"


def _one_line(text: str) -> str:
    return " ".join(text.replace('"""', "'''").split())


def _shape_words(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(["batch", *(str(d) for d in shape)]) + ")"


def _input_words(plan: ExportPlan) -> str:
    return _shape_words(plan.input_shape)
