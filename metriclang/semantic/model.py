"""The resolved model: what a project means, frozen, every element with its span.

Names are resolved against the whole project; SQL fragments are parsed sqlglot trees.
Unresolvable references are reported by the resolver and kept out of the model's links.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from sqlglot import exp

from metriclang.config import Config
from metriclang.periods import APPROX_DAYS
from metriclang.source import SourceFile, Span

KINDS = ("leading", "lagging")
PERSPECTIVES = ("customer", "financial", "process", "growth")
DIRECTIONS = ("up", "down")
EFFECTS = ("positive", "negative")


@dataclass(frozen=True)
class Duration:
    """A whole number of calendar units (``30 days``, ``1 month``)."""

    amount: int
    unit: str
    span: Span

    @property
    def approx_days(self) -> int:
        return self.amount * APPROX_DAYS[self.unit]

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}{'' if self.amount == 1 else 's'}"


# ------------------------------------------------------------------ formulas


@dataclass(frozen=True)
class Const:
    value: Decimal
    span: Span


@dataclass(frozen=True)
class Ref:
    """Another measure, evaluated at the referring measure's grain and dimensions."""

    measure: str
    span: Span


@dataclass(frozen=True)
class Agg:
    """An aggregate over one source: ``func(source, expr [where cond])``."""

    func: str
    source: str
    expr: exp.Expression | None
    where: exp.Expression | None
    percentile: Decimal | None
    span: Span


@dataclass(frozen=True)
class Conv:
    """Share of entities seen in ``from_source`` that reach ``to_source`` within ``within``."""

    from_source: str
    from_where: exp.Expression | None
    to_source: str
    to_where: exp.Expression | None
    within: Duration
    entity: str
    span: Span


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True)
class Neg:
    operand: Expr
    span: Span


Expr = Const | Ref | Agg | Conv | BinOp | Neg


def walk(expr: Expr) -> list[Expr]:
    """Every node of a formula, parents before children (iterative, any depth)."""
    out: list[Expr] = []
    stack = [expr]
    while stack:
        node = stack.pop()
        out.append(node)
        match node:
            case BinOp(left=left, right=right):
                stack += [right, left]
            case Neg(operand=operand):
                stack.append(operand)
    return out


# ------------------------------------------------------------------ declarations


@dataclass(frozen=True)
class Allow:
    code: str
    reason: str
    span: Span


@dataclass(frozen=True)
class Stage:
    journey: str
    name: str
    label: str | None
    span: Span

    @property
    def ref(self) -> str:
        return f"{self.journey}.{self.name}"


@dataclass(frozen=True)
class Journey:
    name: str
    label: str | None
    stages: tuple[Stage, ...]
    span: Span
    name_span: Span


@dataclass(frozen=True)
class Entity:
    name: str
    column: str
    span: Span


#: Columns every compiled measure outputs (``complete``: added by ``osm run`` and ``osm
#: query``), and the prefix of the generated SQL's own columns (``osm_t``, ``osm_l0``...): a
#: dimension named like one of them would collide (E184).
OUTPUT_COLUMNS = ("period", "value", "complete")
INTERNAL_PREFIX = "osm_"


def collides_with_output(name: str) -> bool:
    """Whether a dimension called ``name`` would clash with a column of the generated SQL.

    Case-insensitive: most warehouses fold unquoted names.

    >>> [collides_with_output(n) for n in ("Period", "VALUE", "complete", "osm_l0", "region")]
    [True, True, True, True, False]
    """
    lower = name.lower()
    return lower in OUTPUT_COLUMNS or lower.startswith(INTERNAL_PREFIX)


@dataclass(frozen=True)
class Dimension:
    """``dimension name [= expr]``; a bare dimension is the column of that name."""

    name: str
    expr: exp.Expression
    span: Span


class _Statements:
    """A declaration that remembers where each of its statements was written."""

    #: keyword -> span of its (first) statement, e.g. ``statements["grain"]``.
    statements: Mapping[str, Span]
    name_span: Span

    def at(self, keyword: str) -> Span:
        """The span of a statement, else of the declaration's name."""
        return self.statements.get(keyword, self.name_span)


@dataclass(frozen=True)
class Source(_Statements):
    name: str
    label: str | None
    table: tuple[str, ...]
    time_column: str
    key: str | None
    entities: tuple[Entity, ...]
    dimensions: tuple[Dimension, ...]
    span: Span
    name_span: Span
    #: ``valid from A to B`` (a type-2 dimension source: one row per version of an entity).
    valid: tuple[str, str] | None = None
    #: keyword -> span of its statement, e.g. ``statements["time"]`` (not in model dumps).
    statements: Mapping[str, Span] = field(default_factory=dict, compare=False,
                                         metadata={"dump": False})

    @property
    def keyed_entity(self) -> str | None:
        """The entity this source is the dimension source of: the one whose column is its key."""
        return next((e.name for e in self.entities if e.column == self.key), None)

    def entity(self, name: str) -> Entity | None:
        return next((e for e in self.entities if e.name == name), None)

    def dimension(self, name: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.name == name), None)


@dataclass(frozen=True)
class Drive:
    """``drives target [lag D] [effect positive|negative]`` (effect defaults to positive)."""

    target: str
    lag: Duration | None
    effect: str
    span: Span

    @property
    def sign(self) -> int:
        return -1 if self.effect == "negative" else 1


@dataclass(frozen=True)
class Measure(_Statements):
    name: str
    label: str | None
    formula: Expr | None
    kind: str | None
    perspective: str | None
    grain: str
    window: Duration | None
    cumulative: bool
    dimensions: tuple[str, ...]
    stage: str | None
    direction: str | None
    unit: str | None
    owner: str | None
    target: Decimal | None
    description: str | None
    drives: tuple[Drive, ...]
    allows: tuple[Allow, ...]
    span: Span
    name_span: Span
    #: keyword -> span of its (first) statement, e.g. ``statements["grain"]``.
    statements: Mapping[str, Span] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    measure: str
    op: str
    value: Decimal
    by: date | None
    span: Span


@dataclass(frozen=True)
class Strategy(_Statements):
    name: str
    label: str | None
    objective: str
    hypothesis: str | None
    stage: str | None
    owner: str | None
    description: str | None
    measures: tuple[str, ...]
    allows: tuple[Allow, ...]
    span: Span
    name_span: Span
    statements: Mapping[str, Span] = field(default_factory=dict)


@dataclass(frozen=True)
class Objective(_Statements):
    name: str
    label: str | None
    north_star: str | None
    targets: tuple[Target, ...]
    owner: str | None
    description: str | None
    strategies: tuple[Strategy, ...]
    allows: tuple[Allow, ...]
    span: Span
    name_span: Span
    statements: Mapping[str, Span] = field(default_factory=dict)


@dataclass(frozen=True)
class Project:
    """A whole project: every declaration by name (names are global)."""

    root: str
    files: tuple[SourceFile, ...]
    config: Config
    journeys: Mapping[str, Journey]
    sources: Mapping[str, Source]
    measures: Mapping[str, Measure]
    objectives: Mapping[str, Objective]

    def file(self, path: str) -> SourceFile | None:
        return self._files_by_path.get(path)

    @cached_property
    def _files_by_path(self) -> dict[str, SourceFile]:
        return {f.path: f for f in self.files}

    @property
    def strategies(self) -> tuple[Strategy, ...]:
        return tuple(s for o in self.objectives.values() for s in o.strategies)
