"""S302 strategy-without-leading."""

from __future__ import annotations

from collections.abc import Iterator

from metriclang.diagnostics import Diagnostic, Severity
from metriclang.rules.base import Rule
from metriclang.rules.context import Context


class StrategyWithoutLeading(Rule):
    """A strategy has no leading measure.

    What it checks:
        Every strategy whose `measures` list is missing, empty, or names no measure with
        `kind leading`. Skipped when the list names an unknown measure (already an error).
    Why it matters:
        A strategy is steered by leading indicators, the numbers a team can move now.
        Measured only by lagging results, progress shows up months late, if at all.
    Example:
        ```osm
        measure reorders { formula count(events where name = 'reorder') kind lagging }
        objective loyal "Loyal customers" {
          north_star reorders
          strategy support { measures reorders }
        }
        ```
    Fix:
        ```osm
        measure reorders { formula count(events where name = 'reorder') kind lagging }
        measure answered_fast { formula count(events where name = 'answered_1h')
          / count(events where name = 'ticket') kind leading drives reorders lag 1 month }
        objective loyal "Loyal customers" {
          north_star reorders
          strategy support { measures answered_fast }
        }
        ```
    """

    code = "S302"
    name = "strategy-without-leading"
    default = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for s in ctx.project.strategies:
            known = ctx.known(s.measures)
            if len(known) != len(s.measures):
                continue
            if not any(ctx.project.measures[n].kind == "leading" for n in known):
                what = "lists no measures" if not known else "measures only " + ", ".join(
                    f"`{n}`" for n in known)
                yield self.found(f"strategy `{s.name}` has no leading measure: it {what}",
                                 s.at("measures"), "list the leading indicators (`kind "
                                 "leading`) the team will move in `measures`")
