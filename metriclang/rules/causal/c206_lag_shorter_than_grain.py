"""C206 lag-shorter-than-grain."""

from __future__ import annotations

from collections.abc import Iterator

from metriclang.diagnostics import Diagnostic, Related, Severity
from metriclang.periods import DAYS, MONTHS, SHORTEST_DAYS
from metriclang.rules.base import Rule
from metriclang.rules.context import Context
from metriclang.semantic.model import Duration


def shorter_than(lag: Duration, grain: str) -> bool:
    """Whether ``lag`` is surely shorter than one period of ``grain``.

    >>> shorter_than(Duration(4, "week", None), "month"), shorter_than(Duration(3, "week", None),
    ...     "month"), shorter_than(Duration(3, "month", None), "quarter")
    (False, True, False)
    """
    if lag.unit in MONTHS and grain in MONTHS:
        return lag.amount * MONTHS[lag.unit] < MONTHS[grain]
    if lag.unit in DAYS:
        return lag.amount * DAYS[lag.unit] < SHORTEST_DAYS[grain]
    return lag.amount * SHORTEST_DAYS[lag.unit] < SHORTEST_DAYS[grain]


class LagShorterThanGrain(Rule):
    """A lag is shorter than the driving measure's grain.

    What it checks:
        Every `drives` link with a `lag`, against the `grain` of the measure that has the
        `drives` (default `day`). Lags and grains in days and weeks compare exactly
        (`7 days` equals `grain week`), and so do months, quarters and years
        (`3 months` equals `grain quarter`). Across the two families a period counts at its
        shortest calendar length: a month 28 days, a quarter 90, a year 365; so `4 weeks`
        or `30 days` on `grain month` does not fire and `3 weeks` does. A link without a
        `lag` does not fire.
    Why it matters:
        A measure reported per month cannot show an effect that lands within a week: the
        cause and the effect fall into the same period, so the data can never confirm or
        refute the link. Either the lag is wrong or the grain is too coarse.
    Example:
        ```osm
        measure onboarding_done { formula count(events where name = 'onboarded')
          / count(events where name = 'signup') kind leading grain month
          drives active_rate lag 1 week }
        measure active_rate { formula count_distinct(events, user_id where name = 'session')
          / count_distinct(events, user_id) kind lagging grain month }
        ```
    Fix:
        ```osm
        measure onboarding_done { formula count(events where name = 'onboarded')
          / count(events where name = 'signup') kind leading grain week
          drives active_rate lag 1 week }
        measure active_rate { formula count_distinct(events, user_id where name = 'session')
          / count_distinct(events, user_id) kind lagging grain month }
        ```
    """

    code = "C206"
    name = "lag-shorter-than-grain"
    default = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for e in ctx.graph.edges():
            source = ctx.project.measures[e.source]
            if e.lag is not None and shorter_than(e.lag, source.grain):
                yield self.found(
                    f"lag {e.lag} of `{e.source}` -> `{e.target}` is shorter than the grain of "
                    f"`{e.source}` ({source.grain})", e.span,
                    f"use a lag of at least one {source.grain}, or a finer grain for "
                    f"`{e.source}`", [Related(f"`{e.source}` is reported per {source.grain}",
                                              source.at("grain"))])
