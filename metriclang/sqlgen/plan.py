"""Model -> :class:`MeasurePlan`: what to compute, with no SQL dialect in sight.

A plan lists the *leaves* of a measure (aggregates and conversions, with measure references
expanded at the referring measure's grain and dimensions), how each leaf is computed over time
(``Leaf.strategy``) and the value formula over the leaves. ``build.py`` turns it into SQL.

>>> from metriclang.sqlgen.plan import window_periods
>>> window_periods("day", 7, "day"), window_periods("month", 1, "quarter"), window_periods(
...     "month", 30, "day")
(7, 3, None)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlglot import exp

from metriclang.diagnostics import Diagnostic, error
from metriclang.semantic import model as m
from metriclang.source import Span

#: Aggregates that can be re-aggregated from per-period partials (sum of sums, max of maxes).
DECOMPOSABLE = {"count": "sum", "sum": "sum", "min": "min", "max": "max"}
#: Aggregates whose value over a period with no rows is 0 rather than NULL.
ZERO_WHEN_EMPTY = frozenset({"count", "count_distinct", "sum"})
#: Months per grain (None for day and week, which are counted in days).
_MONTHS = {"month": 1, "quarter": 3, "year": 12}
_DAYS = {"day": 1, "week": 7}


def window_periods(grain: str, amount: int, unit: str) -> int | None:
    """How many whole periods of ``grain`` a window of ``amount unit`` spans, if whole."""
    if grain in _DAYS and unit in _DAYS:
        days = amount * _DAYS[unit]
        return days // _DAYS[grain] if days % _DAYS[grain] == 0 else None
    if grain in _MONTHS and unit in _MONTHS:
        months = amount * _MONTHS[unit]
        return months // _MONTHS[grain] if months % _MONTHS[grain] == 0 else None
    return None


@dataclass(frozen=True)
class Leaf:
    """One aggregate or conversion, computed per period (and dimensions) of the plan.

    ``strategy``: ``period`` (grouped per period), ``rows`` (per-period partials combined over
    the last ``periods`` periods of the dense date spine), ``running`` (partials combined over
    all periods so far), ``first_seen`` (cumulative distinct count: each value counted in the
    period it first appears), ``range`` (rows joined to each period's trailing time range), or
    ``conversion``.
    """

    func: str
    source: str
    expr: exp.Expr | None
    where: exp.Expr | None
    fraction: Decimal | None
    strategy: str
    periods: int = 1
    window: m.Duration | None = None
    conversion: m.Conv | None = None

    @property
    def zero_when_empty(self) -> bool:
        return self.func in ZERO_WHEN_EMPTY

    @property
    def key(self) -> tuple[object, ...]:
        """What the SQL depends on (no source positions): equal keys give equal SQL."""
        window = (self.window.amount, self.window.unit) if self.window else None
        conv = self.conversion
        conv_key = (
            (
                conv.from_source,
                conv.from_where,
                conv.to_source,
                conv.to_where,
                conv.within.amount,
                conv.within.unit,
                conv.entity,
            )
            if conv
            else None
        )
        return (
            self.func,
            self.source,
            self.expr,
            self.where,
            self.fraction,
            self.strategy,
            self.periods,
            window,
            conv_key,
        )


@dataclass(frozen=True)
class LeafRef:
    """A leaf's value inside a value formula."""

    index: int


@dataclass(frozen=True)
class Num:
    value: Decimal


@dataclass(frozen=True)
class Arith:
    op: str
    left: Value
    right: Value


@dataclass(frozen=True)
class Minus:
    operand: Value


Value = LeafRef | Num | Arith | Minus


@dataclass(frozen=True)
class Output:
    """One output column: ``value`` for a measure, the measure's name in a fused query."""

    column: str
    value: Value


@dataclass(frozen=True)
class MeasurePlan:
    """Everything needed to build the query, independent of the dialect."""

    name: str
    grain: str
    dimensions: tuple[str, ...]
    sources: tuple[str, ...]
    leaves: tuple[Leaf, ...]
    outputs: tuple[Output, ...]
    span: Span

    @property
    def key(self) -> tuple[object, ...]:
        """What the SQL depends on: plans of different measures with equal keys share SQL."""
        return (
            self.grain,
            self.dimensions,
            self.sources,
            tuple(leaf.key for leaf in self.leaves),
            self.outputs,
        )

    @property
    def lookback(self) -> int:
        """Periods before the first output period the ``rows`` leaves need."""
        return max((leaf.periods - 1 for leaf in self.leaves if leaf.strategy == "rows"), default=0)


class _Planner:
    def __init__(self, project: m.Project, grain: str, dims: tuple[str, ...], at: Span) -> None:
        self.project, self.grain, self.dims, self.at = project, grain, dims, at
        self.leaves: list[Leaf] = []
        self.diagnostics: list[Diagnostic] = []

    def leaf(self, leaf: Leaf) -> LeafRef:
        if leaf not in self.leaves:
            self.leaves.append(leaf)
        return LeafRef(self.leaves.index(leaf))

    def value(self, node: m.Expr, measure: m.Measure, seen: tuple[str, ...]) -> Value | None:
        match node:
            case m.Const(value=v):
                return Num(v)
            case m.Ref(measure=name):
                ref = self.project.measures.get(name)
                if ref is None or ref.formula is None or name in seen:
                    self.diagnostics.append(
                        error("E180", f"measure `{name}` cannot be compiled", node.span)
                    )
                    return None
                return self.value(ref.formula, ref, (*seen, name))
            case m.Agg():
                return self.aggregate(node, measure)
            case m.Conv():
                if measure.window or measure.cumulative:
                    self.diagnostics.append(
                        error(
                            "E183",
                            "a conversion cannot be combined with `window` or `cumulative`",
                            node.span,
                            "compute the conversion per period; compare periods in a dashboard",
                        )
                    )
                    return None
                return self.leaf(
                    Leaf(
                        "conversion",
                        node.from_source,
                        None,
                        None,
                        None,
                        "conversion",
                        conversion=node,
                    )
                )
            case m.BinOp(op=op, left=left, right=right):
                lhs, rhs = self.value(left, measure, seen), self.value(right, measure, seen)
                return Arith(op, lhs, rhs) if lhs is not None and rhs is not None else None
            case m.Neg(operand=operand):
                inner = self.value(operand, measure, seen)
                return Minus(inner) if inner is not None else None
        raise TypeError(node)

    def aggregate(self, agg: m.Agg, measure: m.Measure) -> Value:
        source = self.project.sources[agg.source]
        expr = _substitute(agg.expr, source) if agg.expr is not None else None
        where = _substitute(agg.where, source) if agg.where is not None else None
        if agg.func == "avg":
            total = self.aggregate(m.Agg("sum", agg.source, expr, where, None, agg.span), measure)
            count = self.aggregate(m.Agg("count", agg.source, expr, where, None, agg.span), measure)
            return (
                Arith("/", total, count)
                if measure.window or measure.cumulative
                else self.leaf(Leaf("avg", agg.source, expr, where, None, "period"))
            )
        func, fraction = agg.func, agg.percentile
        if func == "median":
            func, fraction = "percentile", Decimal("0.5")
        if measure.cumulative:
            strategy = (
                "running"
                if func in DECOMPOSABLE
                else ("first_seen" if func == "count_distinct" else "range")
            )
            return self.leaf(Leaf(func, agg.source, expr, where, fraction, strategy))
        if measure.window:
            w = measure.window
            n = window_periods(self.grain, w.amount, w.unit)
            if n is not None and func in DECOMPOSABLE:
                return self.leaf(Leaf(func, agg.source, expr, where, fraction, "rows", n))
            return self.leaf(Leaf(func, agg.source, expr, where, fraction, "range", window=w))
        return self.leaf(Leaf(func, agg.source, expr, where, fraction, "period"))


def _substitute(tree: exp.Expression, source: m.Source) -> exp.Expression:
    """Replace unqualified column names that name a computed dimension by its expression."""
    computed = {
        d.name: d.expr
        for d in source.dimensions
        if not (isinstance(d.expr, exp.Column) and d.expr.name == d.name)
    }
    if not computed:
        return tree

    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table and node.name in computed:
            return exp.paren(computed[node.name].copy(), copy=False)
        return node

    return tree.copy().transform(swap, copy=False)


def _check_dimensions(
    project: m.Project, dims: tuple[str, ...], sources: tuple[str, ...], measure: m.Measure
) -> list[Diagnostic]:
    problems = []
    for name in dims:
        if m.collides_with_output(name):
            problems.append(
                error(
                    "E184",
                    f"dimension `{name}` has the name of a column of the generated SQL",
                    measure.at("dimensions"),
                    "rename the dimension in its source",
                )
            )
        for src in sources:
            if project.sources[src].dimension(name) is None:
                problems.append(
                    error(
                        "E181",
                        f"source `{src}` has no dimension `{name}`",
                        measure.at("dimensions"),
                    )
                )
    return problems


def plan_measures(
    project: m.Project, names: tuple[str, ...], columns: tuple[str, ...]
) -> tuple[MeasurePlan | None, list[Diagnostic]]:
    """One plan computing several measures of the same grain and dimensions (one output each).

    ``plan_measure`` is the one-measure case; fused queries pass several names.
    """
    first = project.measures[names[0]]
    planner = _Planner(project, first.grain, first.dimensions, first.name_span)
    outputs = []
    for name, column in zip(names, columns, strict=True):
        measure = project.measures[name]
        if measure.formula is None:
            planner.diagnostics.append(
                error("E180", f"measure `{name}` has no valid formula", measure.name_span)
            )
            continue
        try:
            value = planner.value(measure.formula, measure, (name,))
        except RecursionError:  # a chain of hundreds of measures or terms: report, don't crash
            planner.diagnostics.append(
                error(
                    "E106",
                    f"measure `{name}` is nested too deeply to compile (its formula and "
                    "the measures it uses)",
                    measure.name_span,
                    "split it into several measures",
                )
            )
            continue
        if value is not None:
            outputs.append(Output(column, value))
    sources = tuple(
        sorted(
            {leaf.source for leaf in planner.leaves}
            | {leaf.conversion.to_source for leaf in planner.leaves if leaf.conversion}
        )
    )
    planner.diagnostics += _check_dimensions(project, first.dimensions, sources, first)
    if not planner.leaves and not planner.diagnostics:
        planner.diagnostics.append(
            error(
                "E186",
                f"measure `{first.name}` aggregates no source, so it has no periods",
                first.at("formula"),
                "use at least one aggregate such as `count(orders)`",
            )
        )
    if planner.diagnostics:
        return None, planner.diagnostics
    return MeasurePlan(
        first.name,
        first.grain,
        first.dimensions,
        sources,
        tuple(planner.leaves),
        tuple(outputs),
        first.name_span,
    ), []


def plan_measure(project: m.Project, name: str) -> tuple[MeasurePlan | None, list[Diagnostic]]:
    """The plan of one measure, whose single output column is ``value``."""
    return plan_measures(project, (name,), ("value",))


def dump_plan(plan: MeasurePlan, dialect: str = "duckdb") -> str:
    """A plan as stable JSON text (SQL fragments in ``dialect``), to pin a bug to this stage."""
    import json

    from metriclang.dump import to_data

    return json.dumps(to_data(plan, dialect), ensure_ascii=False, indent=2) + "\n"
