"""C201 drives-cycle."""

from __future__ import annotations

from collections.abc import Iterator

from metriclang.diagnostics import Diagnostic, Related, Severity
from metriclang.rules.base import Rule
from metriclang.rules.context import Context


class DrivesCycle(Rule):
    """`drives` links form a cycle.

    What it checks:
        Follows every `drives` link between measures and reports each group of measures
        that lead back to themselves (a strongly connected component), once, with every hop
        of one shortest cycle through it. Cycles of any length are found, and a measure that
        drives itself is a cycle of one hop. Measures named inside another's formula are
        not links: only `drives` is causal.
    Why it matters:
        A causal chain runs forward in time: leading indicators move results later. If
        `a` drives `b` and `b` drives `a`, at least one of the links is wrong, and lag sums,
        sign checks and "what moves the north star" questions have no answer.
    Example:
        ```osm
        measure cart_adds { formula count(events where name = 'add_to_cart')
          kind leading drives checkouts lag 1 day }
        measure checkouts { formula count(events where name = 'checkout')
          kind leading drives cart_adds lag 1 day }
        ```
    Fix:
        ```osm
        measure cart_adds { formula count(events where name = 'add_to_cart')
          kind leading drives checkouts lag 1 day }
        measure checkouts { formula count(events where name = 'checkout')
          kind lagging }
        ```
    """

    code = "C201"
    name = "drives-cycle"
    default = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for cycle in ctx.graph.cycles():
            first, *rest = cycle.edges
            yield self.found(
                f"`drives` links form a cycle: {cycle.arrow()}", first.span,
                "a measure cannot cause itself; remove or reverse the link that runs "
                "against time", [Related(f"then {e.describe()}", e.span) for e in rest])
