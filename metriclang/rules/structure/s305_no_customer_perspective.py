"""S305 no-customer-perspective."""

from __future__ import annotations

from collections.abc import Iterator

from metriclang.diagnostics import Diagnostic, Severity
from metriclang.rules.base import Rule
from metriclang.rules.context import Context
from metriclang.semantic.graph import reachable


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
        informed = _customer_informed(ctx)
        for objective in ctx.project.objectives.values():
            seeds = ctx.known(ctx.objective_seeds(objective))
            if seeds and not any(n in informed for n in seeds):
                yield self.found(
                    f"objective `{objective.name}` traces to no `perspective customer` measure",
                    objective.name_span, "add a measure of value for the customer (retention, "
                    "satisfaction, success rate) with `perspective customer` and link it")


def _customer_informed(ctx: Context) -> set[str]:
    """Measures with a customer measure upstream (or customer themselves): one linear sweep
    downstream from every customer measure, along `drives` links and formula references."""
    measures = ctx.project.measures
    used_by: dict[str, list[str]] = {}
    for name, refs in ctx.refs.items():
        for ref in refs:
            used_by.setdefault(ref, []).append(name)
    return reachable((n for n, x in measures.items() if x.perspective == "customer"),
                     lambda name: [e.target for e in ctx.graph.out[name]]
                     + used_by.get(name, []))
