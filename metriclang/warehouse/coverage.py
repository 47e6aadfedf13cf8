"""How far the data goes and which result rows it covers: the ``complete`` column.

The data of a result covers the time from the first day holding an event to the last
event's instant (the earliest last event among the sources read, the latest first day), or
to ``--as-of``. A row is complete when its period's frames lie inside (see
:func:`metriclang.periods.complete`): the week still running, the cohorts still converting
and the trailing windows reaching before the data are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from metriclang import periods
from metriclang.semantic.model import Project
from metriclang.sqlgen.coverage import Reach, bounds_sql
from metriclang.warehouse.result import COMPLETE, Engine, Result


@dataclass(frozen=True)
class Coverage:
    """The time the data covers: from ``first`` (a day) to ``as_of`` (an instant); None when
    the sources have no rows. ``given``: ``as_of`` is ``--as-of``, not the data's."""

    first: date | None
    as_of: datetime | None
    given: bool = False

    def complete(self, period: date, reach: Reach) -> bool:
        """Whether the row of ``period`` (its first day) of a plan of ``reach`` is complete."""
        return periods.complete(periods.day(period), reach.grain, reach.frames, self.first,
                                self.as_of)

    def mark(self, result: Result, reach: Reach) -> Result:
        """``result`` with a ``complete`` column after the others (its rows start with the
        period)."""
        rows = tuple((*row, self.complete(row[0], reach)) for row in result.rows)
        return Result((*result.columns, COMPLETE), rows)


class Bounds:
    """Each source's first and last time on one engine, asked once per source."""

    def __init__(self, project: Project, engine: Engine) -> None:
        self.project, self.engine = project, engine
        self.known: dict[str, tuple[Any, Any]] = {}

    def coverage(self, sources: tuple[str, ...], as_of: date | None = None) -> Coverage:
        """The coverage of the data of ``sources``; ``as_of``: the data counts as complete
        up to that day's midnight instead of its last event. Sources without rows say
        nothing. Raises :class:`~metriclang.warehouse.result.EngineError`."""
        wanted = tuple(s for s in sources if s not in self.known)
        if wanted:
            got = self.engine.query(bounds_sql(self.project, wanted, self.engine.dialect))
            self.known.update((row[0], (row[1], row[2])) for row in got.rows)
        seen = [self.known[s] for s in sources if self.known.get(s, (None, None))[1] is not None]
        first = max((periods.instant(lo).date() for lo, _ in seen), default=None)
        if as_of is not None:
            return Coverage(first, periods.instant(as_of), True)
        last = min((periods.instant(hi) for _, hi in seen), default=None)
        return Coverage(first, last)
