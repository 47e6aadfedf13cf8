"""C204 strategy-without-path."""

from __future__ import annotations

from collections.abc import Iterator

from metriclang.diagnostics import Diagnostic, Related, Severity
from metriclang.rules.base import Rule
from metriclang.rules.context import Context


class StrategyWithoutPath(Rule):
    """No measure of a strategy has a path to its objective's north star.

    What it checks:
        For every strategy, whether at least one of the measures it lists is the north
        star of its objective or reaches it through `drives` links. The path may run
        through any measures, including measures of other strategies or of no strategy.
        Skipped when the objective has no known north star or the strategy lists an unknown
        or no measure (those are reported elsewhere: E-codes, S302).
    Why it matters:
        A strategy is a bet on how to reach the objective. If none of its measures can move
        the north star, success of the strategy cannot show up in the result the objective
        is judged by.
    Example:
        ```osm
        measure reorders { formula count(events where name = 'reorder') kind lagging }
        measure fast_answers { formula count(events where name = 'answered_1h')
          / count(events where name = 'ticket') kind leading }
        objective loyal "Loyal customers" {
          north_star reorders
          strategy support { measures fast_answers }
        }
        ```
    Fix:
        ```osm
        measure reorders { formula count(events where name = 'reorder') kind lagging }
        measure fast_answers { formula count(events where name = 'answered_1h')
          / count(events where name = 'ticket') kind leading drives reorders lag 1 month }
        objective loyal "Loyal customers" {
          north_star reorders
          strategy support { measures fast_answers }
        }
        ```
    """

    code = "C204"
    name = "strategy-without-path"
    default = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for objective in ctx.project.objectives.values():
            star = objective.north_star
            if star is None or star not in ctx.project.measures:
                continue
            reach = ctx.upstream(star)
            for s in objective.strategies:
                known = ctx.known(s.measures)
                if not known or len(known) != len(s.measures):
                    continue
                if not any(n in reach for n in known):
                    yield self.found(
                        f"no measure of strategy `{s.name}` has a `drives` path to its "
                        f"objective's north star `{star}`", s.at("measures"),
                        f"add a `drives` link from one of its measures towards `{star}`",
                        [Related(f"north star of `{objective.name}`",
                                 objective.at("north_star"))])
