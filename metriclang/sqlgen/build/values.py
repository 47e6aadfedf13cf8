"""Value formulas over leaf columns: shared values (``osm_v*`` CTEs) and the output columns.

A shared value is computed once, as a column ``osm_m<i>``, in the CTE of its *level*: one more
than the highest level of the shared values it uses, so a CTE only reads columns of the ones
before it.
"""

from __future__ import annotations

from sqlglot import exp

from metriclang.sqlgen.build.context import Context, Ctes
from metriclang.sqlgen.plan import Arith, LeafRef, MeasurePlan, Minus, Num, SharedRef, Value
from metriclang.sqlgen.targets.base import paren

_ARITH = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul}


def value(ctx: Context, node: Value) -> exp.Expr:
    """A value formula as a tree over ``osm_l<i>`` and ``osm_m<i>`` columns; division is
    floating-point and NULL (not an error) by zero."""
    match node:
        case Num(value=v):
            return exp.Literal.number(str(v))
        case LeafRef(index=i):
            return exp.column(f"osm_l{i}")
        case SharedRef(index=i):
            return exp.column(f"osm_m{i}")
        case Minus(operand=operand):
            return exp.Neg(this=paren(value(ctx, operand)))
        case Arith(op="/", left=left, right=right):
            return exp.Div(
                this=ctx.target.double(value(ctx, left)),
                expression=exp.Nullif(this=value(ctx, right), expression=exp.Literal.number(0)),
            )
        case Arith(op=op, left=left, right=right):
            return paren(_ARITH[op](this=value(ctx, left), expression=value(ctx, right)))
    raise TypeError(node)


def shared(ctx: Context, ctes: Ctes, last: str) -> str:
    """Add a CTE per level of shared values over ``last``; the name of the last CTE."""
    for n, level in enumerate(levels(ctx.plan), start=1):
        columns = [
            value(ctx, ctx.plan.shared[i].value).as_(f"osm_m{i}", copy=False) for i in level
        ]
        query = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier(last)), *columns,
                           copy=False)
        last = ctes.add(f"osm_v{n}", query.from_(exp.table_(last), copy=False))
    return last


def levels(plan: MeasurePlan) -> list[list[int]]:
    """Shared values by level: a value's level is one more than the highest level it uses."""
    level: list[int] = []
    out: list[list[int]] = []
    for i, value in enumerate(plan.shared):  # each uses only shared values listed before it
        level.append(max((level[j] + 1 for j in _shared_refs(value.value)), default=0))
        if level[i] == len(out):
            out.append([])
        out[level[i]].append(i)
    return out


def _shared_refs(node: Value) -> list[int]:
    match node:
        case SharedRef(index=i):
            return [i]
        case Arith(left=left, right=right):
            return _shared_refs(left) + _shared_refs(right)
        case Minus(operand=operand):
            return _shared_refs(operand)
    return []
