"""S305 no-customer-perspective."""

from __future__ import annotations

from collections.abc import Iterator

from metriclang.diagnostics import Diagnostic, Severity
from metriclang.rules.base import Rule
from metriclang.rules.context import Context


class NoCustomerPerspective(Rule):
    """An objective traces to no `perspective customer` measure.

    What it checks:
        The measures an objective traces to: its north star, its targets' measures, its
        strategies' measures, and every measure upstream of those (through `drives` links
        or named inside their formulas). It fires when none of them has
        `perspective customer`. Objectives that name no known measure are skipped.
    Why it matters:
        Value for the customer comes first; revenue and profit follow from it. A metric
        system whose objective traces only to financial or process measures steers by the
        company's gain and may lose the customers that gain depends on.
    Example:
        ```osm
        measure revenue { formula sum(events.amount where name = 'order') kind lagging
          perspective financial }
        measure price_rises { formula avg(events.price_change) kind leading
          perspective financial drives revenue lag 1 month }
        objective grow "Grow" {
          north_star revenue
          strategy pricing { measures price_rises }
        }
        ```
    Fix:
        ```osm
        measure revenue { formula sum(events.amount where name = 'order') kind lagging
          perspective financial }
        measure repeat_rate { formula count(events where name = 'reorder')
          / count(events where name = 'order') kind leading perspective customer
          drives revenue lag 1 month }
        objective grow "Grow" {
          north_star revenue
          strategy loyalty { measures repeat_rate }
        }
        ```
    """

    code = "S305"
    name = "no-customer-perspective"
    default = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for objective in ctx.project.objectives.values():
            traced = ctx.traced(ctx.objective_seeds(objective))
            if traced and not any(ctx.project.measures[n].perspective == "customer"
                                  for n in traced):
                yield self.found(
                    f"objective `{objective.name}` traces to no `perspective customer` measure",
                    objective.name_span, "add a measure of value for the customer (retention, "
                    "satisfaction, success rate) with `perspective customer` and link it")
