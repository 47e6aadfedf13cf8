"""S304 measure-without-kind."""

from __future__ import annotations

from collections.abc import Iterator

from metriclang.diagnostics import Diagnostic, Related, Severity
from metriclang.rules.base import Rule
from metriclang.rules.context import Context


class MeasureWithoutKind(Rule):
    """A strategy uses a measure with no `kind`.

    What it checks:
        Every measure listed in a strategy's `measures` that has no `kind` statement, once
        per strategy and measure, pointing at the `measures` line.
    Why it matters:
        Whether a measure is leading or lagging decides which causal checks apply (C202,
        C203, S302). A strategy measure without a kind escapes them silently.
    Example:
        ```osm
        measure reorders { formula count(events where name = 'reorder') kind lagging }
        measure answered_fast { formula count(events where name = 'answered_1h')
          / count(events where name = 'ticket') drives reorders lag 1 month }
        objective loyal "Loyal customers" {
          north_star reorders
          strategy support { measures answered_fast }
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

    code = "S304"
    name = "measure-without-kind"
    default = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for s in ctx.project.strategies:
            for name in dict.fromkeys(ctx.known(s.measures)):
                measure = ctx.project.measures[name]
                if measure.kind is None:
                    yield self.found(
                        f"strategy `{s.name}` uses measure `{name}`, which has no `kind`",
                        s.at("measures"), f"add `kind leading` (or `kind lagging`) to `{name}`",
                        [Related(f"`{name}` is declared here", measure.name_span)])
