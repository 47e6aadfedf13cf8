"""C207 chain-after-target-date."""

from __future__ import annotations

from collections.abc import Iterator

from metriclang.diagnostics import Diagnostic, Related, Severity
from metriclang.periods import after
from metriclang.rules.base import Rule
from metriclang.rules.context import Context


class ChainAfterTargetDate(Rule):
    """A strategy's chain to its north star, lags summed from today, ends after the target date.

    What it checks:
        For every objective with a dated `target` on its north star (the earliest `by` date
        when there are several), and every strategy of it: among the chains of `drives`
        links from the strategy's measures to the north star, the one with the smallest
        summed lag (a measure that is the north star itself has lag 0; a link without `lag`
        counts 0). Its lags are added to today's date (`osm check --today` overrides it):
        months, quarters and years by the calendar, days and weeks as days. It fires when
        that date is after the target date. Strategies with no path are left to C204.
    Why it matters:
        If the fastest effect of a strategy lands after the date the objective is judged,
        the strategy cannot contribute to the target in time: the target date, the lags
        or the choice of strategy needs another look.
    Example:
        ```osm
        measure reorders { formula count(events where name = 'reorder') kind lagging }
        measure loyalty_signups { formula count(events where name = 'loyalty_join')
          / count(events where name = 'order') kind leading drives reorders lag 10 years }
        objective loyal "Loyal customers" {
          north_star reorders
          target reorders >= 1000 by 2030-12-31
          strategy loyalty { measures loyalty_signups }
        }
        ```
    Fix:
        ```osm
        measure reorders { formula count(events where name = 'reorder') kind lagging }
        measure loyalty_signups { formula count(events where name = 'loyalty_join')
          / count(events where name = 'order') kind leading drives reorders lag 6 months }
        objective loyal "Loyal customers" {
          north_star reorders
          target reorders >= 1000 by 2030-12-31
          strategy loyalty { measures loyalty_signups }
        }
        ```
    """

    code = "C207"
    name = "chain-after-target-date"
    default = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for objective in ctx.project.objectives.values():
            star = objective.north_star
            dated = [t for t in objective.targets if t.measure == star and t.by is not None]
            if star is None or star not in ctx.project.measures or not dated:
                continue
            target = min(dated, key=lambda t: (t.by, t.span))
            assert target.by is not None
            chains = ctx.fastest(star)
            for s in objective.strategies:
                reached = [n for n in ctx.known(s.measures) if n in chains]
                dates = {p: after(ctx.today, p) for p in {chains.parts[n] for n in reached}}
                options = sorted((dates[chains.parts[n]], n) for n in reached)
                if not options or options[0][0] <= target.by:
                    continue
                lands, name = options[0]
                path = chains.path(name)
                lags = " + ".join(str(e.lag) for e in path.edges if e.lag) or "no lag"
                chain = path.arrow() or name
                related = [Related(e.describe(), e.span) for e in path.edges]
                related.append(Related(f"target date {target.by}", target.span))
                yield self.found(
                    f"strategy `{s.name}` moves north star `{star}` on {lands} at the earliest "
                    f"({chain}, {lags} from {ctx.today}), after the target date {target.by}",
                    s.at("measures"), "move the target date, pick a faster-acting measure, or "
                    "check the lags", related)
