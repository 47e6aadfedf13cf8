"""Lark parse events -> AST nodes.

The transformer runs inline with the LALR parser (``Lark(transformer=...)``): every rule is
reduced bottom-up as it is recognised, so no parse tree is built and nesting depth costs no
Python recursion. The grammar keeps all tokens, so every statement's span starts at its keyword.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lark import Token, Transformer

from metriclang.source import Span
from metriclang.syntax import ast

#: (file path, text being parsed) for the parse in progress.
CURRENT: ContextVar[tuple[str, str]] = ContextVar("CURRENT")

_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


@dataclass(frozen=True)
class _Piece:
    """A stretch of SQL tokens (offsets into the text being parsed)."""

    start: int
    end: int
    span: Span


def _token_span(tok: Token) -> Span:
    return Span(CURRENT.get()[0], tok.line or 1, tok.column or 1,
                tok.end_line or tok.line or 1, tok.end_column or tok.column or 1)


def span_of(item: Any) -> Span:
    """The span of a token or node."""
    return _token_span(item) if isinstance(item, Token) else item.span


def _cover(children: list[Any]) -> Span:
    return span_of(children[0]).to(span_of(children[-1]))


def _name(tok: Token) -> ast.Name:
    return ast.Name(str(tok), _token_span(tok))


def unquote(string: str) -> str:
    """The value of a double-quoted STRING token (quotes removed, escapes resolved)."""
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), string[1:-1])


def _text(tok: Token) -> ast.Text:
    return ast.Text(unquote(str(tok)), _token_span(tok))


def _offsets(item: Any) -> tuple[int, int]:
    if isinstance(item, Token):
        return item.start_pos or 0, item.end_pos or 0
    return item.start, item.end


def _piece(children: list[Any]) -> _Piece:
    start, end = _offsets(children[0])[0], _offsets(children[-1])[1]
    return _Piece(start, end, _cover(children))


_COMMENT_OR_STRING = re.compile(r"'[^']*(?:''[^']*)*'"
                                r'|"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*"'
                                r"|#[^\r\n]*")


def fragment_text(text: str) -> str:
    """``#`` comments inside a fragment become spaces (columns stay where they were) and line
    breaks become ``\\n``, so a fragment's text is the same in LF and CRLF files."""
    text = text.replace("\r\n", "\n")
    if "#" not in text:
        return text
    return _COMMENT_OR_STRING.sub(
        lambda m: " " * len(m.group()) if m.group().startswith("#") else m.group(), text)


def _sql(children: list[Any]) -> ast.Sql:
    piece = _piece(children)
    return ast.Sql(fragment_text(CURRENT.get()[1][piece.start:piece.end]), piece.span)


def _tokens(children: list[Any], kind: str) -> list[Token]:
    return [c for c in children if isinstance(c, Token) and c.type == kind]


def _opt(children: list[Any], cls: type) -> Any:
    return next((c for c in children if isinstance(c, cls)), None)


class AstBuilder(Transformer):  # type: ignore[type-arg]
    """Builds :mod:`metriclang.syntax.ast` nodes from grammar rules."""

    # ---------------------------------------------------------------- literals
    def label(self, c: list[Any]) -> ast.Text:
        return _text(c[0])

    def literal(self, c: list[Any]) -> ast.Number:
        tok = c[0]
        text = str(tok)
        if text.endswith("%"):
            return ast.Number(text, Decimal(text[:-1]) / 100, True, _token_span(tok))
        return ast.Number(text, Decimal(text), False, _token_span(tok))

    def number(self, c: list[Any]) -> ast.Number:
        lit: ast.Number = c[-1]
        if len(c) == 1:
            return lit
        return ast.Number("-" + lit.text, -lit.value, lit.percent, _cover(c))

    def duration(self, c: list[Any]) -> ast.Duration:
        return ast.Duration(str(c[0]), _name(c[1]), _cover(c))

    def name_list(self, c: list[Any]) -> tuple[ast.Name, ...]:
        return tuple(_name(t) for t in _tokens(c, "NAME"))

    def dim_ref(self, c: list[Any]) -> ast.Name:
        return ast.Name(".".join(str(t) for t in _tokens(c, "NAME")), _cover(c))

    def dim_list(self, c: list[Any]) -> tuple[ast.Name, ...]:
        return tuple(x for x in c if isinstance(x, ast.Name))

    # ---------------------------------------------------------------- sql fragments
    def sql_group(self, c: list[Any]) -> _Piece:
        return _piece(c)

    def sql(self, c: list[Any]) -> ast.Sql:
        return _sql(c)

    arg = sql

    def where(self, c: list[Any]) -> ast.Sql:
        sql: ast.Sql = c[1]
        return sql

    # ---------------------------------------------------------------- formulas
    def number_expr(self, c: list[Any]) -> ast.NumberExpr:
        number: ast.Number = c[0]
        return ast.NumberExpr(number, number.span)

    def measure_ref(self, c: list[Any]) -> ast.MeasureRef:
        return ast.MeasureRef(_name(c[0]), _token_span(c[0]))

    def binary(self, c: list[Any]) -> ast.Binary:
        return ast.Binary(str(c[1]), c[0], c[2], _cover(c))

    def negate(self, c: list[Any]) -> ast.Negate:
        return ast.Negate(c[1], _cover(c))

    def group(self, c: list[Any]) -> Any:
        return c[1]

    def count_agg(self, c: list[Any]) -> ast.Aggregate:
        return ast.Aggregate("count", _name(c[2]), None, None, _opt(c, ast.Sql), _cover(c))

    def column_agg(self, c: list[Any]) -> ast.Aggregate:
        sqls = [x for x in c if isinstance(x, ast.Sql)]
        where = sqls[1] if len(sqls) > 1 else None
        return ast.Aggregate(str(c[0]), _name(c[2]), sqls[0], None, where, _cover(c))

    def short_agg(self, c: list[Any]) -> ast.Aggregate:
        column = _name(c[4])
        expr = ast.Sql(column.value, column.span)
        return ast.Aggregate(str(c[0]), _name(c[2]), expr, _opt(c, ast.Number),
                             _opt(c, ast.Sql), _cover(c))

    def percentile_agg(self, c: list[Any]) -> ast.Aggregate:
        sqls = [x for x in c if isinstance(x, ast.Sql)]
        where = sqls[1] if len(sqls) > 1 else None
        return ast.Aggregate("percentile", _name(c[2]), sqls[0], _opt(c, ast.Number), where,
                             _cover(c))

    def conversion(self, c: list[Any]) -> ast.Conversion:
        arrow = next(i for i, x in enumerate(c) if isinstance(x, Token) and x.type == "ARROW")
        before, after = c[:arrow], c[arrow + 1:]
        names = _tokens(c, "NAME")
        return ast.Conversion(
            _name(names[0]), _opt(before, ast.Sql), _name(names[1]), _opt(after, ast.Sql),
            _opt(c, ast.Duration), _name(names[-1]), _cover(c))

    # ---------------------------------------------------------------- statements
    def table_stmt(self, c: list[Any]) -> ast.TableStmt:
        return ast.TableStmt(tuple(_name(t) for t in _tokens(c, "NAME")), _cover(c))

    def time_stmt(self, c: list[Any]) -> ast.ColumnStmt:
        return ast.ColumnStmt("time", _name(c[1]), _cover(c))

    def key_stmt(self, c: list[Any]) -> ast.ColumnStmt:
        return ast.ColumnStmt("key", _name(c[1]), _cover(c))

    def entity_stmt(self, c: list[Any]) -> ast.EntityStmt:
        return ast.EntityStmt(_name(c[1]), _name(c[3]), _cover(c))

    def dimension_stmt(self, c: list[Any]) -> ast.DimensionStmt:
        return ast.DimensionStmt(_name(c[1]), _opt(c, ast.Sql), _cover(c))

    def valid_stmt(self, c: list[Any]) -> ast.ValidStmt:
        return ast.ValidStmt(_name(c[2]), _name(c[4]), _cover(c))

    def formula_stmt(self, c: list[Any]) -> ast.FormulaStmt:
        return ast.FormulaStmt(c[1], _cover(c))

    def word_stmt(self, c: list[Any]) -> ast.WordStmt:
        return ast.WordStmt(str(c[0]), _name(c[1]), _cover(c))

    def window_stmt(self, c: list[Any]) -> ast.WindowStmt:
        return ast.WindowStmt(c[1], _cover(c))

    def cumulative_stmt(self, c: list[Any]) -> ast.FlagStmt:
        return ast.FlagStmt("cumulative", _cover(c))

    def dimensions_stmt(self, c: list[Any]) -> ast.NamesStmt:
        return ast.NamesStmt("dimensions", c[1], _cover(c[:1] + list(c[1])))

    def measures_stmt(self, c: list[Any]) -> ast.NamesStmt:
        return ast.NamesStmt("measures", c[1], _cover(c[:1] + list(c[1])))

    def stage_stmt(self, c: list[Any]) -> ast.StageStmt:
        return ast.StageStmt(_name(c[1]), _name(c[3]), _cover(c))

    def text_stmt(self, c: list[Any]) -> ast.TextStmt:
        return ast.TextStmt(str(c[0]), _text(c[1]), _cover(c))

    def measure_target_stmt(self, c: list[Any]) -> ast.TargetStmt:
        return ast.TargetStmt(c[1], _cover(c))

    def drives_stmt(self, c: list[Any]) -> ast.DrivesStmt:
        effect = next((_name(t) for i, t in enumerate(c)
                       if isinstance(t, Token) and t.type == "NAME" and i > 1), None)
        return ast.DrivesStmt(_name(c[1]), _opt(c, ast.Duration), effect, _cover(c))

    def allow_stmt(self, c: list[Any]) -> ast.AllowStmt:
        return ast.AllowStmt(_name(c[1]), _text(c[2]), _cover(c))

    def north_star_stmt(self, c: list[Any]) -> ast.NorthStarStmt:
        return ast.NorthStarStmt(_name(c[1]), _cover(c))

    def objective_target_stmt(self, c: list[Any]) -> ast.ObjectiveTargetStmt:
        date = next((ast.DateLit(str(t), _token_span(t)) for t in _tokens(c, "DATE")), None)
        return ast.ObjectiveTargetStmt(_name(c[1]), str(c[2]), c[3], date, _cover(c))

    # ---------------------------------------------------------------- declarations
    @staticmethod
    def _head(c: list[Any]) -> tuple[ast.Name, ast.Text | None, list[Any]]:
        label = c[2] if isinstance(c[2], ast.Text) else None
        body = c[(4 if label else 3):-1]
        return _name(c[1]), label, body

    def stage_decl(self, c: list[Any]) -> ast.StageDecl:
        return ast.StageDecl(_name(c[1]), c[2] if len(c) > 2 else None, _cover(c))

    def journey(self, c: list[Any]) -> ast.JourneyDecl:
        name, label, body = self._head(c)
        return ast.JourneyDecl(name, label, tuple(body), _cover(c))

    def source(self, c: list[Any]) -> ast.SourceDecl:
        name, label, body = self._head(c)
        return ast.SourceDecl(name, label, tuple(body), _cover(c))

    def measure(self, c: list[Any]) -> ast.MeasureDecl:
        name, label, body = self._head(c)
        return ast.MeasureDecl(name, label, tuple(body), _cover(c))

    def strategy(self, c: list[Any]) -> ast.StrategyDecl:
        name, label, body = self._head(c)
        return ast.StrategyDecl(name, label, tuple(body), _cover(c))

    def objective(self, c: list[Any]) -> ast.ObjectiveDecl:
        name, label, body = self._head(c)
        return ast.ObjectiveDecl(name, label, tuple(body), _cover(c))

    def start(self, c: list[Any]) -> list[Any]:
        return list(c)
