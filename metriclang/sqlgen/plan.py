"""Model -> :class:`MeasurePlan`: what to compute, with no SQL dialect in sight.

A plan lists the *leaves* of a measure (aggregates and conversions, with measure references
expanded at the referring measure's grain and dimensions), how each leaf is computed over time
(``Leaf.strategy``) and the value formula over the leaves. A referenced measure is planned
once: used once, its value is written in place; used more than once (or nested deeper than
:data:`MAX_INLINE_DEPTH`), it becomes one *shared* value that the query computes once, so the
plan (and the SQL) grows with the number of distinct measures, never with the number of paths
through them. ``build`` turns it into a sqlglot tree.

>>> [str(s) for s in Strategy]
['period', 'rows', 'running', 'first_seen', 'range', 'conversion']
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from sqlglot import exp

from metriclang.diagnostics import Diagnostic, error
from metriclang.periods import window_periods
from metriclang.semantic import model as m
from metriclang.semantic.joins import JoinPath, column_name, references, resolve_path
from metriclang.source import Span

#: Aggregates that can be re-aggregated from per-period partials (sum of sums, max of maxes).
DECOMPOSABLE = {"count": "sum", "sum": "sum", "min": "min", "max": "max"}
#: Aggregates whose value over a period with no rows is 0 rather than NULL.
ZERO_WHEN_EMPTY = frozenset({"count", "count_distinct", "sum"})
#: Deepest value (in operators) written in place of a measure used once; deeper ones are
#: shared, so no expression in the SQL nests deeper than this plus one formula.
MAX_INLINE_DEPTH = 32


class Strategy(StrEnum):
    """How a leaf is computed over time (a string: plan dumps show its value)."""

    #: Grouped per period.
    PERIOD = "period"
    #: Per-period partials combined over the last ``Leaf.periods`` periods of the dense spine.
    ROWS = "rows"
    #: Per-period partials combined over all periods so far.
    RUNNING = "running"
    #: Cumulative distinct count: each value counted in the period it first appears.
    FIRST_SEEN = "first_seen"
    #: Rows joined to each period's trailing time range (or whole history).
    RANGE = "range"
    #: Share of entities reaching a second event within a duration.
    CONVERSION = "conversion"

    @property
    def windowed(self) -> bool:
        """Combined over several periods by a window function over the dense frame."""
        return self in (Strategy.ROWS, Strategy.RUNNING, Strategy.FIRST_SEEN)

    @property
    def scanned(self) -> bool:
        """Computed from the grouped scan its source's leaves share (per-period partials)."""
        return self in (Strategy.PERIOD, Strategy.ROWS, Strategy.RUNNING)


@dataclass(frozen=True)
class Leaf:
    """One aggregate or conversion, computed per period (and dimensions) of the plan, as its
    ``strategy`` says."""

    func: str
    source: str
    expr: exp.Expr | None
    where: exp.Expr | None
    fraction: Decimal | None
    strategy: Strategy
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
class SharedRef:
    """A shared value (``MeasurePlan.shared``) inside a value formula."""

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


Value = LeafRef | SharedRef | Num | Arith | Minus


@dataclass(frozen=True)
class Shared:
    """The value of ``measure``, computed once and used by every formula that names it.

    Its value only refers to shared values listed before it.
    """

    measure: str
    value: Value


@dataclass(frozen=True)
class Output:
    """One output column: ``value`` for a measure, the measure's name in a fused query."""

    column: str
    value: Value


def _source_key(source: m.Source) -> tuple[object, ...]:
    """What the SQL reads of a source: its table, columns, entities and dimensions."""
    return (source.name, source.table, source.time_column, source.key, source.valid,
            tuple((e.name, e.column) for e in source.entities),
            tuple((d.name, d.expr) for d in source.dimensions))


@dataclass(frozen=True)
class MeasurePlan:
    """Everything needed to build the query, independent of the dialect."""

    name: str
    grain: str
    dimensions: tuple[str, ...]
    sources: tuple[str, ...]
    leaves: tuple[Leaf, ...]
    shared: tuple[Shared, ...]
    outputs: tuple[Output, ...]
    span: Span
    #: Per source read, the dimensions its rows reach through entities (sorted by column).
    joins: tuple[tuple[str, tuple[JoinPath, ...]], ...] = ()

    @property
    def key(self) -> tuple[object, ...]:
        """What the SQL depends on: plans of different measures with equal keys share SQL."""
        return (
            self.grain,
            self.dimensions,
            self.sources,
            tuple(leaf.key for leaf in self.leaves),
            tuple(s.value for s in self.shared),
            self.outputs,
            self.joins,
        )

    def inputs(self, project: m.Project) -> tuple[object, ...]:
        """What the SQL reads of the project besides :attr:`key` (no source positions): every
        source the plan reads or joins a dimension source through, with what the SQL takes of
        it. Equal keys and inputs give equal SQL, in this process or another."""
        joined = {hop.source for _, paths in self.joins for path in paths for hop in path.hops}
        return tuple(_source_key(project.sources[s]) for s in sorted({*self.sources, *joined}))

    def made_of(self, project: m.Project) -> tuple[object, ...]:
        """:meth:`inputs` and :attr:`key`: what the plan's SQL is a function of, besides the
        dialect and the date range."""
        return self.inputs(project), self.key

    def paths(self, source: str) -> tuple[JoinPath, ...]:
        """The joined dimensions rows of ``source`` carry (none: the table is read alone)."""
        return next((paths for name, paths in self.joins if name == source), ())

    @property
    def lookback(self) -> int:
        """Periods before the first output period the ``rows`` leaves need."""
        return max(
            (leaf.periods - 1 for leaf in self.leaves if leaf.strategy is Strategy.ROWS), default=0
        )


#: A planned value and its depth in operators.
_Planned = tuple[Value, int]
#: Plans one formula; yields the name of a measure that must be planned before it goes on.
_Steps = Generator[str, None, _Planned | None]


class _Planner:
    """Plans formulas into leaves and values; every measure's formula is planned at most once."""

    def __init__(self, project: m.Project, grain: str, roots: tuple[str, ...]) -> None:
        self.project, self.grain, self.roots = project, grain, frozenset(roots)
        self.leaves: list[Leaf] = []
        self.indexes: dict[Leaf, int] = {}
        self.shared: list[Shared] = []
        self.planned: dict[str, _Planned | None] = {}
        self.active: set[str] = set()  # measures being planned: naming one again is a cycle
        self.named = _count_references(project, roots)
        self.diagnostics: list[Diagnostic] = []
        #: source -> the joined dimensions its fragments name (by output column)
        self.paths: dict[str, dict[str, JoinPath]] = {}

    def joined(self, tree: exp.Expression | None, source: str) -> exp.Expression | None:
        """``tree`` with each path (``customer.segment``) read as its joined column; the
        path is remembered for the source's rows (the resolver has checked it)."""
        if tree is None:
            return None
        found = list(references(tree, self.project.sources[source]))
        if not found:
            return tree
        tree = tree.copy()
        for node, parts in references(tree, self.project.sources[source]):
            path = resolve_path(self.project.sources, source, parts)
            assert isinstance(path, JoinPath)
            self.paths.setdefault(source, {})[path.column] = path
            node.replace(exp.column(path.column))
        return tree

    def leaf(self, leaf: Leaf) -> LeafRef:
        index = self.indexes.setdefault(leaf, len(self.leaves))
        if index == len(self.leaves):
            self.leaves.append(leaf)
        return LeafRef(index)

    def plan(self, name: str) -> _Planned | None:
        """The value of measure ``name`` (a compilable one) where it is used.

        Measures it names are planned first, each once, on an explicit stack rather than by
        recursion, so a chain of references may be any length. Leaves are numbered in the
        order a left-to-right reading of the formulas meets them.
        """
        if name in self.planned:
            return self.planned[name]
        self.active.add(name)
        stack = [(name, self.measure(name))]
        while stack:
            current, steps = stack[-1]
            try:
                wanted = steps.send(None)
            except StopIteration as done:
                stack.pop()
                self.active.discard(current)
                self.planned[current] = self.share(current, done.value)
                continue
            self.active.add(wanted)
            stack.append((wanted, self.measure(wanted)))
        return self.planned[name]

    def measure(self, name: str) -> _Steps:
        measure = self.project.measures[name]
        assert measure.formula is not None
        return (yield from self.value(measure.formula, measure))

    def share(self, name: str, planned: _Planned | None) -> _Planned | None:
        """A measure's value as its users see it: in place, or shared when used more than once
        (an output counts as a use) or, named by another formula, deeper than the limit."""
        if planned is None or isinstance(planned[0], (LeafRef, SharedRef, Num)):
            return planned
        uses = self.named.get(name, 0) + (name in self.roots)
        if uses < 2 and (planned[1] <= MAX_INLINE_DEPTH or name in self.roots):
            return planned
        self.shared.append(Shared(name, planned[0]))
        return SharedRef(len(self.shared) - 1), 0

    def value(self, node: m.Expr, measure: m.Measure) -> _Steps:
        match node:
            case m.Const(value=v):
                return Num(v), 0
            case m.Ref(measure=name):
                if not _compilable(self.project, name) or name in self.active:
                    self.diagnostics.append(
                        error("E180", f"measure `{name}` cannot be compiled", node.span)
                    )
                    return None
                if name not in self.planned:
                    yield name
                return self.planned[name]  # None: its problems are already reported
            case m.Agg():
                total = self.aggregate(node, measure)
                return total, 1 if isinstance(total, Arith) else 0
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
                conv = replace(
                    node,
                    from_where=self.joined(node.from_where, node.from_source),
                    to_where=self.joined(node.to_where, node.to_source),
                )
                leaf = Leaf(
                    "conversion",
                    node.from_source,
                    None,
                    None,
                    None,
                    Strategy.CONVERSION,
                    conversion=conv,
                )
                return self.leaf(leaf), 0
            case m.BinOp(op=op, left=left, right=right):
                lhs = yield from self.value(left, measure)
                rhs = yield from self.value(right, measure)
                if lhs is None or rhs is None:
                    return None
                return Arith(op, lhs[0], rhs[0]), 1 + max(lhs[1], rhs[1])
            case m.Neg(operand=operand):
                inner = yield from self.value(operand, measure)
                return (Minus(inner[0]), 1 + inner[1]) if inner is not None else None
        raise TypeError(node)

    def aggregate(self, agg: m.Agg, measure: m.Measure) -> Value:
        source = self.project.sources[agg.source]
        expr = _substitute(agg.expr, source) if agg.expr is not None else None
        where = _substitute(agg.where, source) if agg.where is not None else None
        expr, where = self.joined(expr, agg.source), self.joined(where, agg.source)
        if agg.func == "avg":
            total = self.aggregate(m.Agg("sum", agg.source, expr, where, None, agg.span), measure)
            count = self.aggregate(m.Agg("count", agg.source, expr, where, None, agg.span), measure)
            return (
                Arith("/", total, count)
                if measure.window or measure.cumulative
                else self.leaf(Leaf("avg", agg.source, expr, where, None, Strategy.PERIOD))
            )
        func, fraction = agg.func, agg.percentile
        if func == "median":
            func, fraction = "percentile", Decimal("0.5")
        if measure.cumulative:
            strategy = (
                Strategy.RUNNING
                if func in DECOMPOSABLE
                else (Strategy.FIRST_SEEN if func == "count_distinct" else Strategy.RANGE)
            )
            return self.leaf(Leaf(func, agg.source, expr, where, fraction, strategy))
        if measure.window:
            w = measure.window
            n = window_periods(self.grain, w.amount, w.unit)
            if n is not None and func in DECOMPOSABLE:
                return self.leaf(Leaf(func, agg.source, expr, where, fraction, Strategy.ROWS, n))
            return self.leaf(
                Leaf(func, agg.source, expr, where, fraction, Strategy.RANGE, window=w)
            )
        return self.leaf(Leaf(func, agg.source, expr, where, fraction, Strategy.PERIOD))


def _compilable(project: m.Project, name: str) -> bool:
    measure = project.measures.get(name)
    return measure is not None and measure.formula is not None


def _count_references(project: m.Project, roots: tuple[str, ...]) -> dict[str, int]:
    """How many times each measure is named in the formulas of the measures ``roots`` use,
    directly or not (each formula read once)."""
    named: dict[str, int] = {}
    seen, todo = set(roots), list(roots)
    while todo:
        formula = project.measures[todo.pop()].formula
        for node in m.walk(formula) if formula is not None else ():
            if isinstance(node, m.Ref) and _compilable(project, node.measure):
                named[node.measure] = named.get(node.measure, 0) + 1
                if node.measure not in seen:
                    seen.add(node.measure)
                    todo.append(node.measure)
    return named


def _substitute(tree: exp.Expression, source: m.Source) -> exp.Expression:
    """A copy of ``tree`` (the plan's own: the trees built from it are rendered, which changes
    them in place) with each unqualified column naming a computed dimension replaced by its
    expression."""
    computed = {
        d.name: d.expr
        for d in source.dimensions
        if not (isinstance(d.expr, exp.Column) and d.expr.name == d.name)
    }

    def named(node: exp.Expr) -> bool:
        return isinstance(node, exp.Column) and not node.table and node.name in computed

    def swap(node: exp.Expression) -> exp.Expression:
        return exp.paren(computed[node.name].copy(), copy=False) if named(node) else node

    if not computed or not any(map(named, tree.walk())):
        return tree.copy()
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
                    f"dimension `{name}` has a name reserved for the output",
                    measure.at("dimensions"),
                    "rename the dimension in its source",
                )
            )
        for src in sources:
            if "." in name:
                if not isinstance(resolve_path(project.sources, src, name.split(".")), JoinPath):
                    problems.append(
                        error(
                            "E181",
                            f"source `{src}` does not reach dimension `{name}`",
                            measure.at("dimensions"),
                        )
                    )
            elif project.sources[src].dimension(name) is None:
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
    planner = _Planner(project, first.grain, names)
    outputs = []
    for name, column in zip(names, columns, strict=True):
        measure = project.measures[name]
        if measure.formula is None:
            planner.diagnostics.append(
                error("E180", f"measure `{name}` has no valid formula", measure.name_span)
            )
            continue
        planned = planner.plan(name)
        if planned is not None:
            outputs.append(Output(column, planned[0]))
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
    for leaf in planner.leaves:  # every source grouped by the dimensions reaches them
        for name in first.dimensions:
            if "." in name:
                path = resolve_path(project.sources, leaf.source, name.split("."))
                assert isinstance(path, JoinPath)
                planner.paths.setdefault(leaf.source, {})[path.column] = path
    joins = tuple(
        (src, tuple(paths[c] for c in sorted(paths)))
        for src, paths in sorted(planner.paths.items())
    )
    return MeasurePlan(
        first.name,
        first.grain,
        tuple(column_name(d) for d in first.dimensions),
        sources,
        tuple(planner.leaves),
        tuple(planner.shared),
        tuple(outputs),
        first.name_span,
        joins,
    ), []


def plan_measure(project: m.Project, name: str) -> tuple[MeasurePlan | None, list[Diagnostic]]:
    """The plan of one measure, whose single output column is ``value``."""
    return plan_measures(project, (name,), ("value",))


def dump_plan(plan: MeasurePlan, dialect: str = "duckdb") -> str:
    """A plan as stable JSON text (SQL fragments in ``dialect``), to pin a bug to this stage."""
    import json

    from metriclang.dump import to_data

    return json.dumps(to_data(plan, dialect), ensure_ascii=False, indent=2) + "\n"
