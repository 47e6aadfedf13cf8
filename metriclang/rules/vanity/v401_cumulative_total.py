"""V401 cumulative-total."""

from __future__ import annotations

from collections.abc import Iterator

from metriclang.diagnostics import Diagnostic, Severity
from metriclang.rules.base import Rule
from metriclang.rules.context import Context, has_denominator
from metriclang.semantic import model as m

#: A trailing window this long (or longer) counts as all-time.
ALL_TIME_DAYS = 3650
_GROWING = ("count", "count_distinct", "sum")


class CumulativeTotal(Rule):
    """A cumulative or all-time total (it can only grow).

    What it checks:
        A measure that is `cumulative`, or has a `window` of 10 years or more (all-time in
        practice), and whose formula is a total: every aggregate in it (following the
        measures it names) is `count`, `count_distinct` or `sum`, and it is no ratio (no
        `conversion`, no division by an aggregate or a measure). A running ratio or average
        does not fire.
    Why it matters:
        A running total of counts only goes up, whatever happens: it always looks like
        success and can't tell a good month from a bad one, so no decision depends on it.
        Report the per-period value (or a rate) instead.
    Example:
        ```osm
        measure all_orders { formula count(events where name = 'order') cumulative grain month }
        ```
    Fix:
        ```osm
        measure monthly_orders { formula count(events where name = 'order') grain month }
        ```
    """

    code = "V401"
    name = "cumulative-total"
    default = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for name, measure in ctx.measures:
            window = measure.window
            if measure.cumulative:
                where, how = measure.at("cumulative"), "a cumulative total"
            elif window is not None and window.approx_days >= ALL_TIME_DAYS:
                where, how = measure.at("window"), f"an all-time total (window {window})"
            else:
                continue
            if is_total(ctx.expanded(measure)):
                yield self.found(f"`{name}` is {how}: it can only grow", where,
                                 "report the value per period, or a rate, instead")


def is_total(nodes: list[m.Expr]) -> bool:
    """A formula (expanded) of growing aggregates only that is no ratio."""
    aggs = [n for n in nodes if isinstance(n, m.Agg)]
    return bool(aggs) and not has_denominator(nodes) and all(a.func in _GROWING for a in aggs)
