"""Calendar arithmetic, one copy: grains, units, durations in days, truncation, adding periods.

A *grain* is the period a measure is reported by; a *unit* is what a duration counts in
(``30 days``, ``1 quarter``); both range over :data:`GRAINS`. Days and weeks are counted in
days, months, quarters and years in calendar months; weeks start on Monday. Arithmetic
beyond the calendar lands on its first or last day (``date.min``, ``date.max``): a lag of a
billion months or ``--to 9999-12-31`` plans, never fails.

>>> truncate(date(2026, 11, 26), "week"), truncate(date(2024, 2, 29), "quarter")
(datetime.date(2026, 11, 23), datetime.date(2024, 1, 1))
>>> add(date(2024, 3, 31), -1, "month"), add(date(2024, 2, 26), 1, "week")
(datetime.date(2024, 2, 29), datetime.date(2024, 3, 4))
>>> step("quarter"), window_periods("month", 1, "quarter"), lag_periods(30, "week")
(Step(base='MONTH', amount=3), 3, 4)
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import NamedTuple

GRAINS = ("day", "week", "month", "quarter", "year")
#: Days per unit counted in days.
DAYS = {"day": 1, "week": 7}
#: Months per unit counted in calendar months.
MONTHS = {"month": 1, "quarter": 3, "year": 12}
#: Approximate days per unit, for comparing lags with grains and dating chains of lags.
APPROX_DAYS = {"day": 1, "week": 7, "month": 30, "quarter": 91, "year": 365}
#: The shortest calendar length of a period of each grain, in days.
SHORTEST_DAYS = {"day": 1, "week": 7, "month": 28, "quarter": 90, "year": 365}


class Step(NamedTuple):
    """One period of a unit as SQL date arithmetic: ``amount`` times ``base``."""

    base: str  # "DAY" or "MONTH"
    amount: int


def step(unit: str) -> Step:
    """A unit as a number of days or of months."""
    return Step("DAY", DAYS[unit]) if unit in DAYS else Step("MONTH", MONTHS[unit])


def truncate(day: date, grain: str) -> date:
    """The first day of the period of ``grain`` holding ``day``."""
    match grain:
        case "day":
            return day
        case "week":
            return day - timedelta(days=day.weekday())
        case "month":
            return day.replace(day=1)
        case "quarter":
            return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        case "year":
            return date(day.year, 1, 1)
    raise ValueError(f"unknown grain {grain!r}")


def add_days(day: date, days: int) -> date:
    """``day`` plus ``days``, clamped to the calendar.

    >>> add_days(date(2024, 2, 26), 7), add_days(date(1, 1, 1), -10**9)
    (datetime.date(2024, 3, 4), datetime.date(1, 1, 1))
    """
    try:
        return day + timedelta(days=days)
    except OverflowError:  # also raised by timedelta itself beyond 999,999,999 days
        return date.max if days > 0 else date.min


def add_months(day: date, months: int) -> date:
    """Calendar month arithmetic, clamping to the month's last day (Jan 31 + 1 month = Feb 28),
    as SQL's date arithmetic does, and to the calendar.

    >>> add_months(date(2024, 1, 31), 1), add_months(date(2024, 1, 31), -2)
    (datetime.date(2024, 2, 29), datetime.date(2023, 11, 30))
    >>> add_months(date(9999, 12, 1), 1), add_months(date(2024, 1, 31), 10**9)
    (datetime.date(9999, 12, 31), datetime.date(9999, 12, 31))
    """
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    if not date.min.year <= year <= date.max.year:
        return date.max if months > 0 else date.min
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add(day: date, amount: int, unit: str) -> date:
    """``day`` plus ``amount`` periods of ``unit`` (negative: before)."""
    base, size = step(unit)
    return add_days(day, amount * size) if base == "DAY" else add_months(day, amount * size)


def after(today: date, lag: tuple[int, int]) -> date:
    """``today`` plus a lag of (calendar months, days)."""
    return add_days(add_months(today, lag[0]), lag[1])


def lag_parts(amount: int, unit: str) -> tuple[int, int]:
    """A duration as (calendar months, approximate days): months, quarters and years count in
    months, days and weeks in days."""
    months = MONTHS.get(unit)
    return (amount * months, 0) if months else (0, amount * APPROX_DAYS[unit])


def period_number(start: date, grain: str) -> int:
    """A number per period of ``grain``: consecutive periods get consecutive numbers.

    >>> period_number(date(2027, 1, 1), "month") - period_number(date(2026, 12, 1), "month")
    1
    """
    match grain:
        case "day":
            return start.toordinal()
        case "week":
            return start.toordinal() // 7
        case "month":
            return start.year * 12 + start.month - 1
        case "quarter":
            return start.year * 4 + (start.month - 1) // 3
        case "year":
            return start.year
    raise ValueError(f"unknown grain {grain!r}")


def window_periods(grain: str, amount: int, unit: str) -> int | None:
    """How many whole periods of ``grain`` a window of ``amount unit`` spans, if whole.

    >>> window_periods("day", 7, "day"), window_periods("month", 30, "day")
    (7, None)
    """
    for table in (DAYS, MONTHS):
        if grain in table and unit in table:
            length = amount * table[unit]
            return length // table[grain] if length % table[grain] == 0 else None
    return None


def lag_periods(days: int, grain: str) -> int:
    """A lag in days as a whole number of periods of ``grain`` (rounded, at least 0)."""
    return max(0, round(days / APPROX_DAYS[grain]))


def coarser(a: str, b: str) -> str:
    """The coarser of two grains."""
    return max(a, b, key=GRAINS.index)


class Frame(NamedTuple):
    """The time one period's value reads, relative to the period ``[start, end)``: from
    ``back`` before its end (None: all history) to ``ahead`` after its end, each an
    ``(amount, unit)`` duration. A plain aggregate reads its period, ``Frame((1, grain))``;
    a trailing 28-day window ``Frame((28, "day"))``; a running total ``Frame(None)``; a
    conversion cohort with a 7-day window ``Frame((1, grain), (7, "day"))``."""

    back: tuple[int, str] | None
    ahead: tuple[int, str] = (0, "day")


def day(value: object) -> date:
    """An engine's period value as a date: a timestamp's day, a date, or ISO text.

    >>> day(datetime(2026, 12, 31, 14, 5)), day("2026-12-31 00:00:00")
    (datetime.date(2026, 12, 31), datetime.date(2026, 12, 31))
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def instant(value: date) -> datetime:
    """A date or timestamp as a naive timestamp: a date is its midnight; a time zone is
    dropped (engines give the wall time of the session, which periods are cut in).

    >>> instant(date(2026, 12, 31)), instant(datetime(2026, 12, 31, 14, 5))
    (datetime.datetime(2026, 12, 31, 0, 0), datetime.datetime(2026, 12, 31, 14, 5))
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.combine(value, datetime.min.time())


def complete(start: date, grain: str, frames: Iterable[Frame], first: date | None,
             as_of: datetime | None) -> bool:
    """Whether the data covers everything the value of the period of ``grain`` starting on
    ``start`` reads: each frame ends by ``as_of`` (None: no period is complete) and, unless
    it reads all history, starts on or after ``first``, the first day of the data.

    >>> week, last = date(2026, 12, 28), datetime(2026, 12, 31, 9)
    >>> complete(week, "week", [Frame((1, "week"))], date(2025, 1, 1), last)
    False
    >>> complete(date(2026, 12, 21), "week", [Frame((1, "week"))], date(2025, 1, 1), last)
    True
    >>> cohort = Frame((1, "week"), (7, "day"))  # its last entity has 7 days to convert
    >>> complete(date(2026, 12, 21), "week", [cohort], None, last)
    False
    >>> trailing = Frame((28, "day"))  # the 28 days up to the end of 2025-01-12
    >>> complete(date(2025, 1, 12), "day", [trailing], date(2025, 1, 1), last)
    False
    >>> complete(date(2025, 1, 12), "day", [Frame(None)], date(2025, 1, 1), last)
    True
    """
    if as_of is None:
        return False
    end = add(start, 1, grain)
    for back, ahead in frames:
        if instant(add(end, *ahead)) > as_of:
            return False
        if back is not None and first is not None and add(end, -back[0], back[1]) < first:
            return False
    return True
