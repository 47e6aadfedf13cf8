"""``check``: load a project, run the rules, apply severities and ``allow`` clauses."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from metriclang.project import Loaded, load_project
from metriclang.rules import run_rules


def check(path: str | Path, today: date | None = None) -> Loaded:
    """Everything ``osm check`` reports for a project.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "a.osm").write_text("measure m { }")
    >>> [x.code for x in check(d).diagnostics if x.severity.value == "error"]
    ['E123']
    """
    loaded = load_project(path)
    return Loaded(loaded.project, run_rules(loaded.project, loaded.diagnostics, today))
