"""Formulas and SQL fragments: AST -> model expressions, with positioned diagnostics.

SQL fragments are parsed by sqlglot in the project's input dialect. A fragment must be one
SQL expression over the source's columns: no statements or subqueries, and calls only to the
functions sqlglot types (an allow-list, see :func:`parse_fragment`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import cast

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError

from metriclang.diagnostics import Diagnostic, error, quoted
from metriclang.errors import did_you_mean
from metriclang.periods import GRAINS
from metriclang.semantic import model as m
from metriclang.semantic.joins import JoinPath, references, resolve_path
from metriclang.source import LineIndex, Span
from metriclang.syntax import ast

#: Engine functions allowed although sqlglot does not type them in every input dialect. Each
#: is a pure scalar function of its arguments on every engine that has it; the reason is
#: why sqlglot leaves it untyped (``[sql] allow_functions`` in ``metriclang.toml`` adds more).
ENGINE_FUNCTIONS: dict[str, str] = {
    "date_part": "DuckDB's and PostgreSQL's spelling of extract(); typed only when read as "
                 "PostgreSQL",
    "now": "the current timestamp; typed only when read as PostgreSQL",
}

#: Functions sqlglot types that still reach outside the row: files and URLs, other tables
#: and row generators, sequences (a write), machine-learning and AI services, identifiers
#: built from text, and the server's or session's identity. Refused although typed.
DENIED_FUNCTIONS: tuple[type[exp.Func], ...] = (
    exp.ReadCSV, exp.ReadParquet, exp.ToFile, exp.Secret, exp.DynamicIdentifier,
    exp.NextValueFor, exp.GenerateSeries, exp.ExplodingGenerateSeries, exp.GenerateTable,
    exp.Generator, exp.Explode, exp.Posexplode, exp.Inline, exp.Stack, exp.Unnest,
    exp.Flatten, exp.SplitToTable, exp.StrtokSplitToTable, exp.JSONTable, exp.XMLTable,
    exp.OpenJSON, exp.GapFill, exp.FeaturesAtTime, exp.VectorSearch, exp.Predict,
    exp.MLForecast, exp.MLTranslate, exp.GenerateEmbedding, exp.GenerateText,
    exp.GenerateBool, exp.GenerateDouble, exp.GenerateInt, exp.AIClassify, exp.AIEmbed,
    exp.AIForecast, exp.AIGenerate, exp.AISimilarity,
    exp.CurrentUser, exp.SessionUser, exp.CurrentUserId, exp.CurrentRole, exp.CurrentRoleType,
    exp.CurrentAvailableRoles, exp.CurrentSecondaryRoles, exp.CurrentAccount,
    exp.CurrentAccountName, exp.CurrentOrganizationName, exp.CurrentOrganizationUser,
    exp.CurrentClient, exp.CurrentIpAddress, exp.CurrentRegion, exp.CurrentSession,
    exp.CurrentStatement, exp.CurrentTransaction, exp.CurrentVersion, exp.CurrentWarehouse,
    exp.CurrentDatabase, exp.CurrentCatalog, exp.CurrentSchema, exp.CurrentSchemas,
)
_STATEMENTS = (exp.Query, exp.Subquery, exp.Command, exp.Create, exp.Drop, exp.Insert,
               exp.Update, exp.Delete, exp.Merge, exp.Copy, exp.Attach, exp.Detach, exp.Use,
               exp.Set, exp.Pragma, exp.Transaction, exp.Commit, exp.Rollback, exp.Table)


#: Longest SQL fragment (characters) handed to sqlglot; beyond it E108 (docs/language.md).
MAX_FRAGMENT_CHARS = 64 * 1024


def _function_name(node: exp.Expr) -> str:
    """The name a call is written with (``pg_catalog.pg_read_file`` when qualified)."""
    name = str(node.name) if isinstance(node, exp.Anonymous) else (
        node.sql_name() if isinstance(node, exp.Func) else node.key)
    parent = node.parent
    while isinstance(parent, exp.Dot) and parent.expression is node:
        node, parent = parent, parent.parent
        name = f"{node.this.sql() if isinstance(node, exp.Dot) else ''}.{name}"
    return name.lower()


def _written(node: exp.Expr, text: str) -> str:
    """A typed call's name as the fragment spells it (``unnest``, not sqlglot's ``explode``)."""
    start, end = node.meta.get("start"), node.meta.get("end")
    if isinstance(start, int) and isinstance(end, int) and 0 <= start <= end < len(text):
        return text[start:end + 1].strip('"`[]').lower()
    return _function_name(node) if isinstance(node, exp.Func) else node.sql()


def _refusal(node: exp.Expr, allowed: Collection[str], text: str) -> str | None:
    """Why a node may not appear in a fragment (``None``: it may)."""
    if isinstance(node, exp.Window):
        return "a window function is not allowed in a SQL fragment: it is evaluated per row"
    if isinstance(node, exp.AggFunc):
        return (f"aggregate `{_written(node, text)}` is not allowed in a SQL fragment: it is "
                "evaluated per row")
    if isinstance(node, (*DENIED_FUNCTIONS, exp.UDTF, exp.SessionParameter)):
        return (f"function `{_written(node, text)}` reaches outside the source's rows and is "
                "not allowed")
    if isinstance(node, exp.Anonymous):
        name = _function_name(node)
        if name in ENGINE_FUNCTIONS or name in allowed:
            return None
        return f"function `{name}` is not allowed in a SQL fragment"
    return None


_ALLOWED_HINT = ("fragments may call the functions sqlglot knows (lower, coalesce, date_trunc, "
                 "extract, cast, ...); a function the project trusts can be listed under "
                 "`[sql] allow_functions` in metriclang.toml")


def parse_fragment(sql: ast.Sql, dialect: str, allowed: Collection[str] = ()
                   ) -> tuple[exp.Expression | None, list[Diagnostic]]:
    """Parse one row expression or condition; errors are positioned in the ``.osm`` file.

    Calls are allowed only to functions sqlglot types (not aggregates, not windows, not
    :data:`DENIED_FUNCTIONS`), to :data:`ENGINE_FUNCTIONS` and to ``allowed`` (lower-case
    names from ``[sql] allow_functions``); every other call is E171 at the function's name.

    >>> from metriclang.source import Span
    >>> tree, _ = parse_fragment(ast.Sql("x > 1", Span("a.osm", 1, 1, 1, 6)), "duckdb")
    >>> tree.sql()
    'x > 1'
    >>> _, [d] = parse_fragment(ast.Sql("1 + pg_sleep(9)", Span("a.osm", 3, 8, 3, 23)), "postgres")
    >>> d.code, d.message, d.span.column
    ('E171', 'function `pg_sleep` is not allowed in a SQL fragment', 12)
    """
    if len(sql.text) > MAX_FRAGMENT_CHARS:
        return None, [error("E108", f"SQL fragment of {len(sql.text):,} characters is longer "
                            f"than the limit of {MAX_FRAGMENT_CHARS:,}", sql.span,
                            "keep long lists of values in a table and join it through a source")]
    try:
        trees = _parse_sql(sql.text, dialect)
    except ParseError as exc:
        detail = exc.errors[0] if exc.errors else {}
        return None, [error("E170", f"cannot parse SQL `{quoted(sql.text)}`: "
                            f"{quoted(str(detail.get('description', exc)), 200)}",
                            _inside(sql.span, detail),
                            "write one SQL expression over the source's columns")]
    except RecursionError:
        return None, [error("E106", "SQL expression nested too deeply", sql.span)]
    except SqlglotError as exc:
        return None, [error("E170", f"cannot parse SQL `{quoted(sql.text)}`: "
                            f"{quoted(str(exc), 200)}", sql.span)]
    if len(trees) != 1 or trees[0] is None:
        return None, [error("E171", "a SQL fragment must be exactly one expression, without `;`",
                            sql.span, "remove the `;` and anything after it")]
    tree = trees[0]
    problems: list[Diagnostic] = []
    for node in tree.walk():
        if isinstance(node, _STATEMENTS):
            kind = "a subquery" if isinstance(node, (exp.Query, exp.Subquery)) else "a statement"
            return None, [error("E171", f"{kind} is not allowed in a SQL fragment", sql.span,
                                "use only the source's columns; join other data through "
                                "another source and a measure")]
        reason = _refusal(node, allowed, sql.text)
        if reason is not None and not (isinstance(node.parent, exp.Window)
                                       and node.parent.this is node):
            problems.append(error("E171", reason, _node_span(sql, node, dialect),
                                  _ALLOWED_HINT if isinstance(node, exp.Anonymous) else None))
    if problems:
        return None, problems
    return cast(exp.Expression, _bare(sql.text, dialect).copy()), []


def positioned(text: str, dialect: str) -> exp.Expr:
    """The tree of a fragment :func:`parse_fragment` accepted, as parsed, with sqlglot's
    positions in ``text`` (each node's ``meta``): for pointing at a part of it. Shared: read
    it, never change it."""
    tree = _parse_sql(text, dialect)[0]
    assert tree is not None
    return tree


def _node_span(sql: ast.Sql, node: exp.Expr, dialect: str) -> Span:
    """Where ``node`` (a call) is written in the ``.osm`` file: its name, else the fragment."""
    start, end = node.meta.get("start"), node.meta.get("end")
    if isinstance(node, exp.Window):
        return _node_span(sql, node.this, dialect)
    if not isinstance(start, int) or not isinstance(end, int):
        word = _written(node, sql.text).rsplit(".", 1)[-1].lstrip("@")
        try:
            tokens = sqlglot.Dialect.get_or_raise(dialect).tokenize(sql.text)
        except SqlglotError:
            return sql.span
        found = next((t for t in tokens if t.text.lower() == word), None)
        if found is None:
            return sql.span
        start, end = found.start, found.end
    text = sql.text
    line, col = LineIndex.of(text).position(start)
    return _inside(sql.span, {"line": line, "col": col + end - start,
                              "highlight": text[start:end + 1]})


@lru_cache(maxsize=16384)
def _parse_sql(text: str, dialect: str) -> tuple[exp.Expr | None, ...]:
    """sqlglot's parse, memoised: projects repeat the same columns and conditions often.

    Callers get copies of the cached trees, never the trees themselves.
    """
    return tuple(sqlglot.parse(text, read=dialect))


@lru_cache(maxsize=16384)
def _bare(text: str, dialect: str) -> exp.Expr:
    """A well-formed fragment's tree without the parser's positions, the tree callers get
    copies of: copying a node copies its ``meta`` dict too (3 times as slow), and the model's
    trees are copied each time SQL is built from them."""
    tree = positioned(text, dialect).copy()
    for node in tree.walk():
        node._meta = None
    return tree


def _inside(span: Span, detail: dict[str, object]) -> Span:
    """Map a sqlglot error position (line/col in the fragment) into the file."""
    line = int(str(detail.get("line", 1) or 1))
    end_col = int(str(detail.get("col", 1) or 1))
    width = max(1, len(str(detail.get("highlight", "") or "")))
    col = max(1, end_col - width + 1)
    if line == 1:
        return Span(span.file, span.line, span.column + col - 1, span.line,
                    span.column + col - 1 + width)
    return Span(span.file, span.line + line - 1, col, span.line + line - 1, col + width)


def to_duration(d: ast.Duration) -> tuple[m.Duration | None, list[Diagnostic]]:
    """Validate ``<integer> day|week|month|quarter|year[s]``."""
    unit = d.unit.value.lower()
    unit = unit[:-1] if unit.endswith("s") else unit
    if unit not in GRAINS:
        hint = did_you_mean(d.unit.value, [u + "s" for u in GRAINS] + list(GRAINS))
        return None, [error("E132", f"`{d.unit.value}` is not a duration unit", d.unit.span,
                            hint or "use day(s), week(s), month(s), quarter(s) or year(s)")]
    if not d.amount.isdigit() or int(d.amount) <= 0:
        return None, [error("E132", f"a duration needs a whole number above 0, not `{d.amount}`",
                            d.span, "write e.g. `7 days`")]
    return m.Duration(int(d.amount), unit, d.span), []


#: Deepest formula (operators nested in one another: ``a + a + ...`` is one per ``+``) that
#: is compiled; deeper ones get E106 before any later stage could run out of stack.
MAX_FORMULA_DEPTH = 100


def _depth(node: ast.Formula) -> int:
    """Nesting depth of a formula, without recursion.

    >>> at = Span("a.osm", 1, 1, 1, 2)
    >>> one = ast.NumberExpr(ast.Number("1", Decimal(1), False, at), at)
    >>> _depth(ast.Binary("+", one, ast.Negate(one, at), at))
    3
    """
    deepest, stack = 0, [(node, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        match item:
            case ast.Binary(left=left, right=right):
                stack += [(left, level + 1), (right, level + 1)]
            case ast.Negate(operand=operand):
                stack.append((operand, level + 1))
    return deepest


class FormulaResolver:
    """Turns one measure's formula AST into a model expression."""

    def __init__(self, dialect: str, sources: Mapping[str, m.Source], measures: Collection[str],
                 entity_of: Callable[[str, str], bool], allowed: Collection[str] = (),
                 broken: Collection[str] = ()) -> None:
        self.dialect, self.sources, self.measures = dialect, sources, measures
        self.allowed, self.broken = allowed, broken
        self.has_entity = entity_of
        self.diagnostics: list[Diagnostic] = []

    def resolve(self, node: ast.Formula) -> m.Expr | None:
        try:
            if _depth(node) > MAX_FORMULA_DEPTH:
                raise RecursionError
            return self._expr(node)
        except RecursionError:
            self.diagnostics.append(error(
                "E106", f"formula nested deeper than {MAX_FORMULA_DEPTH} operators", node.span,
                "split it into several measures"))
            return None

    def _expr(self, node: ast.Formula) -> m.Expr | None:
        match node:
            case ast.NumberExpr(number=number):
                return m.Const(number.value, node.span)
            case ast.MeasureRef(name=name):
                if name.value not in self.measures:
                    self._unknown("E111", "measure", name, self.measures)
                    return None
                return m.Ref(name.value, node.span)
            case ast.Aggregate():
                return self._aggregate(node)
            case ast.Conversion():
                return self._conversion(node)
            case ast.Binary(op=op, left=left, right=right):
                lhs, rhs = self._expr(left), self._expr(right)
                return m.BinOp(op, lhs, rhs, node.span) if lhs and rhs else None
            case ast.Negate(operand=operand):
                inner = self._expr(operand)
                return m.Neg(inner, node.span) if inner else None
        raise TypeError(node)

    def _unknown(self, code: str, kind: str, name: ast.Name, candidates: Collection[str]) -> None:
        """Report an unknown name, unless its declaration failed to parse (reported there)."""
        if name.value in self.broken:
            return
        self.diagnostics.append(error(code, f"unknown {kind} `{name.value}`", name.span,
                                      did_you_mean(name.value, candidates)))

    def _fragment(self, sql: ast.Sql | None, source: str | None = None
                  ) -> tuple[exp.Expression | None, bool]:
        if sql is None:
            return None, True
        tree, problems = parse_fragment(sql, self.dialect, self.allowed)
        if tree is not None and source is not None and source in self.sources:
            problems += self._paths(sql, self.sources[source])
        self.diagnostics += problems
        return tree, not problems

    def _paths(self, sql: ast.Sql, source: m.Source) -> list[Diagnostic]:
        """E114-E119, E162 for a dotted reference (``customer.segment``) that does not reach
        a dimension, positioned at the part that is wrong."""
        problems = []
        for node, parts in references(positioned(sql.text, self.dialect), source):
            found = resolve_path(self.sources, source.name, parts)
            if isinstance(found, JoinPath):
                continue
            names = list(node.find_all(exp.Identifier))
            ids = sorted(names, key=lambda i: int(i.meta.get("start", 0)))
            picked = ids if found.part is None else ids[found.part:found.part + 1]
            start = int(picked[0].meta.get("start", 0))
            end = int(picked[-1].meta.get("end", start))
            line, col = LineIndex.of(sql.text).position(start)
            span = _inside(sql.span, {"line": line, "col": col + end - start,
                                      "highlight": sql.text[start:end + 1]})
            problems.append(error(found.code, found.message, span, found.hint))
        return problems

    def _timed(self, name: ast.Name) -> bool:
        """E163 when an aggregated source has no ``time`` (a dimension source only)."""
        source = self.sources.get(name.value)
        if source is None or source.time_column:
            return True
        self.diagnostics.append(error(
            "E163", f"source `{name.value}` has no `time`, so it cannot be aggregated",
            name.span, f"add `time COLUMN` to source `{name.value}`, or reach its dimensions "
            f"through an entity (`{source.keyed_entity or 'entity'}.DIMENSION`)"))
        return False

    def _aggregate(self, node: ast.Aggregate) -> m.Agg | None:
        ok = True
        if node.source.value not in self.sources:
            self._unknown("E110", "source", node.source, self.sources)
            ok = False
        else:
            ok = self._timed(node.source)
        expr, ok_expr = self._fragment(node.expr, node.source.value)
        where, ok_where = self._fragment(node.where, node.source.value)
        fraction: Decimal | None = None
        if node.func == "percentile":
            if node.percentile is None:
                self.diagnostics.append(error("E133", "percentile needs a fraction",
                                              node.span, "write `percentile(orders.amount, 0.9)`"))
                ok = False
            elif not 0 <= node.percentile.value <= 1:
                self.diagnostics.append(error("E131", f"percentile `{node.percentile.text}` is "
                                              "outside 0–1", node.percentile.span,
                                              "write 0.9 or 90% for the 90th percentile"))
                ok = False
            else:
                fraction = node.percentile.value
        elif node.percentile is not None:
            self.diagnostics.append(error("E133", f"`{node.func}` takes no fraction",
                                          node.percentile.span, "only `percentile` takes one"))
            ok = False
        if not (ok and ok_expr and ok_where):
            return None
        return m.Agg(node.func, node.source.value, expr, where, fraction, node.span)

    def _conversion(self, node: ast.Conversion) -> m.Conv | None:
        ok = True
        for src in (node.from_source, node.to_source):
            if src.value not in self.sources:
                self._unknown("E110", "source", src, self.sources)
                ok = False
            elif not self._timed(src):
                ok = False
        from_where, ok1 = self._fragment(node.from_where, node.from_source.value)
        to_where, ok2 = self._fragment(node.to_where, node.to_source.value)
        within, problems = to_duration(node.within)
        self.diagnostics += problems
        if ok:
            missing = [s.value for s in (node.from_source, node.to_source)
                       if not self.has_entity(s.value, node.entity.value)]
            if len(missing) == 2 or (missing and node.from_source.value == node.to_source.value):
                self.diagnostics.append(error(
                    "E114", f"unknown entity `{node.entity.value}`", node.entity.span,
                    f"declare `entity {node.entity.value} = COLUMN` in source `{missing[0]}`"))
                ok = False
            elif missing:
                self.diagnostics.append(error(
                    "E161", f"source `{missing[0]}` has no entity `{node.entity.value}`",
                    node.entity.span, f"declare `entity {node.entity.value} = COLUMN` in "
                    f"source `{missing[0]}` so both sides can be matched"))
                ok = False
        if not (ok and ok1 and ok2 and within):
            return None
        return m.Conv(node.from_source.value, from_where, node.to_source.value, to_where, within,
                      node.entity.value, node.span)
