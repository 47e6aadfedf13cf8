"""C203 lagging-drives-leading."""

from __future__ import annotations

from collections.abc import Iterator

from metriclang.diagnostics import Diagnostic, Related, Severity
from metriclang.rules.base import Rule
from metriclang.rules.context import Context


class LaggingDrivesLeading(Rule):
    """A lagging measure drives a leading one.

    What it checks:
        Every `drives` link whose source has `kind lagging` and whose target has
        `kind leading`. Links between two lagging or two leading measures, and links from
        or to a measure without `kind`, do not fire.
    Why it matters:
        Lagging results report the past; leading indicators are what a team acts on now.
        A result that "drives" an indicator usually means the link is reversed or a kind
        is wrong, and the causal chain then points away from the objective.
    Example:
        ```osm
        measure revenue { formula sum(events.amount where name = 'order') kind lagging
          drives add_to_cart_rate lag 1 week }
        measure add_to_cart_rate { formula count(events where name = 'add_to_cart')
          / count(events where name = 'product_view') kind leading }
        ```
    Fix:
        ```osm
        measure revenue { formula sum(events.amount where name = 'order') kind lagging }
        measure add_to_cart_rate { formula count(events where name = 'add_to_cart')
          / count(events where name = 'product_view') kind leading
          drives revenue lag 1 week }
        ```
    """

    code = "C203"
    name = "lagging-drives-leading"
    default = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        measures = ctx.project.measures
        for e in ctx.graph.edges():
            if measures[e.source].kind == "lagging" and measures[e.target].kind == "leading":
                target = measures[e.target]
                yield self.found(
                    f"lagging measure `{e.source}` drives leading measure `{e.target}`", e.span,
                    "results follow from leading indicators: reverse the link, or correct "
                    "the `kind` of one of the measures",
                    [Related(f"`{e.target}` is declared leading here", target.at("kind"))])
