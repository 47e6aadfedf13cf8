"""SQL fragments of the model as text for another format: dimensions inlined, columns named."""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from metriclang.semantic import model as m


def column_path(node: exp.Column, source: m.Source | None = None) -> tuple[str, ...]:
    """``customer.account.tier`` -> ``('customer', 'account', 'tier')``; a qualifier naming
    ``source`` or its table is dropped (``orders.status`` is the source's own column)."""
    parts = tuple(p.name for p in node.parts)
    if source is not None and len(parts) == 2 and parts[0] in (source.name, source.table[-1]):
        return parts[1:]
    return parts


def render(tree: exp.Expr, dialect: str) -> str:
    return tree.sql(dialect=dialect)


def bare_column(d: m.Dimension) -> bool:
    """A dimension that is just the column of its own name."""
    return isinstance(d.expr, exp.Column) and column_path(d.expr) == (d.name,)


def inlined(tree: exp.Expr, source: m.Source) -> tuple[exp.Expr, list[str]]:
    """A row expression over table columns only: each dimension name replaced by its
    expression; returns the entity paths (``customer.segment``) it used, which can't be
    inlined."""
    paths: list[str] = []

    def swap(node: exp.Expr) -> exp.Expr:
        if not isinstance(node, exp.Column):
            return node
        parts = column_path(node, source)
        if len(parts) > 1:
            paths.append(".".join(parts))
            return node
        dim = source.dimension(parts[0])
        if dim is None or bare_column(dim):
            return node
        return exp.Paren(this=dim.expr.copy())

    return tree.copy().transform(swap), paths


def templated(tree: exp.Expr, dialect: str, name: Callable[[tuple[str, ...]], str],
              source: m.Source | None = None) -> str:
    """SQL text with each column replaced by ``name(path)`` (e.g. a Jinja reference)."""
    names: dict[str, str] = {}

    def swap(node: exp.Expr) -> exp.Expr:
        if not isinstance(node, exp.Column):
            return node
        key = f"osm_ph_{len(names)}"
        names[key] = name(column_path(node, source))
        return exp.column(key)

    text = render(tree.copy().transform(swap), dialect)
    for key in sorted(names, key=len, reverse=True):
        text = text.replace(key, names[key])
    return text
