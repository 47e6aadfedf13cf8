"""C202 no-path-to-lagging."""

from __future__ import annotations

from collections.abc import Iterator

from metriclang.diagnostics import Diagnostic, Related, Severity
from metriclang.rules.base import Rule
from metriclang.rules.context import Context


class NoPathToLagging(Rule):
    """A leading measure has no `drives` path to any lagging measure.

    What it checks:
        For every measure with `kind leading`, whether a chain of `drives` links, through
        any number of measures of any kind, reaches a measure with `kind lagging`. One
        backwards breadth-first search from all lagging measures answers it for every
        measure at once. A measure with a `drives` to an unknown name is skipped (that is
        already an error).
    Why it matters:
        A leading indicator is only worth steering if moving it moves a result. One that
        leads nowhere is activity, not progress, and the team has no way to tell whether
        improving it helped.
    Example:
        ```osm
        measure activation { formula count_distinct(events, user_id where name = 'first_order')
          kind leading }
        measure retained { formula count_distinct(events, user_id where name = 'reorder')
          kind lagging }
        ```
    Fix:
        ```osm
        measure activation { formula count_distinct(events, user_id where name = 'first_order')
          kind leading drives retained lag 1 month }
        measure retained { formula count_distinct(events, user_id where name = 'reorder')
          kind lagging }
        ```
    """

    code = "C202"
    name = "no-path-to-lagging"
    default = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        reach = ctx.graph.upstream(x.name for x in ctx.with_kind("lagging"))
        for measure in ctx.with_kind("leading"):
            if measure.name in reach or measure.name in ctx.dangling:
                continue
            related = [Related(f"drives `{d.target}`, which leads to no lagging measure", d.span)
                       for d in measure.drives]
            yield self.found(
                f"leading measure `{measure.name}` has no `drives` path to a lagging measure",
                measure.name_span, "add `drives <lagging measure> lag <duration>` to it or to a "
                "measure it drives, or mark it `kind lagging` if it is a result", related)
