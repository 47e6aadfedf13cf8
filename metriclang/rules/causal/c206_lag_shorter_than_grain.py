"""C206 lag-shorter-than-grain."""

from __future__ import annotations

from collections.abc import Iterator

from metriclang.diagnostics import Diagnostic, Related, Severity
from metriclang.periods import DAYS, MONTHS, SHORTEST_DAYS, coarser
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
    """A lag is shorter than the grain the link is compared at.

    What it checks:
        Every `drives` link with a `lag`, against the coarser of the two measures' `grain`s
        (default `day`): a link between a weekly and a monthly measure is compared per month,
        so `lag 1 week` falls within one period whichever measure has the `drives`. Lags
        and grains in days and weeks compare exactly (`7 days` equals `grain week`), and so
        do months, quarters and years (`3 months` equals `grain quarter`). Across the two
        families a period counts at its shortest calendar length: a month 28 days, a quarter
        90, a year 365; so `4 weeks` or `30 days` on `grain month` does not fire and
        `3 weeks` does. A link without a
        `lag` does not fire.
    Why it matters:
        A measure reported per month cannot show an effect that lands within a week: the
        cause and the effect fall into the same period, so the data can never confirm or
        refute the link (`osm verify` never counts a same-period movement as evidence).
        Either the lag is wrong or a grain is too coarse.
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
          / count_distinct(events, user_id) kind lagging grain week }
        ```
    """

    code = "C206"
    name = "lag-shorter-than-grain"
    default = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for e in ctx.graph.edges():
            source, target = ctx.project.measures[e.source], ctx.project.measures[e.target]
            grain = coarser(source.grain, target.grain)
            if e.lag is None or not shorter_than(e.lag, grain):
                continue
            m = source if source.grain == grain else target
            yield self.found(
                f"lag {e.lag} of `{e.source}` -> `{e.target}` is shorter than the grain of "
                f"`{m.name}` ({grain})", e.span,
                f"use a lag of at least one {grain}, or a finer grain for `{m.name}`",
                [Related(f"`{m.name}` is reported per {grain}", m.at("grain"))])
