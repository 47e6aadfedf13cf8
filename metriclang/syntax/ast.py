"""The syntax tree: a faithful, frozen image of one ``.osm`` file.

Nothing is resolved here: names are plain identifiers, statements keep their order and may
repeat (the resolver reports repeats). Every node keeps the span of the text it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from metriclang.source import Span


@dataclass(frozen=True, slots=True)
class Name:
    """An identifier as written, with its span."""

    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class Text:
    """A double-quoted string, unescaped."""

    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class Number:
    """A number or percentage as written (``35%`` has value 0.35)."""

    text: str
    value: Decimal
    percent: bool
    span: Span


@dataclass(frozen=True, slots=True)
class Duration:
    """``<amount> <unit>`` as written; validated by the resolver."""

    amount: str
    unit: Name
    span: Span


@dataclass(frozen=True, slots=True)
class DateLit:
    """A ``YYYY-MM-DD`` literal as written; validated by the resolver."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Sql:
    """A SQL fragment (row expression or condition) kept as raw text."""

    text: str
    span: Span


# ------------------------------------------------------------------ formulas


@dataclass(frozen=True, slots=True)
class NumberExpr:
    number: Number
    span: Span


@dataclass(frozen=True, slots=True)
class MeasureRef:
    name: Name
    span: Span


@dataclass(frozen=True, slots=True)
class Aggregate:
    """``func(source[, expr][, p] [where cond])``; ``count`` has no expr."""

    func: str
    source: Name
    expr: Sql | None
    percentile: Number | None
    where: Sql | None
    span: Span


@dataclass(frozen=True, slots=True)
class Conversion:
    """``conversion(FROM [where] -> TO [where], within D, by ENTITY)``."""

    from_source: Name
    from_where: Sql | None
    to_source: Name
    to_where: Sql | None
    within: Duration
    entity: Name
    span: Span


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Formula
    right: Formula
    span: Span


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Formula
    span: Span


Formula = NumberExpr | MeasureRef | Aggregate | Conversion | Binary | Negate


# ------------------------------------------------------------------ statements


@dataclass(frozen=True, slots=True)
class TableStmt:
    parts: tuple[Name, ...]
    span: Span

    @property
    def dotted(self) -> str:
        return ".".join(p.value for p in self.parts)


@dataclass(frozen=True, slots=True)
class ColumnStmt:
    """``time COLUMN`` or ``key COLUMN``."""

    keyword: str
    column: Name
    span: Span


@dataclass(frozen=True, slots=True)
class EntityStmt:
    name: Name
    column: Name
    span: Span


@dataclass(frozen=True, slots=True)
class DimensionStmt:
    name: Name
    expr: Sql | None
    span: Span


@dataclass(frozen=True, slots=True)
class ValidStmt:
    """``valid from COLUMN to COLUMN``: the rows of a type-2 dimension source are versions."""

    from_column: Name
    to_column: Name
    span: Span


@dataclass(frozen=True, slots=True)
class FormulaStmt:
    formula: Formula
    span: Span


@dataclass(frozen=True, slots=True)
class WordStmt:
    """``kind``, ``perspective``, ``grain`` or ``direction`` followed by a word."""

    keyword: str
    word: Name
    span: Span


@dataclass(frozen=True, slots=True)
class WindowStmt:
    duration: Duration
    span: Span


@dataclass(frozen=True, slots=True)
class FlagStmt:
    """A statement without arguments (``cumulative``)."""

    keyword: str
    span: Span


@dataclass(frozen=True, slots=True)
class NamesStmt:
    """``dimensions A, B`` or ``measures A, B``; a dimension reached through entities is one
    name whose value keeps its dots (``customer.segment``)."""

    keyword: str
    names: tuple[Name, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class StageStmt:
    journey: Name
    stage: Name
    span: Span


@dataclass(frozen=True, slots=True)
class TextStmt:
    """``unit``, ``owner``, ``description`` or ``hypothesis`` followed by a string."""

    keyword: str
    text: Text
    span: Span


@dataclass(frozen=True, slots=True)
class TargetStmt:
    """A measure's ``target NUMBER``."""

    value: Number
    span: Span


@dataclass(frozen=True, slots=True)
class DrivesStmt:
    target: Name
    lag: Duration | None
    effect: Name | None
    span: Span


@dataclass(frozen=True, slots=True)
class AllowStmt:
    code: Name
    reason: Text
    span: Span


@dataclass(frozen=True, slots=True)
class NorthStarStmt:
    measure: Name
    span: Span


@dataclass(frozen=True, slots=True)
class ObjectiveTargetStmt:
    measure: Name
    op: str
    value: Number
    by: DateLit | None
    span: Span


# ------------------------------------------------------------------ declarations


@dataclass(frozen=True, slots=True)
class StageDecl:
    name: Name
    label: Text | None
    span: Span


@dataclass(frozen=True, slots=True)
class JourneyDecl:
    name: Name
    label: Text | None
    stages: tuple[StageDecl, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class SourceDecl:
    name: Name
    label: Text | None
    statements: tuple[TableStmt | ColumnStmt | EntityStmt | DimensionStmt | ValidStmt, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class MeasureDecl:
    name: Name
    label: Text | None
    statements: tuple[object, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class StrategyDecl:
    name: Name
    label: Text | None
    statements: tuple[object, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class ObjectiveDecl:
    name: Name
    label: Text | None
    statements: tuple[object, ...]
    span: Span


Declaration = JourneyDecl | SourceDecl | MeasureDecl | ObjectiveDecl


@dataclass(frozen=True, slots=True)
class Comment:
    """A ``#`` comment (kept for the formatter)."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class FileAST:
    """One parsed file: its declarations in order, its comments, and the names of the
    declarations (strategies included) whose text failed to parse, so that references to them
    are not reported as unknown as well."""

    path: str
    declarations: tuple[Declaration, ...]
    comments: tuple[Comment, ...]
    broken: tuple[Name, ...] = ()


#: The keyword of each statement type that has only one (the others carry theirs).
_KEYWORDS: dict[type, str] = {
    TableStmt: "table", EntityStmt: "entity", DimensionStmt: "dimension", ValidStmt: "valid",
    FormulaStmt: "formula", WindowStmt: "window", StageStmt: "stage",
    TargetStmt: "target", ObjectiveTargetStmt: "target", DrivesStmt: "drives",
    AllowStmt: "allow", NorthStarStmt: "north_star", StrategyDecl: "strategy",
}
_WITH_KEYWORD = (ColumnStmt, WordStmt, FlagStmt, NamesStmt, TextStmt)


def keyword_of(stmt: Any) -> str:
    """The keyword a statement starts with (a dictionary look-up: this runs for every one)."""
    keyword = _KEYWORDS.get(type(stmt))
    if keyword is not None:
        return keyword
    if isinstance(stmt, _WITH_KEYWORD):
        return stmt.keyword
    raise TypeError(stmt)
