"""Formulas and SQL fragments: AST -> model expressions, with positioned diagnostics.

SQL fragments are parsed by sqlglot in the project's input dialect. A fragment must be one
SQL expression over the source's columns: no statements, subqueries or file-reading functions.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection
from decimal import Decimal
from functools import lru_cache
from typing import cast

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError

from metriclang.diagnostics import Diagnostic, error
from metriclang.semantic import model as m
from metriclang.source import Span
from metriclang.syntax import ast

#: Functions that read files, other databases or server state: never allowed in a fragment.
FORBIDDEN_FUNCTIONS = frozenset({
    "read_csv", "read_csv_auto", "read_parquet", "read_json", "read_json_auto", "read_ndjson",
    "read_text", "read_blob", "read_xlsx", "parquet_scan", "csv_scan", "json_scan", "glob",
    "sqlite_scan", "postgres_scan", "mysql_scan", "iceberg_scan", "delta_scan", "query",
    "query_table", "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file",
    "lo_import", "lo_export", "dblink", "dblink_exec", "load_file", "openrowset",
    "opendatasource", "openquery", "xp_cmdshell", "getenv", "current_setting", "set_config",
    "pg_sleep", "sleep", "benchmark", "system", "shell",
    # run SQL given as text, or sleep, write or signal on the server (PostgreSQL)
    "query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema", "cursor_to_xml",
    "table_to_xml", "table_to_xml_and_xmlschema", "schema_to_xml", "database_to_xml",
    "pg_sleep_for", "pg_sleep_until", "pg_file_write", "pg_file_read", "pg_file_rename",
    "pg_file_unlink", "lo_get", "lo_put", "lo_create", "lo_from_bytea", "lo_unlink",
    "dblink_connect", "dblink_open", "dblink_fetch", "dblink_send_query", "dblink_get_result",
    "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_notify",
    "pg_logical_emit_message", "pg_advisory_lock", "pg_advisory_xact_lock",
    # call Java or other engines (Spark, BigQuery, DuckDB)
    "reflect", "java_method", "try_reflect", "external_query", "getvariable",
})
_STATEMENTS = (exp.Query, exp.Subquery, exp.Command, exp.Create, exp.Drop, exp.Insert,
               exp.Update, exp.Delete, exp.Merge, exp.Copy, exp.Attach, exp.Detach, exp.Use,
               exp.Set, exp.Pragma, exp.Transaction, exp.Commit, exp.Rollback, exp.Table)


#: Longest SQL fragment (characters) handed to sqlglot; beyond it E108 (docs/language.md).
MAX_FRAGMENT_CHARS = 64 * 1024


def did_you_mean(name: str, candidates: Collection[str]) -> str | None:
    """``did you mean `x`?`` for the closest candidate, if one is close."""
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


def _function_name(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower() if isinstance(node, exp.Func) else ""


def parse_fragment(sql: ast.Sql, dialect: str) -> tuple[exp.Expression | None, list[Diagnostic]]:
    """Parse one row expression or condition; errors are positioned in the ``.osm`` file.

    >>> from metriclang.source import Span
    >>> tree, _ = parse_fragment(ast.Sql("x > 1", Span("a.osm", 1, 1, 1, 6)), "duckdb")
    >>> tree.sql()
    'x > 1'
    """
    if len(sql.text) > MAX_FRAGMENT_CHARS:
        return None, [error("E108", f"SQL fragment of {len(sql.text):,} characters is longer "
                            f"than the limit of {MAX_FRAGMENT_CHARS:,}", sql.span,
                            "keep long lists of values in a table and join it through a source")]
    try:
        trees = _parse_sql(sql.text, dialect)
    except ParseError as exc:
        detail = exc.errors[0] if exc.errors else {}
        return None, [error("E170", f"cannot parse SQL `{sql.text}`: "
                            f"{detail.get('description', exc)}", _inside(sql.span, detail),
                            "write one SQL expression over the source's columns")]
    except RecursionError:
        return None, [error("E106", "SQL expression nested too deeply", sql.span)]
    except SqlglotError as exc:
        return None, [error("E170", f"cannot parse SQL `{sql.text}`: {exc}", sql.span)]
    if len(trees) != 1 or trees[0] is None:
        return None, [error("E171", "a SQL fragment must be exactly one expression, without `;`",
                            sql.span, "remove the `;` and anything after it")]
    tree = trees[0]
    for node in tree.walk():
        if isinstance(node, _STATEMENTS):
            kind = "a subquery" if isinstance(node, (exp.Query, exp.Subquery)) else "a statement"
            return None, [error("E171", f"{kind} is not allowed in a SQL fragment", sql.span,
                                "use only the source's columns; join other data through "
                                "another source and a measure")]
        name = _function_name(node)
        if name in FORBIDDEN_FUNCTIONS or isinstance(node, (exp.ReadCSV,)):
            return None, [error("E171", f"function `{name}` reads outside the source and is "
                                "not allowed", sql.span)]
    return cast(exp.Expression, tree.copy()), []


@lru_cache(maxsize=16384)
def _parse_sql(text: str, dialect: str) -> tuple[exp.Expr | None, ...]:
    """sqlglot's parse, memoised: projects repeat the same columns and conditions often.

    Callers get copies of the cached trees, never the trees themselves.
    """
    return tuple(sqlglot.parse(text, read=dialect))


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
    if unit not in m.UNIT_DAYS:
        hint = did_you_mean(d.unit.value, [u + "s" for u in m.UNIT_DAYS] + list(m.UNIT_DAYS))
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

    def __init__(self, dialect: str, sources: Collection[str], measures: Collection[str],
                 entity_of: Callable[[str, str], bool]) -> None:
        self.dialect, self.sources, self.measures = dialect, sources, measures
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
                self._check_percent(number)
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
        self.diagnostics.append(error(code, f"unknown {kind} `{name.value}`", name.span,
                                      did_you_mean(name.value, candidates)))

    def _fragment(self, sql: ast.Sql | None) -> tuple[exp.Expression | None, bool]:
        if sql is None:
            return None, True
        tree, problems = parse_fragment(sql, self.dialect)
        self.diagnostics += problems
        return tree, not problems

    def _check_percent(self, number: ast.Number) -> None:
        if number.percent and abs(number.value) > 1:
            self.diagnostics.append(error("E131", f"percentage `{number.text}` is above 100%",
                                          number.span, "write a share as 0–100%"))

    def _aggregate(self, node: ast.Aggregate) -> m.Agg | None:
        ok = True
        if node.source.value not in self.sources:
            self._unknown("E110", "source", node.source, self.sources)
            ok = False
        expr, ok_expr = self._fragment(node.expr)
        where, ok_where = self._fragment(node.where)
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
        from_where, ok1 = self._fragment(node.from_where)
        to_where, ok2 = self._fragment(node.to_where)
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
