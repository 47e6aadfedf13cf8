"""Result reporters: the same values print the same text whatever the engine returned."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest

from metriclang.report.results import cell, plain, to_csv, to_json, to_table
from metriclang.warehouse.coverage import Coverage
from metriclang.warehouse.result import Named, Result

ROWS = Result(("period", "country", "value"), (
    (date(2025, 1, 1), "中国", Decimal("0.3000000000000000")),
    (datetime(2025, 2, 1), "DE", None),
))
MARKED = Result(("period", "country", "value", "complete"), (
    (date(2025, 1, 1), "中国", Decimal("0.3000000000000000"), True),
    (datetime(2025, 2, 1), "DE", None, False),
))


@pytest.mark.parametrize(("value", "text"), [
    (0.1 + 0.2, "0.3"), (Decimal("0.3000000000000000"), "0.3"), (1 / 3, "0.333333333"),
    (Decimal("72288.61"), "72288.61"), (12, "12"), (Decimal("250000.00"), "250000"),
    (datetime(2025, 3, 1), "2025-03-01"), (datetime(2025, 3, 1, 8, 30), "2025-03-01T08:30:00"),
    (date(2024, 2, 29), "2024-02-29"), (False, "false"), (None, ""), (float("nan"), ""),
    (-2.5e-10, "0"),
])
def test_cells(value: object, text: str) -> None:
    assert cell(value) == text


def test_plain_numbers_are_json_numbers() -> None:
    assert plain(Decimal("0.35373317013")) == 0.35373317
    assert plain(Decimal("4.000")) == 4 and isinstance(plain(Decimal("4.000")), int)


def test_json_one_and_many() -> None:
    one = json.loads(to_json([Named("aov", "AOV", ROWS)], single=True))
    assert one == {"measure": "aov", "columns": ["period", "country", "value"], "rows": [
        {"period": "2025-01-01", "country": "中国", "value": 0.3},
        {"period": "2025-02-01", "country": "DE", "value": None}]}
    many = json.loads(to_json([Named("aov", None, ROWS)] * 2, single=False))
    assert [m["measure"] for m in many["measures"]] == ["aov", "aov"]


def test_csv_one_and_many() -> None:
    assert to_csv([Named("aov", None, ROWS)], single=True) == (
        "period,country,value\n2025-01-01,中国,0.3\n2025-02-01,DE,\n")
    assert to_csv([Named("aov", None, MARKED)], single=False) == (
        "measure,period,dimensions,value,complete\naov,2025-01-01,country=中国,0.3,true\n"
        "aov,2025-02-01,country=DE,,false\n")


def test_table() -> None:
    text = to_table([Named("aov", "Average order value 客单价", ROWS),
                     Named("empty", None, Result(("period", "value"), ()))], color=False)
    assert text.splitlines()[0] == "aov  Average order value 客单价"
    assert "NULL" in text and "0.3" in text and "中国" in text
    assert "no rows" in text
    assert "\x1b[" not in text


def test_incomplete_rows_are_marked_in_tables_not_by_colour_alone() -> None:
    coverage = Coverage(date(2024, 12, 1), datetime(2025, 2, 10, 8, 30))
    text = to_table([Named("aov", None, MARKED, coverage)], color=False)
    lines = text.splitlines()
    assert next(line for line in lines if "period" in line).split() == [
        "period", "country", "value"]
    assert next(line for line in lines if "2025-01-01" in line).split() == [
        "2025-01-01", "中国", "0.3"]
    assert next(line for line in lines if "2025-02-01" in line).split() == [
        "2025-02-01", "*", "DE", "NULL"]
    assert lines[-2:] == ["* incomplete: the data (2024-12-01 to the last event, 2025-02-10 "
                         "08:30:00) does not cover the period or its window", ""]
    given = Coverage(date(2024, 12, 1), datetime(2025, 2, 1), given=True)
    assert to_table([Named("aov", None, MARKED, given)], color=False).splitlines()[-2] == (
        "* incomplete: the data (2024-12-01 to --as-of 2025-02-01) does not cover the period "
        "or its window")
    doc = json.loads(to_json([Named("aov", None, MARKED, given)], single=True))
    assert doc["rows"][1]["complete"] is False
    assert (doc["first"], doc["as_of"]) == ("2024-12-01", "2025-02-01")
