"""A resolved model as plain, span-free data: what each element means, field by field.

Two models mean the same when their canonical forms are equal, whatever the layout,
comments, statement order or file split. Formulas become one normalised SQL expression
(sqlglot), with every column qualified by its source, so whitespace, keyword case and
redundant parentheses are not changes. ``rename`` maps old names to new ones, so that
elements referring to a renamed one compare equal when nothing else changed.

>>> from metriclang.syntax.parser import parse_file
>>> from metriclang.semantic.resolve import resolve
>>> from metriclang.config import Config
>>> tree, _ = parse_file("a.osm", "source o { table t time ts }  measure m { "
...                      "formula sum(o.amount where (status = 'paid')) / count(o) }")
>>> project, _ = resolve([tree], [], ".", Config())
>>> elements(project)[("measure", "m")]["formula"]
"SUM(o.amount) FILTER(WHERE o.status = 'paid') / COUNT(o.*)"
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlglot import exp

from metriclang.semantic import model as m

#: Element kinds in report order.
KINDS = ("journey", "source", "measure", "objective", "strategy")
#: Fields that document an element without changing what it means (ignored for renames).
DOC_FIELDS = frozenset({"label", "description"})

Key = tuple[str, str]
Fields = dict[str, str | None]

_AGGS: dict[str, type[exp.Expression]] = {
    "sum": exp.Sum, "avg": exp.Avg, "min": exp.Min, "max": exp.Max, "median": exp.Median}
_BINOPS: dict[str, type[exp.Binary]] = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul, "/": exp.Div}
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}


def _qualified(tree: exp.Expr, source: str) -> exp.Expr:
    """A copy of a row expression with each bare column qualified by ``source``."""
    def qualify(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table:
            return exp.column(node.this.copy(), table=source)
        return node
    return tree.copy().transform(qualify)


def _filtered(agg: exp.Expr, where: exp.Expr | None, source: str) -> exp.Expr:
    if where is None:
        return agg
    return exp.Filter(this=agg, expression=exp.Where(this=_qualified(where.unnest(), source)))


def _star(source: str) -> exp.Column:
    return exp.Column(this=exp.Star(), table=exp.to_identifier(source))


class _Builder:
    def __init__(self, rename: Mapping[str, str]) -> None:
        self.rename = rename

    def name(self, value: str) -> str:
        return self.rename.get(value, value)

    def tree(self, expr: m.Expr) -> exp.Expr:
        match expr:
            case m.Const(value=value):
                return exp.Literal.number(str(value))
            case m.Ref(measure=name):
                return exp.column(self.name(name))
            case m.Agg():
                return self.aggregate(expr)
            case m.Conv():
                src, dst = self.name(expr.from_source), self.name(expr.to_source)
                return exp.Anonymous(this="CONVERSION", expressions=[
                    _filtered(_star(src), expr.from_where, src),
                    _filtered(_star(dst), expr.to_where, dst),
                    exp.Interval(this=exp.Literal.string(str(expr.within.amount)),
                                 unit=exp.Var(this=expr.within.unit.upper())),
                    exp.column(expr.entity)])
            case m.BinOp(op=op, left=left, right=right):
                level = _PREC[op]
                lhs, rhs = self.tree(left), self.tree(right)
                if isinstance(left, m.BinOp) and _PREC[left.op] < level:
                    lhs = exp.Paren(this=lhs)
                if isinstance(right, m.BinOp) and _PREC[right.op] <= level:
                    rhs = exp.Paren(this=rhs)
                return _BINOPS[op](this=lhs, expression=rhs)
            case m.Neg(operand=operand):
                inner = self.tree(operand)
                return exp.Neg(this=exp.Paren(this=inner) if isinstance(
                    operand, (m.BinOp, m.Neg)) else inner)
        raise TypeError(expr)

    def aggregate(self, agg: m.Agg) -> exp.Expr:
        src = self.name(agg.source)
        value = _qualified(agg.expr.unnest(), src) if agg.expr is not None else _star(src)
        node: exp.Expr
        match agg.func:
            case "count":
                node = exp.Count(this=value)
            case "count_distinct":
                node = exp.Count(this=exp.Distinct(expressions=[value]))
            case "percentile":
                node = exp.PercentileCont(this=value,
                                          expression=exp.Literal.number(str(agg.percentile)))
            case func:
                node = _AGGS[func](this=value)
        return _filtered(node, agg.where, src)


def formula_sql(expr: m.Expr | None, dialect: str = "duckdb",
                rename: Mapping[str, str] | None = None) -> str | None:
    """A formula as one normalised SQL expression (None for a missing formula)."""
    if expr is None:
        return None
    return _Builder(rename or {}).tree(expr).sql(dialect=dialect)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _allows(allows: tuple[m.Allow, ...]) -> Fields:
    return {f"allow {a.code}": a.reason for a in allows}


def measure_fields(x: m.Measure, dialect: str, rename: Mapping[str, str]) -> Fields:
    """One measure, field by field."""
    b = _Builder(rename)
    stage = None
    if x.stage:
        journey, _, name = x.stage.partition(".")
        stage = f"{b.name(journey)}.{name}"
    out: Fields = {
        "label": x.label, "formula": formula_sql(x.formula, dialect, rename), "kind": x.kind,
        "perspective": x.perspective, "stage": stage, "grain": x.grain,
        "window": _text(x.window), "cumulative": "yes" if x.cumulative else None,
        "dimensions": ", ".join(x.dimensions) or None, "direction": x.direction,
        "unit": x.unit, "target": _text(x.target), "owner": x.owner,
        "description": x.description,
    }
    for d in x.drives:
        out[f"drives {b.name(d.target)}"] = (f"lag {d.lag}, " if d.lag else "") + \
            f"effect {d.effect}"
    return out | _allows(x.allows)


def source_fields(x: m.Source, dialect: str) -> Fields:
    """One source, field by field."""
    out: Fields = {"label": x.label, "table": ".".join(x.table), "time": x.time_column,
                   "key": x.key}
    out |= {f"entity {e.name}": e.column for e in x.entities}
    out |= {f"dimension {d.name}": d.expr.sql(dialect=dialect) for d in x.dimensions}
    return out


def journey_fields(x: m.Journey) -> Fields:
    """One journey: its label and its stages in order."""
    stages = ", ".join(s.name + (f" ({s.label})" if s.label else "") for s in x.stages)
    return {"label": x.label, "stages": stages or None}


def objective_fields(x: m.Objective, rename: Mapping[str, str]) -> Fields:
    """One objective (its strategies are elements of their own)."""
    b = _Builder(rename)
    out: Fields = {"label": x.label, "owner": x.owner, "description": x.description,
                   "north_star": b.name(x.north_star) if x.north_star else None}
    for i, t in enumerate(x.targets):
        key = f"target {b.name(t.measure)}"
        if key in out:
            key += f" #{i + 1}"
        out[key] = f"{t.op} {t.value}" + (f" by {t.by.isoformat()}" if t.by else "")
    return out | _allows(x.allows)


def strategy_fields(x: m.Strategy, rename: Mapping[str, str]) -> Fields:
    """One strategy, with the objective it belongs to."""
    b = _Builder(rename)
    stage = None
    if x.stage:
        journey, _, name = x.stage.partition(".")
        stage = f"{b.name(journey)}.{name}"
    out: Fields = {"label": x.label, "objective": b.name(x.objective),
                   "hypothesis": x.hypothesis, "stage": stage, "owner": x.owner,
                   "description": x.description,
                   "measures": ", ".join(b.name(n) for n in x.measures) or None}
    return out | _allows(x.allows)


def elements(project: m.Project, rename: Mapping[str, str] | None = None) -> dict[Key, Fields]:
    """Every element of a project by ``(kind, name)``; names are mapped through ``rename``."""
    r = rename or {}
    dialect = project.config.dialect
    out: dict[Key, Fields] = {}
    for j in project.journeys.values():
        out[("journey", r.get(j.name, j.name))] = journey_fields(j)
    for s in project.sources.values():
        out[("source", r.get(s.name, s.name))] = source_fields(s, dialect)
    for x in project.measures.values():
        out[("measure", r.get(x.name, x.name))] = measure_fields(x, dialect, r)
    for o in project.objectives.values():
        out[("objective", r.get(o.name, o.name))] = objective_fields(o, r)
    for st in project.strategies:
        out[("strategy", r.get(st.name, st.name))] = strategy_fields(st, r)
    return out


def dump(project: m.Project) -> dict[str, Any]:
    """The whole model as span-free data, with the SQL trees' exact structure.

    Used to prove that formatting never changes meaning: equal dumps, equal models.
    """
    def exact(value: Any) -> Any:
        match value:
            case exp.Expression():
                return repr(value)
            case m.Duration(amount=a, unit=u):
                return f"{a} {u}"
            case tuple() | list():
                return [exact(v) for v in value]
            case _ if hasattr(value, "__dataclass_fields__"):
                return {k: exact(getattr(value, k)) for k in value.__dataclass_fields__
                        if k not in ("span", "name_span", "statements")}
            case Mapping():
                return {str(k): exact(v) for k, v in value.items()}
        return value if value is None or isinstance(value, (bool, int, str)) else str(value)

    return {kind: exact(getattr(project, kind))
            for kind in ("journeys", "sources", "measures", "objectives")} | {
        "config": exact(project.config)}
