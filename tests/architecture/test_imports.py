"""The architecture, from the code's own imports: stages import downwards only, never in a circle.

Every ``import`` and ``from ... import`` of a ``metriclang`` module is read with :mod:`ast`
(imports inside functions included: a lazy import is still a dependency). Each module belongs to
one tier of the pipeline (``TIERS``, the same order as docs/architecture.md); a module may import
its own package and any lower tier, nothing above or beside it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "metriclang"

#: The pipeline, bottom first. A name is a top-level module or package of ``metriclang``.
TIERS: tuple[tuple[str, ...], ...] = (
    ("source", "errors", "periods", "dialects", "display", "cachefiles", "forked"),
    ("diagnostics", "atomic", "gcpause", "progress"),
    ("config", "reading", "starter"),
    ("syntax",),
    ("fmt", "semantic"),
    ("rules",),
    ("load",),
    ("dump", "resultcache"),
    ("sqlgen",),
    ("warehouse",),
    ("report", "query"),
    ("verify",),
    ("docgen", "diff", "interop"),
    ("api",),
    ("lsp", "mcp"),
    ("cli",),
)
TIER = {name: rank for rank, names in enumerate(TIERS) for name in names}


def _unit(module: str) -> str:
    """``metriclang.sqlgen.build`` -> ``sqlgen``; the root package is ``metriclang``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "metriclang"


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _type_only(tree: ast.Module) -> set[int]:
    """Ids of the import nodes under ``if TYPE_CHECKING:`` (no dependency at run time)."""
    return {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
            and ast.unparse(block.test).endswith("TYPE_CHECKING") for n in ast.walk(block)}


def _imports(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """Every metriclang module ``module`` imports at run time, with the line of the import."""
    tree = ast.parse(path.read_text("utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    skip = _type_only(tree)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "metriclang":
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            if name.split(".")[0] == "metriclang":
                yield name, node.lineno


EDGES = {module: sorted(set(_imports(module, path))) for module, path in _modules()}


def test_every_unit_has_a_tier() -> None:
    units = {_unit(m) for m in EDGES} - {"metriclang"}
    assert sorted(units - TIER.keys()) == [], "add the new module to TIERS and docs/architecture.md"


def test_the_root_package_imports_nothing_eagerly() -> None:
    tree = ast.parse((PACKAGE / "__init__.py").read_text("utf-8"))
    eager = [n.lineno for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))
             and "metriclang" in ast.unparse(n)]
    assert eager == [], "metriclang/__init__.py must import the API lazily"


@pytest.mark.parametrize("module", sorted(EDGES))
def test_no_upward_or_sideways_import(module: str) -> None:
    unit = _unit(module)
    if unit == "metriclang":
        return
    wrong = [f"{module}:{line} imports {target} (tier {TIER.get(_unit(target))} >= {TIER[unit]})"
             for target, line in EDGES[module]
             if _unit(target) != unit and _unit(target) != "metriclang"
             and TIER[_unit(target)] >= TIER[unit]]
    assert wrong == []


def test_no_import_cycle() -> None:
    graph = {m: {t for t, _ in targets if t in EDGES} for m, targets in EDGES.items()}
    state: dict[str, int] = {}
    for start in sorted(graph):
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        if state.get(start):
            continue
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                cycle = [*path[path.index(child):], child]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(sorted(graph[child]))))
                path.append(child)
