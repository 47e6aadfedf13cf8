"""Late severity: ``metriclang.toml`` overrides and ``allow`` clauses, applied after the rules.

Suppressed diagnostics are marked (``suppressed=True`` with the allow's reason), never
dropped; a code set to ``off`` is dropped. An ``allow`` that suppresses nothing is U501.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from metriclang.config import Config
from metriclang.diagnostics import Diagnostic, Severity
from metriclang.errors import did_you_mean
from metriclang.rules.base import Rule
from metriclang.semantic import model as m
from metriclang.source import Span


class UnusedAllow(Rule):
    """An `allow` suppresses nothing.

    What it checks:
        Every `allow CODE "reason"` on a measure, objective or strategy that covers no
        diagnostic of that code inside the declaration (an objective's allow also covers
        its strategies). An allow of a code that is not a rule code (a typo, or an E-code:
        errors cannot be allowed) is reported too. An allow of a code switched `off` in
        `metriclang.toml` is not.
    Why it matters:
        Stale allows hide the next real problem of that code in the same place and keep a
        reason around that is no longer true. Delete them when the cause is fixed.
    Example:
        ```osm
        measure weekly_orders { formula count(events where name = 'order')
          owner "ops@example.com" allow V401 "finance wants the running total" }
        ```
    Fix:
        ```osm
        measure weekly_orders { formula count(events where name = 'order')
          owner "ops@example.com" }
        ```
    """

    code = "U501"
    name = "unused-allow"
    default = Severity.WARNING


@dataclass(frozen=True)
class _Scope:
    allow: m.Allow
    owner: str
    span: Span

    def covers(self, d: Diagnostic) -> bool:
        s, at = self.span, d.span
        return (d.code == self.allow.code and at.file == s.file and
                (s.line, s.column) <= (at.line, at.column) <= (s.end_line, s.end_column))

    @property
    def size(self) -> tuple[int, int]:
        return (self.span.end_line - self.span.line, self.span.end_column - self.span.column)


def _scopes(project: m.Project) -> list[_Scope]:
    out = [_Scope(a, f"measure `{x.name}`", x.span) for x in project.measures.values()
           for a in x.allows]
    for o in project.objectives.values():
        out += [_Scope(a, f"objective `{o.name}`", o.span) for a in o.allows]
        out += [_Scope(a, f"strategy `{s.name}`", s.span) for s in o.strategies for a in s.allows]
    return sorted(out, key=lambda s: s.size)


def apply(project: m.Project, diagnostics: Iterable[Diagnostic],
          codes: frozenset[str]) -> list[Diagnostic]:
    """Apply severities and allows to the diagnostics of ``codes``; others pass unchanged."""
    config = project.config
    scopes = _scopes(project)
    by_key: dict[tuple[str, str], list[tuple[int, _Scope]]] = {}
    for i, s in enumerate(scopes):  # smallest first, as in ``scopes``
        by_key.setdefault((s.allow.code, s.span.file), []).append((i, s))
    used: set[int] = set()
    out: list[Diagnostic] = []
    for d in diagnostics:
        if d.code in codes:
            level = config.severity_for(d.code)
            if level == "off":
                continue
            if level:
                d = d.with_severity(Severity(level))
            scope = next((i for i, s in by_key.get((d.code, d.span.file), ()) if s.covers(d)),
                         None)
            if scope is not None:
                used.add(scope)
                d = replace(d, suppressed=True, reason=scopes[scope].allow.reason)
        out.append(d)
    unused = (s for i, s in enumerate(scopes) if i not in used)
    if config.severity_for(UnusedAllow.code) != "off":
        level = Severity(config.severity_for(UnusedAllow.code) or UnusedAllow.default.value)
        out += [d.with_severity(level) for d in _unused(unused, codes, config)]
    return out


def _unused(scopes: Iterable[_Scope], codes: frozenset[str],
            config: Config) -> Iterator[Diagnostic]:
    for s in sorted(scopes, key=lambda s: s.allow.span):
        code = s.allow.code
        if code in codes:
            if config.severity_for(code) == "off":
                continue
            help = "delete the `allow`; nothing here fires this code any more"
        elif code[:1].upper() == "E":
            help = "errors cannot be allowed: fix the error instead"
        else:
            help = (f"`{code}` is not a rule code; " +
                    (did_you_mean(code, codes) or "see `osm rules`"))
        yield UnusedAllow.found(f"`allow {code}` on {s.owner} suppresses nothing",
                                s.allow.span, help)
