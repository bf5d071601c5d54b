"""The packages depend in one direction, and no modules import each other in a loop.

The order, lowest first, is the one the README's layout section gives: the pure domain, the
tables, infrastructure, notifications, the application layer, the Prefect layer, the scenario
player, the serve machinery and, at the top, the edges. A package may import itself and any
package below it, never one above. Imports inside functions count too: a lazy import is still a
dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

LAYERS: tuple[tuple[str, ...], ...] = (
    ("pathways",),
    ("models",),
    ("infrastructure",),
    ("notifications",),
    ("application",),
    ("tasks",),
    ("flows",),
    ("deployments",),
    ("simulation",),
    ("runtime",),
    ("cli", "dashboard"),
    ("benchmarks",),
)
LEVEL = {package: level for level, packages in enumerate(LAYERS) for package in packages}


def _modules() -> Iterator[tuple[str, Path]]:
    for package in LEVEL:
        folder = ROOT / package
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            if "versions" in path.parts:  # Alembic revisions: generated, run by Alembic only
                continue
            relative = path.relative_to(ROOT).with_suffix("")
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            yield ".".join(parts), path


def _imports(module: str, path: Path) -> Iterator[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                keep = len(base) - node.level + (1 if is_package else 0)
                target = ".".join([*base[:keep], *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            yield target, node.lineno
            for alias in node.names:
                # "from pkg import module" names a module as much as "import pkg.module" does.
                yield f"{target}.{alias.name}", node.lineno


MODULES = dict(_modules())


def _edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for module, path in MODULES.items():
        for target, _ in _imports(module, path):
            if target in MODULES and target != module:
                graph[module].add(target)
    return graph


def test_the_layers_are_found() -> None:
    found = {module.split(".")[0] for module in MODULES}
    assert {"pathways", "models", "infrastructure", "application", "flows", "cli"} <= found


def test_no_package_imports_a_package_above_it() -> None:
    upward = []
    for module, path in MODULES.items():
        own = LEVEL[module.split(".")[0]]
        for target, line in _imports(module, path):
            top = target.split(".")[0]
            if top in LEVEL and LEVEL[top] > own:
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert upward == [], "imports that run up the layers:\n" + "\n".join(upward)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one member."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_modules_import_each_other_in_a_loop() -> None:
    assert _cycles(_edges()) == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ],
)
def test_the_loop_finder_finds_loops(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert _cycles(graph) == expected
