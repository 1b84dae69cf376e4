"""The package's import graph: no cycle anywhere (TYPE_CHECKING imports included), and a
kernel that imports nothing of the model.

Every module under ``src/stacktwin`` is parsed with :mod:`ast`; each ``import`` and
``from ... import`` found anywhere in it (module level, under ``if TYPE_CHECKING:``, inside
functions) is an edge to the ``stacktwin`` module it names.  ``from pkg import name`` is an
edge to ``pkg.name`` when that is a module, else to ``pkg``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "stacktwin"


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _resolve(module: str, level: int, current: str, is_package: bool) -> str:
    if not level:
        return module
    base = current.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def imports_of(name: str, source: str, is_package: bool) -> set[str]:
    """The ``stacktwin`` modules that module ``name`` imports, anywhere in ``source``."""
    tree = ast.parse(source)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module or "", node.level, name, is_package)
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:  # `import a.b.c` names module a.b.c
                target = target.rpartition(".")[0]
            if target.startswith(PACKAGE) and target != name:
                found.add(target)
    return found


GRAPH = {
    name: imports_of(name, path.read_text(), path.name == "__init__.py")
    for name, path in MODULES.items()
}


class _Tarjan:
    """Tarjan's strongly connected components of a module graph, visited in sorted order."""

    def __init__(self, graph: dict[str, set[str]]) -> None:
        self.graph = graph
        self.index: dict[str, int] = {}
        self.low: dict[str, int] = {}
        self.stack: list[str] = []
        self.on_stack: set[str] = set()
        self.components: list[list[str]] = []

    def visit(self, v: str) -> None:
        """Number ``v``, follow its imports depth first, and lower its link to the earliest
        module still on the stack that it reaches; when none is earlier than ``v`` itself,
        ``v`` is the root of a component."""
        index, low = self.index, self.low
        index[v] = low[v] = len(index)
        self.stack.append(v)
        self.on_stack.add(v)
        for w in sorted(self.graph[v]):
            if w not in index:
                self.visit(w)
                low[v] = min(low[v], low[w])
            elif w in self.on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            self._close_component(v)

    def _close_component(self, root: str) -> None:
        """Pop the component rooted at ``root`` off the stack; keep it when it is a cycle
        (more than one module)."""
        component = []
        while True:
            w = self.stack.pop()
            self.on_stack.discard(w)
            component.append(w)
            if w == root:
                break
        if len(component) > 1:
            self.components.append(sorted(component))


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    tarjan = _Tarjan(graph)
    for v in sorted(graph):
        if v not in tarjan.index:
            tarjan.visit(v)
    return tarjan.components


def test_the_walker_sees_every_kind_of_import() -> None:
    source = """
from typing import TYPE_CHECKING
from . import context
from .kernel import Event
import stacktwin.boots
if TYPE_CHECKING:
    from stacktwin.twin.model import Twin
def later():
    from stacktwin.twin import cloud
"""
    assert imports_of("stacktwin.twin.compute", source, is_package=False) == {
        "stacktwin.twin.context",
        "stacktwin.twin.kernel",
        "stacktwin.boots",
        "stacktwin.twin.model",
        "stacktwin.twin.cloud",
    }
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_in_the_package() -> None:
    cycles = find_cycles(GRAPH)
    assert not cycles, "import cycles (TYPE_CHECKING imports included):\n" + "\n".join(
        " <-> ".join(c) for c in cycles
    )


@pytest.mark.parametrize(
    "name", sorted(n for n in MODULES if n.startswith(f"{PACKAGE}.twin.kernel"))
)
def test_kernel_imports_nothing_of_the_model(name: str) -> None:
    outside = {m for m in GRAPH[name] if not m.startswith(f"{PACKAGE}.twin.kernel")}
    assert not outside, f"{name} imports {sorted(outside)}"
