"""What a plan's periods read of time (:class:`Reach`) and the query of the data's bounds.

A period's row is complete when the data covers every frame its leaves read (see
:func:`metriclang.periods.complete`); the bounds query gives, per source, the first and last
time of its rows, to judge that against. Both stay outside the measure's own SQL, so compiled
queries are the same with or without completeness.

>>> import pathlib, tempfile
>>> from metriclang.load import load_project
>>> from metriclang.sqlgen.plan import plan_measure
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.osm").write_text("source s { table t time at } measure m { formula "
...                              "count(s) window 28 days grain week }")
>>> p = load_project(d).project
>>> reach(plan_measure(p, "m")[0])
Reach(grain='week', sources=('s',), frames=(Frame(back=(4, 'week'), ahead=(0, 'day')),))
>>> print(bounds_sql(p, ("s",), "postgres"), end="")
SELECT
  's' AS osm_source,
  MIN(at) AS osm_lo,
  MAX(at) AS osm_hi
FROM t
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from metriclang.periods import Frame
from metriclang.semantic.model import Project
from metriclang.sqlgen.build.context import source_table
from metriclang.sqlgen.plan import Leaf, MeasurePlan, Strategy
from metriclang.sqlgen.render import render

#: Columns of the bounds query.
SOURCE, LO, HI = "osm_source", "osm_lo", "osm_hi"


@dataclass(frozen=True)
class Reach:
    """What the periods of a plan read: its grain, the sources and each leaf's frame."""

    grain: str
    sources: tuple[str, ...]
    frames: tuple[Frame, ...]


def frame(leaf: Leaf, grain: str) -> Frame:
    """The time one leaf reads around a period of ``grain``."""
    match leaf.strategy:
        case Strategy.ROWS:
            return Frame((leaf.periods, grain))
        case Strategy.RANGE if leaf.window is not None:
            return Frame((leaf.window.amount, leaf.window.unit))
        case Strategy.RANGE | Strategy.RUNNING | Strategy.FIRST_SEEN:
            return Frame(None)
        case Strategy.CONVERSION:
            assert leaf.conversion is not None
            within = leaf.conversion.within
            return Frame((1, grain), (within.amount, within.unit))
    return Frame((1, grain))


def reach(plan: MeasurePlan) -> Reach:
    """The frames of a plan's leaves (each distinct frame once, in leaf order)."""
    frames = tuple(dict.fromkeys(frame(leaf, plan.grain) for leaf in plan.leaves))
    return Reach(plan.grain, plan.sources, frames)


def bounds_sql(project: Project, sources: tuple[str, ...], dialect: str) -> str:
    """One SELECT giving each source's name, first and last time (NULL without rows)."""
    scans = [
        exp.select(
            exp.Literal.string(name).as_(SOURCE, copy=False),
            exp.Min(this=exp.column(project.sources[name].time_column)).as_(LO, copy=False),
            exp.Max(this=exp.column(project.sources[name].time_column)).as_(HI, copy=False),
        ).from_(source_table(project.sources[name]), copy=False)
        for name in sources
    ]
    query = exp.union(*scans, distinct=False, copy=False) if len(scans) > 1 else scans[0]
    return render(query, dialect)


def measure_reach(project: Project, name: str) -> Reach | None:
    """The reach of measure ``name`` as declared (None when it can't be planned)."""
    from metriclang.sqlgen.plan import plan_measure

    plan, _ = plan_measure(project, name)
    return reach(plan) if plan is not None else None
