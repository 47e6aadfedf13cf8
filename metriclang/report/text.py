"""``--format text``: compiler-style diagnostics with the source line and a caret."""

from __future__ import annotations

from metriclang.diagnostics import Diagnostic, DiagnosticSet, Severity
from metriclang.display import width
from metriclang.report import checked_files, printable
from metriclang.semantic.model import Project

#: rich styles of the coloured parts (severities and ``help``).
_STYLES = {"error": "bold red", "warning": "bold yellow", "info": "bold cyan", "blue": "bold blue"}


def _paint(text: str, style: str, color: bool) -> str:
    """``text`` in a style's ANSI colours (rich renders them), or as it is."""
    if not color:
        return text
    from rich.color import ColorSystem
    from rich.style import Style

    return Style.parse(_STYLES[style]).render(text, color_system=ColorSystem.STANDARD)


#: Source lines longer than this many characters are shown as a window around the span.
MAX_LINE = 100
_BEFORE = 30


def _window(text: str, start: int, end: int) -> tuple[str, int, int]:
    """A long line cut around the span ``[start, end)`` (0-based), with the span's offsets in
    the shown text; ``…`` marks what was cut."""
    if len(text) <= MAX_LINE:
        return text, start, end
    lo = max(0, start - _BEFORE)
    hi = min(len(text), lo + MAX_LINE)
    prefix, suffix = ("…" if lo else ""), ("…" if hi < len(text) else "")
    shift = len(prefix) - lo
    return prefix + text[lo:hi] + suffix, start + shift, min(end, hi) + shift


def _head(d: Diagnostic, color: bool) -> str:
    """``file:line:col: severity[CODE] message``."""
    label = d.severity.value + (" (suppressed)" if d.suppressed else "")
    return (f"{printable(str(d.span), False)}: "
            f"{_paint(f'{label}[{d.code}]', d.severity.value, color)} "
            f"{printable(d.message, False)}")


def render_one(project: Project, d: Diagnostic, color: bool = False) -> str:
    """One diagnostic: header, source line, caret underline, related spots, help.

    Text from the specs (messages, file names, the source line) is shown through
    :func:`~metriclang.report.printable`: control characters appear escaped.
    """
    lines = [_head(d, color)]
    source = project.file(d.span.file)
    if source is not None:
        text = source.lines.line(d.span.line).expandtabs(1)
        if text.strip():
            number = str(d.span.line)
            pad = " " * len(number)
            end = d.span.end_column if d.span.end_line == d.span.line else len(text) + 1
            text, start, stop = _window(text, d.span.column - 1, max(end, d.span.column + 1) - 1)
            before, span = printable(text[:start], False), printable(text[start:stop], False)
            caret = " " * width(before) + "^" * max(1, width(span))
            lines += [f"{pad} |", f"{number} | {before}{span}{printable(text[stop:], False)}",
                      f"{pad} | {_paint(caret, d.severity.value, color)}"]
    for r in d.related:
        lines.append(f"  note: {printable(str(r.span), False)}: {printable(r.message, False)}")
    if d.suppressed and d.reason:
        lines.append(f"  allowed: {printable(d.reason, False)}")
    if d.help:  # a hint of several lines (an engine's candidates): one line each, indented
        first, *rest = d.help.split("\n")
        lines.append(f"  {_paint('help', 'blue', color)}: {printable(first, False)}")
        lines += [f"        {printable(line, False)}" for line in rest]
    return "\n".join(lines)


def summary(project: Project, diagnostics: DiagnosticSet) -> str:
    errors, warnings = diagnostics.count(Severity.ERROR), diagnostics.count(Severity.WARNING)
    suppressed = sum(1 for d in diagnostics if d.suppressed)
    files = checked_files(project, diagnostics)
    parts = [f"{errors} error{'s' * (errors != 1)}", f"{warnings} warning{'s' * (warnings != 1)}"]
    if suppressed:
        parts.append(f"{suppressed} suppressed")
    return f"checked {files} file{'s' * (files != 1)}: " + ", ".join(parts)


def render(project: Project, diagnostics: DiagnosticSet, color: bool = False,
           quiet: bool = False) -> str:
    """Every diagnostic in full, a suppressed one on its header line alone (its reason is in
    ``--format json``), then the summary; ``quiet`` leaves out all but the errors."""
    blocks = [_head(d, color) if d.suppressed else render_one(project, d, color)
              for d in diagnostics
              if not quiet or (d.severity is Severity.ERROR and not d.suppressed)]
    return "\n\n".join([*blocks, summary(project, diagnostics)]) + "\n"
