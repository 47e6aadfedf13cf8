"""Comparing result rows across engines: same dates, same text, numbers to 1e-9."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def _value(v: Any) -> Any:
    if isinstance(v, datetime) and v.time() == datetime.min.time():
        return v.date()
    if isinstance(v, Decimal | float) and not isinstance(v, bool):
        return float(v)
    return v


def normalized(rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Rows with midnight timestamps as dates and every decimal as a float."""
    return [tuple(_value(v) for v in row) for row in rows]


def _same(a: Any, b: Any) -> bool:
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return type(a) is type(b) and a == b if isinstance(a, date) else a == b


def assert_rows_equal(actual: Sequence[tuple[Any, ...]], expected: Sequence[tuple[Any, ...]]
                      ) -> None:
    """Same number of rows, same order, equal values (numbers within 1e-9)."""
    assert len(actual) == len(expected), (
        f"{len(actual)} rows, expected {len(expected)}:\n{actual[:5]}\n{expected[:5]}")
    for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
        assert len(a) == len(e) and all(_same(x, y) for x, y in zip(a, e, strict=True)), (
            f"row {i}: {a} != {e}")
