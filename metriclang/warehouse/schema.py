"""Does the project fit its warehouse? Tables and columns checked against the catalogue.

Every column a source names (``time``, ``key``, entities, ``valid from .. to``, dimensions)
and every column a formula's fragments use must exist in the source's table, with a type that
fits its use: a number for ``sum``/``avg``/``median``/``percentile``, a date or timestamp for
``time`` and ``valid``, a boolean for a bare condition, a value of the literal's kind in a
comparison. Each problem is a diagnostic at the word in the ``.osm`` file (E200–E202, see
docs/diagnostics.md#e200), with the catalogue's names as the hint. Only the catalogue is read
(:mod:`~metriclang.warehouse.catalog`), never a row.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Literal

from sqlglot import exp

from metriclang.diagnostics import Diagnostic, error
from metriclang.errors import did_you_mean
from metriclang.semantic import model as m
from metriclang.semantic.graph import reachable
from metriclang.semantic.joins import references
from metriclang.semantic.references import formula_refs, formula_sources
from metriclang.source import Span
from metriclang.warehouse import opened
from metriclang.warehouse.catalog import Catalog, Kind, Table, read_catalog
from metriclang.warehouse.result import Engine

#: What a use needs of its column: ``text`` / ``number``: compared with such a literal.
Need = Literal["any", "number", "time", "boolean", "text literal", "number literal"]
#: Aggregates whose argument must be a number.
NUMERIC = ("sum", "avg", "median", "percentile")
#: Texts PostgreSQL, DuckDB and Spark all read as a boolean.
_BOOLEAN_WORDS = ("true", "false", "t", "f", "yes", "no", "y", "n", "on", "off")
#: Columns listed in a hint when none is close to the missing one.
LISTED = 12
_FITS: dict[Need, tuple[Kind, ...]] = {
    "any": ("number", "time", "boolean", "text", "other"),
    "number": ("number", "other"),
    "time": ("time", "other"),
    "boolean": ("boolean", "other"),
    "text literal": ("text", "time", "other"),
    "number literal": ("number", "boolean", "other"),
}
_NEEDED: dict[Need, str] = {
    "number": "{what} needs a number, but column `{column}` of {where} is {type}",
    "time": "{what} needs a date or timestamp, but column `{column}` of {where} is {type}",
    "boolean": "{what} needs a boolean, but column `{column}` of {where} is {type}",
    "text literal": "{what} compares column `{column}` of {where} ({type}) with text",
    "number literal": "{what} compares column `{column}` of {where} ({type}) with a number",
}
_ADVICE: dict[Need, str] = {
    "number": "aggregate a numeric column, or convert it: `cast(col as decimal(18, 2))`",
    "time": "point it at a DATE or TIMESTAMP column, or convert the column in a view",
    "boolean": "compare the column with a value: `col = 1`, `col = 'yes'`",
    "text literal": "compare it with a number, or compare a text column",
    "number literal": "compare it with a quoted value: `col = '1'`",
}


@dataclass(frozen=True)
class Use:
    """One column of ``source``'s table used at ``span`` by ``what``, needing ``need``."""

    source: str
    column: str
    span: Span
    what: str
    need: Need = "any"


def check_warehouse(project: m.Project, db: str | None, timeout: float | None = None
                    ) -> tuple[list[Diagnostic], str | None]:
    """``osm check --db``: the problems of ``project`` on its warehouse (``db``, else
    ``$OSM_DB_URL``, else ``[project] warehouse``) and a note when demo data was generated.

    Raises ``UsageError`` without a usable URL, ``EngineError`` when the warehouse fails.
    """
    with opened(project, db, timeout) as (engine, note):
        return warehouse_problems(project, engine), note


def warehouse_problems(project: m.Project, engine: Engine,
                       measures: Collection[str] | None = None) -> list[Diagnostic]:
    """The problems of ``project`` (or only of ``measures`` and the sources they read) on
    ``engine``'s catalogue; raises ``EngineError`` when the catalogue can't be read."""
    uses = list(column_uses(project, measures))
    names = [project.sources[s].table for s in _sources(project, measures)
             if project.sources[s].table]
    return fit(project, read_catalog(engine, names), uses, measures)


def fit(project: m.Project, catalog: Catalog, uses: list[Use],
        measures: Collection[str] | None = None) -> list[Diagnostic]:
    """Diagnostics for the tables ``catalog`` lacks and the ``uses`` that don't fit it."""
    out: list[Diagnostic] = []
    for name in _sources(project, measures):
        source = project.sources[name]
        if source.table in catalog.tables and catalog.tables[source.table] is None:
            out.append(_missing_table(project, source, catalog))
    for use in uses:
        table = catalog.tables.get(project.sources[use.source].table)
        if table is not None:
            out += _column_problem(project, use, table)
    return out


def _sources(project: m.Project, measures: Collection[str] | None) -> list[str]:
    if measures is None:
        return sorted(project.sources)
    return sorted(set().union(*(formula_sources(project, n) for n in measures))
                  & project.sources.keys())


def _missing_table(project: m.Project, source: m.Source, catalog: Catalog) -> Diagnostic:
    written = ".".join(source.table)
    near = catalog.nearby.get(source.table, ())
    close = did_you_mean(source.table[-1], near)
    prefix = ".".join(source.table[:-1])
    if close:
        close = close.replace("`", "`" + (prefix + "." if prefix else ""), 1)
    hint = close or (f"tables there: {_listed(near)}" if near else
                     "no table in that schema: check the schema and the warehouse URL")
    span = _word(project, source.at("table"), source.table[-1])
    return error("E200", f"table `{written}` of source `{source.name}` is not in the "
                 f"warehouse {catalog.url}", span, hint)


def _column_problem(project: m.Project, use: Use, table: Table) -> Iterator[Diagnostic]:
    column = table.column(use.column)
    where = f"table `{'.'.join(table.name)}`"
    span = _word(project, use.span, use.column)
    if column is None:
        names = [c.name for c in table.columns]
        hint = did_you_mean(use.column, names) or f"its columns: {_listed(names)}"
        yield error("E201", f"column `{use.column}` ({use.what}) is not in {where} of source "
                    f"`{use.source}`", span, hint)
    elif column.kind not in _FITS[use.need]:
        yield error("E202", _NEEDED[use.need].format(what=use.what, column=column.name,
                                                     type=column.type, where=where),
                    span, _ADVICE[use.need])


def _listed(names: Collection[str]) -> str:
    shown = sorted(names)[:LISTED]
    return ", ".join(f"`{n}`" for n in shown) + (", ..." if len(names) > LISTED else "")


def _word(project: m.Project, span: Span, word: str) -> Span:
    """The first whole-word occurrence of ``word`` inside ``span`` (after a dimension's
    ``=``), else ``span`` itself."""
    file = project.file(span.file)
    if file is None:
        return span
    lines = file.lines
    start, end = lines.offset((span.line, span.column)), lines.offset(
        (span.end_line, span.end_column))
    text = lines.text[start:end]
    skip = text.find("=") + 1 if text.startswith("dimension") else 0
    found = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.I).search(text, skip)
    if found is None:
        return span
    line, column = lines.position(start + found.start())
    end_line, end_column = lines.position(start + found.end())
    return Span(span.file, line, column, end_line, end_column)


# ------------------------------------------------------------------ what uses which column


def column_uses(project: m.Project, measures: Collection[str] | None = None) -> Iterator[Use]:
    """Every column use of the sources (and formulas) of ``measures``, or of the project."""
    for name in _sources(project, measures):
        yield from _source_uses(project.sources[name])
    for name in sorted(project.measures if measures is None else _named(project, measures)):
        formula = project.measures[name].formula
        for node in m.walk(formula) if formula else ():
            match node:
                case m.Agg():
                    yield from _agg_uses(project, node)
                case m.Conv():
                    yield from _condition(project.sources[node.from_source], node.from_where,
                                          node.span, "the `from` condition")
                    yield from _condition(project.sources[node.to_source], node.to_where,
                                          node.span, "the `to` condition")


def _named(project: m.Project, measures: Collection[str]) -> set[str]:
    """``measures`` and every measure their formulas name, through any depth."""
    return reachable((n for n in measures if n in project.measures),
                     lambda name: (r.measure for r in formula_refs(project.measures[name])
                                   if r.measure in project.measures))


def _source_uses(source: m.Source) -> Iterator[Use]:
    name = source.name
    if source.time_column:
        yield Use(name, source.time_column, source.at("time"), "`time`", "time")
    if source.key:
        yield Use(name, source.key, source.at("key"), "`key`")
    for entity in source.entities:
        yield Use(name, entity.column, entity.span, f"entity `{entity.name}`")
    if source.valid:
        for column in source.valid:
            yield Use(name, column, source.at("valid"), "`valid`", "time")
    for dimension in source.dimensions:
        for column in _own_columns(dimension.expr, source):
            yield Use(name, column, dimension.span, f"dimension `{dimension.name}`")


def _agg_uses(project: m.Project, agg: m.Agg) -> Iterator[Use]:
    source = project.sources.get(agg.source)
    if source is None:
        return
    if agg.expr is not None:
        bare = isinstance(agg.expr, exp.Column) and agg.func in NUMERIC
        for column in _own_columns(agg.expr, source):
            yield Use(source.name, column, agg.span, f"`{agg.func}`",
                      "number" if bare else "any")
    yield from _condition(source, agg.where, agg.span, "the `where` condition")


def _condition(source: m.Source | None, tree: exp.Expr | None, span: Span,
               what: str) -> Iterator[Use]:
    """The columns of a condition; a bare column as a condition must be a boolean, and one
    compared with a literal must be of the literal's kind."""
    if source is None or tree is None:
        return
    needs: dict[int, Need] = {}
    for node in _conditions(tree):
        if isinstance(node, exp.Column):
            needs[id(node)] = "boolean"
    for node in tree.find_all(exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In):
        literals = [node.expression] if not isinstance(node, exp.In) else node.expressions
        column = node.this
        if not isinstance(column, exp.Column) and isinstance(node.expression, exp.Column):
            column, literals = node.expression, [node.this]
        kinds = {_literal_need(x) for x in literals}
        if isinstance(column, exp.Column) and len(kinds) == 1 and None not in kinds:
            needs[id(column)] = kinds.pop()  # type: ignore[assignment]
    own = _own_nodes(tree, source)
    for node in own:
        yield Use(source.name, node.name, span, what, needs.get(id(node), "any"))


def _literal_need(node: exp.Expr) -> Need | None:
    """What a literal asks of the column it is compared with (nothing for a text every
    engine also reads as a number or a boolean: ``'2'``, ``'true'``).

    >>> [_literal_need(exp.Literal.string(x)) for x in ("paid", "2", " 1.5", "True")]
    ['text literal', None, None, None]
    """
    if not isinstance(node, exp.Literal):
        return None
    if not node.is_string:
        return "number literal"
    text = node.this.strip().lower()
    if re.fullmatch(r"-?\d+(\.\d*)?", text) or text in _BOOLEAN_WORDS:
        return None
    return "text literal"


def _conditions(tree: exp.Expr) -> Iterator[exp.Expr]:
    """The operands of AND / OR / NOT at the top of a condition, and the condition."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, exp.Paren):
            stack.append(node.this)
        elif isinstance(node, exp.And | exp.Or):
            stack += [node.this, node.expression]
        elif isinstance(node, exp.Not):
            stack.append(node.this)
        else:
            yield node


def _own_nodes(tree: exp.Expr, source: m.Source) -> list[exp.Column]:
    """The column nodes of ``tree`` that are ``source``'s own (not a path to a joined one)."""
    joined = {id(n) for n, _ in references(tree, source)}
    joined |= {id(c) for n, _ in references(tree, source) for c in n.find_all(exp.Column)}
    return [c for c in tree.find_all(exp.Column) if id(c) not in joined and c.name]


def _own_columns(tree: exp.Expr, source: m.Source) -> list[str]:
    return list(dict.fromkeys(c.name for c in _own_nodes(tree, source)))
