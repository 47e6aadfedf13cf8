"""S303 unused-measure."""

from __future__ import annotations

from collections.abc import Iterator

from metriclang.diagnostics import Diagnostic, Severity
from metriclang.rules.base import Rule
from metriclang.rules.context import Context


class UnusedMeasure(Rule):
    """A measure is used by no objective.

    What it checks:
        A measure is used when an objective names it (`north_star`, `target`, or a
        strategy's `measures`), or when it is upstream of a used measure: it `drives` one
        (through any number of links) or is named inside a used measure's formula. Every
        other measure fires.
    Why it matters:
        Measures nobody's objective depends on accumulate: they cost warehouse time,
        dashboard space and attention, and they are where vanity metrics hide. Either
        connect the measure to an objective or delete it.
    Example:
        ```osm
        measure reorders { formula count(events where name = 'reorder') kind lagging }
        measure page_depth { formula avg(events.depth) kind leading drives reorders }
        measure clicks_per_visit { formula avg(events.clicks) }
        objective loyal "Loyal customers" {
          north_star reorders
          strategy engage { measures page_depth }
        }
        ```
    Fix:
        ```osm
        measure reorders { formula count(events where name = 'reorder') kind lagging }
        measure page_depth { formula avg(events.depth) kind leading drives reorders }
        measure clicks_per_visit { formula avg(events.clicks) drives page_depth }
        objective loyal "Loyal customers" {
          north_star reorders
          strategy engage { measures page_depth }
        }
        ```
    """

    code = "S303"
    name = "unused-measure"
    default = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        used = ctx.traced(n for o in ctx.project.objectives.values()
                          for n in ctx.objective_seeds(o))
        for name, measure in ctx.measures:
            if name not in used:
                yield self.found(f"measure `{name}` is used by no objective", measure.name_span,
                                 "name it in an objective or strategy, link it with `drives` "
                                 "to a measure that is, or delete it")
