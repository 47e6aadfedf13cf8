"""Lint rules (C2xx causal chain, S3xx structure, V4xx vanity) and their runner.

Rules emit their default severity; ``suppress.py`` then applies ``metriclang.toml`` and the
``allow`` clauses. A rule that raises becomes an internal-error diagnostic (X001) naming the
rule, and the other rules still run; with ``METRICLANG_RERAISE=1`` (the tests) it re-raises.
"""

from __future__ import annotations

import os
from datetime import date

from metriclang.diagnostics import Diagnostic, DiagnosticSet, Severity
from metriclang.gcpause import collector_paused
from metriclang.rules.base import Rule
from metriclang.rules.context import Context
from metriclang.rules.registry import DOCUMENTED, RULES
from metriclang.rules.suppress import apply
from metriclang.semantic.model import Project
from metriclang.source import Span

INTERNAL_ERROR = "X001"
RERAISE_ENV = "METRICLANG_RERAISE"
CODES = frozenset(r.code for r in DOCUMENTED)


def run_rules(project: Project, found: DiagnosticSet, today: date | None = None) -> DiagnosticSet:
    """Run every rule on ``project`` and merge with ``found``; severities and ``allow``s applied.

    ``today`` is the date C207 sums lags from (default: the real today).
    """
    ctx = Context(project, today or date.today())
    out: list[Diagnostic] = list(found)
    with collector_paused():  # many small objects next to a model of millions
        for rule in RULES:
            out += _run(rule, ctx, project)
    return DiagnosticSet.of(apply(project, out, CODES))


def _run(rule: type[Rule], ctx: Context, project: Project) -> list[Diagnostic]:
    """One rule's findings; a crash becomes an X001 diagnostic naming the rule."""
    if project.config.severity_for(rule.code) == "off":
        return []
    try:
        return list(rule().check(ctx))
    except Exception as exc:
        if os.environ.get(RERAISE_ENV):
            raise
        return [Diagnostic(
            INTERNAL_ERROR, Severity.ERROR,
            f"internal error in rule {rule.code} ({rule.name}): "
            f"{type(exc).__name__}: {exc}", Span("", 1, 1, 1, 1),
            "this is a bug in metriclang, please report it; the other rules still ran")]
