"""Run generated and hand-written SQL on DuckDB: timings and result comparison."""

from __future__ import annotations

import datetime as dt
import statistics
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

#: Relative tolerance for values (float sums are order dependent in the last bits).
REL_TOL = 1e-9


@dataclass(frozen=True)
class Run:
    """Result of running one query: the timings, its rows (period -> value), or an error.

    ``seconds`` are wall-clock times; ``cpu_seconds`` the CPU time of this process over the
    same runs (DuckDB's worker threads included): the work done, which other jobs on a shared
    machine do not inflate.
    """

    seconds: tuple[float, ...]
    rows: dict[dt.date, float | None]
    error: str | None = None
    cpu_seconds: tuple[float, ...] = ()

    @property
    def median_s(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def best_s(self) -> float | None:
        """Fastest run: the figure least disturbed by other load on a shared machine."""
        return min(self.seconds) if self.seconds else None

    @property
    def best_cpu_s(self) -> float | None:
        """Least CPU time over the timed runs."""
        return min(self.cpu_seconds) if self.cpu_seconds else None


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection without progress bar output."""
    con = duckdb.connect(str(path), read_only=True)
    con.execute("SET enable_progress_bar = false")
    return con


def _value(v: object) -> float | None:
    if v is None:
        return None
    if isinstance(v, Decimal | int | float):
        return float(v)
    raise TypeError(f"unexpected value type {type(v).__name__}")


def _period(v: object) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    raise TypeError(f"unexpected period type {type(v).__name__}")


def fetch(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple]]:
    """Column names and rows of ``sql``, executed as metriclang's DuckDB warehouse does
    (``execute``: bound and planned once; ``con.sql`` binds a relation to learn its columns
    and binds it again to fetch, which charges a longer statement twice)."""
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description or ()]
    return names, cursor.fetchall()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, metric: str) -> dict[dt.date, float | None]:
    columns, rows = fetch(con, sql)
    names = [c.lower() for c in columns]
    index = names.index(metric) if metric in names else (
        names.index("value") if "value" in names else len(names) - 1)
    return {_period(r[0]): _value(r[index]) for r in rows}


def run(con: duckdb.DuckDBPyConnection, sql: str, metric: str, repeat: int,
        timeout_s: float) -> Run:
    """Run ``sql`` once for its rows, then ``repeat`` timed runs (stopped after ``timeout_s``).

    A slow query (first run over a tenth of the timeout) is timed once only.
    """
    timer = threading.Timer(timeout_s, con.interrupt)
    timer.start()
    try:
        t, c = time.perf_counter(), time.process_time()
        rows = _rows(con, sql, metric)
        times, cpu = [time.perf_counter() - t], [time.process_time() - c]
        if times[0] < timeout_s / 10:
            times, cpu = [], []
            for _ in range(repeat):
                t, c = time.perf_counter(), time.process_time()
                fetch(con, sql)
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
        return Run(tuple(times), rows, cpu_seconds=tuple(cpu))
    except duckdb.InterruptException:
        return Run((), {}, f"timeout after {timeout_s:.0f} s")
    except (duckdb.Error, TypeError, ValueError) as exc:
        return Run((), {}, f"{type(exc).__name__}: {exc}"[:500])
    finally:
        timer.cancel()


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= REL_TOL * max(abs(a), abs(b), 1.0)


def compare(got: dict[dt.date, float | None], want: dict[dt.date, float | None]
            ) -> dict[str, object]:
    """How ``got`` differs from ``want`` (the hand-written result).

    ``equal`` is true when both have the same periods and every value agrees; otherwise the
    counts say whether the difference is in the row set, in the values, or both.
    """
    common = got.keys() & want.keys()
    differ = sorted(d for d in common if not _close(got[d], want[d]))
    rel = [abs((got[d] or 0) - (want[d] or 0)) / max(abs(want[d] or 0), 1e-12) for d in differ
           if got[d] is not None and want[d] is not None]
    extra = sorted(got.keys() - want.keys())
    missing = sorted(want.keys() - got.keys())
    return {
        "equal": not differ and not extra and not missing,
        # Sidemantic divides in FLOAT (float32): equal but for that rounding.
        "equal_float32": not extra and not missing and (not rel or max(rel) < 1e-6)
        and len(rel) == len(differ),
        "rows": len(got), "hand_rows": len(want), "common_rows": len(common),
        "differing_values": len(differ), "max_rel_diff": max(rel) if rel else 0.0,
        "extra_rows": len(extra), "missing_rows": len(missing),
        # Extra periods with a NULL value (a rate on a day without its base events) carry
        # no number; equal apart from them means the tool lists empty periods explicitly.
        "extra_null_rows": sum(got[d] is None for d in extra),
        "equal_but_null_rows": not differ and not missing
        and all(got[d] is None for d in extra),
        "first_extra": str(extra[0]) if extra else None,
        "first_missing": str(missing[0]) if missing else None,
        "first_differing": str(differ[0]) if differ else None,
    }
