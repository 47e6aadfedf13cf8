"""``--format json``: ``{"diagnostics": [...], "summary": {...}}``, stable key order."""

from __future__ import annotations

import json
from typing import Any

from metriclang.diagnostics import Diagnostic, DiagnosticSet
from metriclang.report import checked_files
from metriclang.semantic.model import Project
from metriclang.source import Span


def _span(span: Span) -> dict[str, Any]:
    return {"file": span.file, "line": span.line, "column": span.column,
            "end_line": span.end_line, "end_column": span.end_column}


def diagnostic_dict(d: Diagnostic) -> dict[str, Any]:
    """One diagnostic as plain data (the JSON contract)."""
    return {
        "code": d.code, "severity": d.severity.value, "message": d.message,
        **_span(d.span), "help": d.help, "suppressed": d.suppressed, "reason": d.reason,
        "related": [{"message": r.message, **_span(r.span)} for r in d.related],
    }


def render(project: Project, diagnostics: DiagnosticSet, color: bool = False) -> str:
    from metriclang.diagnostics import Severity

    data = {
        "diagnostics": [diagnostic_dict(d) for d in diagnostics],
        "summary": {"files": checked_files(project, diagnostics),
                    "errors": diagnostics.count(Severity.ERROR),
                    "warnings": diagnostics.count(Severity.WARNING),
                    "infos": diagnostics.count(Severity.INFO),
                    "suppressed": sum(1 for d in diagnostics if d.suppressed)},
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
