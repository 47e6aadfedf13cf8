"""``osm diff``: what a change means for the metric system, not how its text changed.

Pipeline: sides (directories or git revisions) -> ``check`` on each -> :func:`compare`
-> report (text, json, markdown); optionally ``--run`` the changed measures.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from metriclang.diff.compare import ModelDiff, compare
from metriclang.diff.run import MeasureRun, run_changed
from metriclang.diff.sides import Side
from metriclang.errors import UsageError
from metriclang.load import Loaded, load_project

#: ``--fail-on`` choices.
FAIL_ON = ("breaking", "any", "never")


def diff_sides(old: Side, new: Side, today: date | None = None) -> tuple[ModelDiff, Loaded,
                                                                         Loaded]:
    """Check both sides and compare them."""
    from metriclang.load import check

    before = check(old.root, today, shown=old.shown)
    after = check(new.root, today, shown=new.shown)
    return compare(before, after, old.label, new.label), before, after


def failed(d: ModelDiff, fail_on: str) -> bool:
    """Whether ``--fail-on`` turns this diff into exit code 1."""
    if fail_on == "breaking":
        return bool(d.breaking)
    return fail_on == "any" and not d.empty


def measures_to_run(d: ModelDiff) -> list[tuple[str, str]]:
    """``(old name, new name)`` of measures whose numbers or rows change."""
    inverse = {r.new: r.old for r in d.renamed if r.kind == "measure"}
    fields = {c.name: {f.field for f in c.changes if f.breaking} for c in d.changed}
    return sorted({(inverse.get(b.name, b.name), b.name) for b in d.breaking
                   if b.kind == "measure" and b.change in fields.get(b.name, ())},
                  key=lambda p: p[1])


def run_measures(before: Loaded, after: Loaded, project: Path, db: str | None,
                 pairs: list[tuple[str, str]], periods: int, timeout: float | None = None
                 ) -> tuple[tuple[MeasureRun, ...], str | None]:
    """Run ``pairs`` on the warehouse of ``--db``, else of the project on disk.

    Returns the runs and a note when demo data had to be generated first.
    """
    from metriclang.warehouse import opened
    from metriclang.warehouse.result import EngineError

    disk = load_project(project).project if project.exists() else after.project
    try:
        with opened(disk, db, timeout) as (engine, note):
            return run_changed(engine, before.project, after.project, pairs, periods), note
    except EngineError as exc:
        raise UsageError(f"cannot open the warehouse: {exc}") from None
