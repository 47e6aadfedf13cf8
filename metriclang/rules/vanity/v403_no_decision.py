"""V403 no-decision."""

from __future__ import annotations

from collections.abc import Iterator

from metriclang.diagnostics import Diagnostic, Severity
from metriclang.rules.base import Rule
from metriclang.rules.context import Context


class NoDecision(Rule):
    """A measure informs no decision: no owner, no target and no causal link.

    What it checks:
        A measure with no `owner`, no `target` (its own, or an objective's `target` on it)
        and no `drives` link in or out (links to unknown measures do not count).
    Why it matters:
        A number nobody owns, nobody compares with a goal and nothing connects to a cause
        or an effect is read and forgotten. Give it an owner and a target or a causal link,
        or stop computing it.
    Example:
        ```osm
        measure avg_session_minutes { formula avg(events.duration_minutes) }
        ```
    Fix:
        ```osm
        measure avg_session_minutes { formula avg(events.duration_minutes)
          owner "product@example.com" target 12 }
        ```
    """

    code = "V403"
    name = "no-decision"
    default = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        targeted = {t.measure for o in ctx.project.objectives.values() for t in o.targets}
        graph = ctx.graph
        for name, measure in ctx.measures:
            if measure.owner or measure.target is not None or name in targeted:
                continue
            if graph.out[name] or graph.into[name]:
                continue
            yield self.found(f"measure `{name}` informs no decision: no owner, no target and "
                             "no `drives` link", measure.name_span,
                             "add an `owner` and a `target`, link it with `drives`, or delete it")
