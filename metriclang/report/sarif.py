"""``--format sarif``: SARIF 2.1.0 for code-scanning services and editors.

One run; ``tool.driver.rules`` comes from the rule docs; suppressed diagnostics are kept with
an ``inSource`` suppression and the allow's reason. Paths are relative to the current
directory, like the ``github`` reporter's.
"""

from __future__ import annotations

import json
import os
from typing import Any

from metriclang import __version__
from metriclang.diagnostics import Diagnostic, DiagnosticSet
from metriclang.rules.base import Rule
from metriclang.rules.docs import page
from metriclang.rules.registry import DOCUMENTED
from metriclang.semantic.model import Project
from metriclang.source import Span

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def descriptor(rule: type[Rule]) -> dict[str, Any]:
    """A SARIF ``reportingDescriptor`` built from a rule's docstring."""
    d = rule.doc()
    return {
        "id": rule.code, "name": rule.name,
        "shortDescription": {"text": d.summary},
        "fullDescription": {"text": " ".join(d.checks.split())},
        "help": {"text": " ".join(d.why.split()), "markdown": page(rule)},
        "defaultConfiguration": {"level": _LEVEL[rule.default.value]},
        "properties": {"tags": [rule.name]},
    }


def _location(root: str, span: Span, message: str | None = None) -> dict[str, Any]:
    uri = span.file if root == "." else f"{root}/{span.file}"
    region = {"startLine": span.line, "startColumn": span.column,
              "endLine": span.end_line, "endColumn": span.end_column}
    out: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": uri},
                                                "region": region}}
    if message is not None:
        out["message"] = {"text": message}
    return out


def _result(d: Diagnostic, root: str, index: dict[str, int]) -> dict[str, Any]:
    text = d.message + (f" (help: {d.help})" if d.help else "")
    out: dict[str, Any] = {"ruleId": d.code, "ruleIndex": index[d.code],
                           "level": _LEVEL[d.severity.value], "message": {"text": text}}
    if d.span.file:
        out["locations"] = [_location(root, d.span)]
    if d.related:
        out["relatedLocations"] = [dict(id=i, **_location(root, r.span, r.message))
                                   for i, r in enumerate(d.related) if r.span.file]
    if d.suppressed:
        out["suppressions"] = [{"kind": "inSource", "justification": d.reason or ""}]
    return out


def render(project: Project, diagnostics: DiagnosticSet, color: bool = False) -> str:
    root = os.path.relpath(project.root).replace(os.sep, "/") if project.root else "."
    rules = [descriptor(r) for r in DOCUMENTED]
    documented = {r.code for r in DOCUMENTED}
    rules += [{"id": code} for code in sorted({d.code for d in diagnostics} - documented)]
    index = {r["id"]: i for i, r in enumerate(rules)}
    log = {
        "$schema": SCHEMA, "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "metriclang", "version": __version__, "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": [_result(d, root, index) for d in diagnostics],
        }],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"
