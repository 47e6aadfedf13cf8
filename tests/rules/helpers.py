"""Shared helpers of the rule tests: check a spec with the standard `events` source."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from metriclang.diagnostics import Diagnostic
from metriclang.load import check
from metriclang.rules.docs import PRELUDE

TODAY = date(2026, 1, 1)


def check_spec(tmp: Path, case: Path | str, today: date = TODAY) -> list[Diagnostic]:
    """Check a case (an ``.osm`` file, a folder, or spec text) in a fresh project folder;
    the ``events`` source of the rule docs is added unless the case declares it."""
    project = tmp / "project"
    project.mkdir(parents=True)
    if isinstance(case, str):
        (project / "spec.osm").write_text(case, encoding="utf-8")
    elif case.is_dir():
        shutil.copytree(case, project, dirs_exist_ok=True)
    else:
        shutil.copy(case, project / case.name)
    text = "".join(p.read_text(encoding="utf-8") for p in project.glob("*.osm"))
    if "source events" not in text:
        (project / "events.osm").write_text(PRELUDE, encoding="utf-8")
    return list(check(project, today).diagnostics)


def describe(d: Diagnostic) -> str:
    """A diagnostic as the lines of an ``.expected`` file."""
    head = f"{d.span.file}:{d.span.line}:{d.span.column} {d.severity.value} {d.code} {d.message}"
    lines = [head + (" [suppressed]" if d.suppressed else "")]
    lines += [f"  note {r.span.line}:{r.span.column} {r.message}" for r in d.related]
    if d.reason:
        lines.append(f"  reason {d.reason}")
    return "\n".join(lines)
