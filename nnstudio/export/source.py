"""Building exported source files: copies of our own definitions, and the imports they need.

Exported code must run with only torch, numpy and safetensors, yet some layers (and Lion,
the warm-up, early stopping) are our own code. Rather than keep a second, hand-written
copy of each, the exporter copies the definition's source from the module that the app
runs, with the top-level definitions it uses, so the export cannot drift from the app.
The import block is written last, from the names the finished file actually uses, in the
order `ruff`'s import sorting expects.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import sys
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field

from nnstudio.core.errors import NNStudioError

KNOWN_IMPORTS: dict[str, tuple[str, str | None, str | None]] = {
    # name used in code -> (module, member or None for `import module`, alias)
    "annotations": ("__future__", "annotations", None),
    "argparse": ("argparse", None, None),
    "json": ("json", None, None),
    "math": ("math", None, None),
    "os": ("os", None, None),
    "sys": ("sys", None, None),
    "Callable": ("collections.abc", "Callable", None),
    "Iterable": ("collections.abc", "Iterable", None),
    "Mapping": ("collections.abc", "Mapping", None),
    "Sequence": ("collections.abc", "Sequence", None),
    "dataclass": ("dataclasses", "dataclass", None),
    "field": ("dataclasses", "field", None),
    "Path": ("pathlib", "Path", None),
    "Any": ("typing", "Any", None),
    "np": ("numpy", None, "np"),
    "torch": ("torch", None, None),
    "nn": ("torch", "nn", None),
    "F": ("torch.nn", "functional", "F"),
    "dist": ("torch.distributed", None, "dist"),
    "Optimizer": ("torch.optim", "Optimizer", None),
    "load_file": ("safetensors.torch", "load_file", None),
    "save_file": ("safetensors.torch", "save_file", None),
}
"""Every name exported code may import, and where from."""

STAND_INS: dict[str, str] = {
    "ShapeError": (
        "class ShapeError(ValueError):\n"
        '    """The input does not fit the layer; the message says how to fix it."""\n'
    ),
}
"""Short replacements for the app's own names that copied code uses (its error types)."""


class ExportCodeError(NNStudioError):
    """Exported code would not run: a bug in the exporter, worded for a bug report."""


@dataclass
class Definitions:
    """Top-level definitions copied from the app's modules, in a stable order."""

    blocks: dict[tuple[str, str], str] = field(default_factory=dict)
    """(module, name) -> source, in the order they were first needed."""
    stand_ins: dict[str, str] = field(default_factory=dict)

    def add(self, module_name: str, names: Iterable[str]) -> None:
        """Copy `names` from `module_name`, with every top-level definition they use."""
        module = importlib.import_module(module_name)
        try:
            source = inspect.getsource(module)
        except (OSError, TypeError):
            raise ExportCodeError(
                f"This copy of NN Studio lacks the source of {module_name}, which export "
                "copies into the code it writes: reinstall NN Studio."
            ) from None
        tree = ast.parse(source)
        lines = source.splitlines()
        top: dict[str, ast.stmt] = {}
        imported: dict[str, str] = {}
        for node in tree.body:
            for name in _defined_names(node):
                top[name] = node
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    imported[alias.asname or alias.name] = node.module
        wanted: set[str] = set()
        todo = list(names)
        while todo:
            name = todo.pop()
            if name in wanted:
                continue
            if name not in top:
                raise ExportCodeError(f"{module_name} has no top-level {name!r} to copy.")
            wanted.add(name)
            for used in _used_names(top[name]):
                if used in top and used not in wanted:
                    todo.append(used)
                elif imported.get(used, "").startswith("nnstudio"):
                    if used not in STAND_INS:
                        raise ExportCodeError(
                            f"{module_name}.{name} uses {used}, which exported code lacks."
                        )
                    self.stand_ins[used] = STAND_INS[used]
        nodes = sorted({id(top[n]): top[n] for n in wanted}.values(), key=lambda n: n.lineno)
        for node in nodes:
            start = min([node.lineno, *(d.lineno for d in _decorators(node))])
            text = "\n".join(lines[start - 1 : node.end_lineno]) + "\n"
            key = (module_name, _defined_names(node)[0])
            self.blocks.setdefault(key, text)

    def source(self) -> str:
        """Every stand-in, then every copied definition, two blank lines apart."""
        return "\n\n".join([*self.stand_ins.values(), *self.blocks.values()])


def _decorators(node: ast.stmt) -> list[ast.expr]:
    return list(getattr(node, "decorator_list", []))


def _defined_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def _used_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def with_imports(body: str, docstring: str) -> str:
    """`body` under its module docstring and the import block it needs.

    Raises ExportCodeError for a name that is neither defined, built in nor importable, so
    a broken export fails here and not in the user's hands.
    """
    tree = ast.parse(body)
    defined: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined.add(node.name)
            defined.update(a.arg for a in _all_args(node))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            defined.add(node.name)
        elif isinstance(node, ast.alias):
            defined.add((node.asname or node.name).split(".")[0])
    needed = {"annotations"}
    for name in sorted(_used_names(tree) - defined):
        if hasattr(builtins, name) or name in ("__file__", "__doc__", "__name__"):
            continue
        if name not in KNOWN_IMPORTS:
            raise ExportCodeError(f"Exported code uses {name!r}, which nothing defines.")
        needed.add(name)
    # isort's rule: two blank lines before a def or class, one before anything else.
    gap = "\n\n" if body.startswith(("def ", "class ", "@")) else "\n"
    return f'"""{docstring}"""\n\n{import_block(needed)}{gap}{body}'


def _all_args(node: ast.AST) -> list[ast.arg]:
    args = getattr(node, "args", None)
    if not isinstance(args, ast.arguments):
        return []
    extra = [a for a in (args.vararg, args.kwarg) if a is not None]
    return [*args.posonlyargs, *args.args, *args.kwonlyargs, *extra]


def wrap(text: str, width: int = 92) -> str:
    """A docstring paragraph broken into lines that stay within the line limit."""
    safe = text.replace("\\", "/").replace('"""', "'''")
    return textwrap.fill(safe, width)


def import_block(names: Iterable[str]) -> str:
    """The import statements for `names`, grouped and sorted the way isort/ruff expects."""
    sections: dict[int, tuple[set[str], dict[str, set[str]]]] = {}
    for name in names:
        module, member, alias = KNOWN_IMPORTS[name]
        root = module.split(".")[0]
        section = 0 if root == "__future__" else 1 if root in sys.stdlib_module_names else 2
        plain, froms = sections.setdefault(section, (set(), {}))
        if member is None:
            plain.add(f"import {module}" + (f" as {alias}" if alias else ""))
        else:
            froms.setdefault(module, set()).add(member + (f" as {alias}" if alias else ""))
    blocks = []
    for section in sorted(sections):
        plain, froms = sections[section]
        lines = sorted(plain, key=lambda line: line.split()[1].lower())
        for module in sorted(froms, key=str.lower):
            members = ", ".join(sorted(froms[module], key=_member_key))
            lines.append(f"from {module} import {members}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _member_key(member: str) -> tuple[int, str]:
    """isort's order by type: CONSTANTS, then Classes, then everything else."""
    name = member.split()[0]
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name.lower()
