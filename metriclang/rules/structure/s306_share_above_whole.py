"""S306 share-above-whole."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from metriclang.diagnostics import Diagnostic, Related, Severity
from metriclang.rules.base import Rule
from metriclang.rules.context import Context
from metriclang.semantic import model as m


def _percent(value: Decimal) -> str:
    """``1.1`` as ``110%``."""
    text = f"{value * 100:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


class ShareAboveWhole(Rule):
    """A target above 100% on a measure whose `unit` is `"%"`.

    What it checks:
        A measure's `target`, or an objective's `target` on a measure, whose value is above
        100% (or below -100%) when the measure declares `unit "%"`. A target above 100% on
        a measure with another unit, or none, is fine: growth rates and net revenue
        retention pass 100%.
    Why it matters:
        A share (conversion, retention of customers) cannot pass 100%; `350%` is usually a
        typo for `35%`. A ratio that can (net revenue retention) keeps its target with an
        `allow` saying so.
    Example:
        ```osm
        measure repeat_rate { formula count(events where name = 'reorder')
          / count(events where name = 'order') unit "%" target 350% }
        ```
    Fix:
        ```osm
        measure repeat_rate { formula count(events where name = 'reorder')
          / count(events where name = 'order') unit "%" target 35% }
        ```
    """

    code = "S306"
    name = "share-above-whole"
    default = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        help = ("write a share as 0–100%; for a ratio that passes 100% by design (net revenue "
                "retention), add `allow S306 \"reason\"`")
        for name, measure in ctx.measures:
            if measure.target is not None and _over(measure, measure.target):
                yield self.found(f"target {_percent(measure.target)} of measure `{name}` is "
                                 "above 100%, but its unit is \"%\"", measure.at("target"), help)
        for o in ctx.project.objectives.values():
            for t in o.targets:
                x = ctx.measure(t.measure)
                if x is not None and _over(x, t.value):
                    yield self.found(
                        f"objective `{o.name}` targets {_percent(t.value)} of measure "
                        f"`{t.measure}`, above 100%, but its unit is \"%\"", t.span, help,
                        [Related(f"the unit of `{t.measure}` is here", x.at("unit"))])


def _over(measure: m.Measure, value: Decimal) -> bool:
    return measure.unit == "%" and abs(value) > 1
