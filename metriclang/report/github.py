"""``--format github``: GitHub Actions workflow commands (annotations on the pull request)."""

from __future__ import annotations

from metriclang.diagnostics import DiagnosticSet
from metriclang.report import printable
from metriclang.semantic.model import Project


def _escape(text: str, prop: bool = False) -> str:
    """A workflow command's value: control characters shown escaped, then GitHub's escapes."""
    text = printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def render(project: Project, diagnostics: DiagnosticSet, color: bool = False) -> str:
    import os

    lines = []
    root = os.path.relpath(project.root) if project.root else "."
    for d in diagnostics.active():
        level = {"error": "error", "warning": "warning", "info": "notice"}[d.severity.value]
        path = d.span.file if root == "." else f"{root}/{d.span.file}"
        message = d.message + (f" (help: {d.help})" if d.help else "")
        lines.append(
            f"::{level} file={_escape(path, True)},line={d.span.line},col={d.span.column},"
            f"endLine={d.span.end_line},endColumn={d.span.end_column},"
            f"title={_escape(d.code, True)}::{_escape(message)}")
    return "\n".join(lines) + ("\n" if lines else "")
