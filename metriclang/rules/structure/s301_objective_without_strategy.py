"""S301 objective-without-strategy."""

from __future__ import annotations

from collections.abc import Iterator

from metriclang.diagnostics import Diagnostic, Severity
from metriclang.rules.base import Rule
from metriclang.rules.context import Context


class ObjectiveWithoutStrategy(Rule):
    """An objective has no strategy.

    What it checks:
        Every `objective` with no `strategy` block inside it.
    Why it matters:
        An objective with only a north star says what the business wants but not how it
        means to get there: nobody knows which leading indicators to move, and the causal
        checks (C204, C207) have nothing to check.
    Example:
        ```osm
        measure reorders { formula count(events where name = 'reorder') kind lagging }
        objective loyal "Loyal customers" { north_star reorders }
        ```
    Fix:
        ```osm
        measure reorders { formula count(events where name = 'reorder') kind lagging }
        measure answered_fast { formula count(events where name = 'answered_1h')
          / count(events where name = 'ticket') kind leading drives reorders lag 1 month }
        objective loyal "Loyal customers" {
          north_star reorders
          strategy support "Answer fast" { measures answered_fast }
        }
        ```
    """

    code = "S301"
    name = "objective-without-strategy"
    default = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for objective in ctx.project.objectives.values():
            if not objective.strategies:
                yield self.found(f"objective `{objective.name}` has no strategy",
                                 objective.name_span, "add a `strategy` block with the leading "
                                 "measures a team will move to reach it")
