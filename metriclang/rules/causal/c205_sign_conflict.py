"""C205 sign-conflict."""

from __future__ import annotations

from collections.abc import Iterator

from metriclang.diagnostics import Diagnostic, Related, Severity
from metriclang.rules.base import Rule
from metriclang.rules.context import Context

_WAY = {1: "up", -1: "down"}


class SignConflict(Rule):
    """Signs conflict: improving A (per its `direction`) worsens B.

    What it checks:
        Along every chain of `drives` links from a measure with a `direction` to the next
        measure with a `direction`, multiplies the effects (`positive` is +1, `negative`
        is -1; a link without `effect` is positive) and the first measure's direction
        (`up` is +1, `down` is -1). The product is the way the last measure moves when the
        first one improves; it fires when that is not the last measure's `direction`.
        Measures without a `direction` in between are passed through, so two negative
        effects cancel. Measures with a direction split a long chain into checked pieces:
        if every piece agrees, the whole chain does. The search is linear (each measure is
        visited at most once per way of moving); a conflict is reported once per last link
        and way, at the first link of the chain, with the rest of the chain as notes.
    Why it matters:
        If improving a leading indicator makes the result worse, either an `effect`, a
        `direction` or the strategy itself is wrong, and a team steering by the indicator
        would damage the objective.
    Example:
        ```osm
        measure return_rate { formula count(events where name = 'return')
          / count(events where name = 'order') kind leading direction down
          drives repeat_rate lag 1 month effect positive }
        measure repeat_rate { formula count(events where name = 'reorder')
          / count(events where name = 'order') kind lagging direction up }
        ```
    Fix:
        ```osm
        measure return_rate { formula count(events where name = 'return')
          / count(events where name = 'order') kind leading direction down
          drives repeat_rate lag 1 month effect negative }
        measure repeat_rate { formula count(events where name = 'reorder')
          / count(events where name = 'order') kind lagging direction up }
        ```
    """

    code = "C205"
    name = "sign-conflict"
    default = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        measures = ctx.project.measures
        for conflict in ctx.graph.sign_conflicts(ctx.directions):
            first, *rest = conflict.path.edges
            start, end = measures[first.source], measures[conflict.path.edges[-1].target]
            product = "negative" if conflict.path.sign < 0 else "positive"
            related = [Related(f"then {e.describe()}", e.span) for e in rest]
            related += [Related(f"`{start.name}` is better {start.direction}",
                                start.at("direction")),
                        Related(f"`{end.name}` is better {end.direction}", end.at("direction"))]
            yield self.found(
                f"signs conflict: improving `{start.name}` ({start.direction}) moves "
                f"`{end.name}` {_WAY[conflict.moves]} along {conflict.path.arrow()} (effects "
                f"multiply to {product}), but `{end.name}` is better {end.direction}",
                first.span, "check the `effect` of each link and the `direction` of both "
                "measures", related)
