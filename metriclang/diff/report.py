"""Render a :class:`~metriclang.diff.compare.ModelDiff`: text, json or markdown (pure)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from metriclang.diagnostics import Diagnostic
from metriclang.diff.compare import ModelDiff
from metriclang.diff.run import MeasureRun
from metriclang.report import printable
from metriclang.report.json import diagnostic_dict

FORMATS = ("text", "json", "markdown")
#: Values longer than this are shown as -/+ lines rather than ``old → new``.
INLINE = 60
#: GitHub refuses comments over 65,536 characters: longer details are cut at an element.
MAX_COMMENT = 60_000
#: Breaking changes listed above the fold; the rest are counted.
SHOWN = 25


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(d: ModelDiff) -> str:
    """One line: the counts, breaking changes first."""
    parts = [_plural(len(d.breaking), "breaking change"), f"{len(d.added)} added",
             f"{len(d.removed)} removed", f"{len(d.renamed)} renamed",
             f"{len(d.changed)} changed",
             f"{_plural(len(d.diagnostics_new), 'new diagnostic')}",
             f"{len(d.diagnostics_fixed)} fixed"]
    return " · ".join(parts)


def _value(v: str | None) -> str:
    return "(none)" if v is None else v


def _where(d: Diagnostic) -> str:
    return f"{d.span.file}:{d.span.line}:{d.span.column}"


def _diag_line(d: Diagnostic) -> str:
    return f"{_where(d)}: {d.severity.value}[{d.code}] {d.message}"


def _number(v: float | None) -> str:
    return "NULL" if v is None else f"{v:.6g}"


def _run_rows(run: MeasureRun) -> list[tuple[str, str, str, str]]:
    out = []
    for r in run.rows:
        delta = "" if r.old is None or r.new is None else f"{r.new - r.old:+.6g}"
        label = r.period + (" " + ", ".join(r.dims) if r.dims else "")
        out.append((label, _number(r.old), _number(r.new), delta))
    return out


# ---------------------------------------------------------------- text


def render_text(d: ModelDiff, runs: Sequence[MeasureRun] = ()) -> str:
    """Plain text for a terminal (control characters shown escaped)."""
    lines = [f"osm diff {d.old} → {d.new}", summary(d)]
    if d.empty and not d.diagnostics_fixed:
        return printable("\n".join([*lines, "no change in meaning"]) + "\n")
    if d.breaking:
        lines += ["", "Breaking changes:"]
        lines += [f"  ✗ {b.kind} {b.name}: {b.reason}" for b in d.breaking]
    sections = (("Added:", [f"  + {e.kind} {e.name}" for e in d.added]),
                ("Removed:", [f"  - {e.kind} {e.name}" for e in d.removed]),
                ("Renamed:", [f"  ~ {r.kind} {r.old} → {r.new}" for r in d.renamed]))
    for title, body in sections:
        if body:
            lines += ["", title, *body]
    if d.changed:
        lines += ["", "Changed:"]
        for c in d.changed:
            lines.append(f"  {c.kind} {c.name}")
            for f in c.changes:
                mark = "  [breaking]" if f.breaking else ""
                if len(_value(f.old)) + len(_value(f.new)) > INLINE or f.field == "formula":
                    lines += [f"    {f.field}:{mark}", f"      - {_value(f.old)}",
                              f"      + {_value(f.new)}"]
                else:
                    lines.append(f"    {f.field}: {_value(f.old)} → {_value(f.new)}{mark}")
    for title, diags in (("New diagnostics:", d.diagnostics_new),
                         ("Fixed diagnostics:", d.diagnostics_fixed)):
        if diags:
            lines += ["", title, *(f"  {_diag_line(x)}" for x in diags)]
    for run in runs:
        lines += ["", f"Values of {run.measure} (old → new):"]
        if run.problem:
            lines.append(f"  {run.problem}")
        lines += [f"  {p}: {o} → {n}" + (f" ({x})" if x else "") for p, o, n, x in _run_rows(run)]
    return printable("\n".join(lines) + "\n")


# ---------------------------------------------------------------- json


def to_data(d: ModelDiff, runs: Sequence[MeasureRun] = ()) -> dict[str, Any]:
    """The diff as plain data (the ``--format json`` contract)."""
    data: dict[str, Any] = {
        "old": d.old, "new": d.new,
        "summary": {"breaking": len(d.breaking), "added": len(d.added),
                    "removed": len(d.removed), "renamed": len(d.renamed),
                    "changed": len(d.changed), "diagnostics_new": len(d.diagnostics_new),
                    "diagnostics_fixed": len(d.diagnostics_fixed)},
        "added": [{"kind": e.kind, "name": e.name} for e in d.added],
        "removed": [{"kind": e.kind, "name": e.name} for e in d.removed],
        "renamed": [{"kind": r.kind, "old": r.old, "new": r.new} for r in d.renamed],
        "changed": [{"kind": c.kind, "name": c.name, "changes": [
            {"field": f.field, "old": f.old, "new": f.new, "breaking": f.breaking}
            for f in c.changes]} for c in d.changed],
        "breaking": [{"kind": b.kind, "name": b.name, "change": b.change, "reason": b.reason}
                     for b in d.breaking],
        "diagnostics_new": [diagnostic_dict(x) for x in d.diagnostics_new],
        "diagnostics_fixed": [diagnostic_dict(x) for x in d.diagnostics_fixed],
    }
    if runs:
        data["runs"] = [{"measure": r.measure, "problem": r.problem, "rows": [
            {"period": x.period, "dimensions": list(x.dims), "old": x.old, "new": x.new}
            for x in r.rows]} for r in runs]
    return data


def render_json(d: ModelDiff, runs: Sequence[MeasureRun] = ()) -> str:
    return json.dumps(to_data(d, runs), ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------- markdown


def _cell(v: str | None) -> str:
    if v is None:
        return "—"
    return "`" + v.replace("`", "'").replace("|", "\\|").replace("\n", " ") + "`"


def render_markdown(d: ModelDiff, runs: Sequence[MeasureRun] = ()) -> str:
    """A pull-request comment: a short summary first, the details folded."""
    out = [f"### Metric changes: `{d.old}` → `{d.new}`", ""]
    if d.empty and not d.diagnostics_fixed:
        return "\n".join([*out, "No change in meaning."]) + "\n"
    head = f"**{_plural(len(d.breaking), 'breaking change')}**" if d.breaking else \
        "No breaking change"
    out += [head + " · " + summary(d).split(" · ", 1)[1], ""]
    out += [f"- :warning: {b.kind} `{b.name}`: {b.reason}" for b in d.breaking[:SHOWN]]
    if len(d.breaking) > SHOWN:
        out.append(f"- … and {len(d.breaking) - SHOWN} more breaking changes (see the details)")
    details: list[str] = []
    for title, items in (("Added", [f"- {e.kind} `{e.name}`" for e in d.added]),
                         ("Removed", [f"- {e.kind} `{e.name}`" for e in d.removed]),
                         ("Renamed", [f"- {r.kind} `{r.old}` → `{r.new}`" for r in d.renamed])):
        if items:
            details += [f"#### {title}", "", *items, ""]
    if d.changed:
        details += ["#### Changed", ""]
        for c in d.changed:
            details += [f"**{c.kind} `{c.name}`**", "", "| field | old | new | breaking |",
                        "| --- | --- | --- | --- |"]
            details += [f"| {f.field} | " + ("see below | see below" if f.field == "formula"
                                              else f"{_cell(f.old)} | {_cell(f.new)}")
                        + f" | {'yes' if f.breaking else ''} |" for f in c.changes]
            details.append("")
            for f in c.changes:
                if f.field == "formula":
                    details += ["```diff", f"- {_value(f.old)}", f"+ {_value(f.new)}", "```", ""]
    for title, diags in (("New diagnostics", d.diagnostics_new),
                         ("Fixed diagnostics", d.diagnostics_fixed)):
        if diags:
            details += [f"#### {title}", "",
                        *(f"- `{_where(x)}` {x.severity.value} **{x.code}** {x.message}"
                          for x in diags), ""]
    for run in runs:
        details += [f"#### Values of `{run.measure}`", ""]
        if run.problem:
            details += [run.problem, ""]
        if run.rows:
            details += ["| period | old | new | change |", "| --- | ---: | ---: | ---: |",
                        *(f"| {p} | {o} | {n} | {x} |" for p, o, n, x in _run_rows(run)), ""]
    text = "\n".join(details)
    room = MAX_COMMENT - len("\n".join(out)) - 200
    if len(text) > room:
        cut = max(text.rfind("\n#### ", 0, room), text.rfind("\n**", 0, room))
        text = text[:cut if cut > 0 else room].rstrip() + (
            "\n\n*Details cut to fit a comment; run `osm diff --format json` for all of them.*\n")
    out += ["", "<details><summary>Details</summary>", "", text, "</details>"]
    return "\n".join(out) + "\n"


RENDERERS: dict[str, Callable[[ModelDiff, Sequence[MeasureRun]], str]] = {
    "text": render_text, "json": render_json, "markdown": render_markdown}
