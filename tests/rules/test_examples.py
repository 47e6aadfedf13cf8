"""The example projects: no errors, no warnings; every suppression carries its reason."""

from __future__ import annotations

from datetime import date

import pytest

from metriclang.load import check
from tests.conftest import EXAMPLES


@pytest.mark.parametrize("name", ["shop", "manufacturer"])
@pytest.mark.parametrize("today", [date(2026, 1, 1), date(2026, 11, 23)])
def test_examples_have_no_false_positives(name: str, today: date) -> None:
    diagnostics = check(EXAMPLES / name, today).diagnostics
    assert [f"{d.span} {d.code} {d.message}" for d in diagnostics.active()] == []
    assert all(d.reason for d in diagnostics if d.suppressed)


def test_examples_suppressions_are_the_intended_ones() -> None:
    shop = check(EXAMPLES / "shop", date(2026, 1, 1)).diagnostics
    assert sorted(d.code for d in shop if d.suppressed) == ["S303", "S303", "V401"]
    manufacturer = check(EXAMPLES / "manufacturer", date(2026, 1, 1)).diagnostics
    assert [d.code for d in manufacturer if d.suppressed] == ["C205"]
