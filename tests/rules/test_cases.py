"""The rule case folders: ``cases/<CODE>/fires_*`` give exactly the diagnostics of that code in
``fires_*.expected``; ``passes_*`` give none of that code. No case has an E-error.

A case is an ``.osm`` file or a folder (with a ``metriclang.toml``); the runner adds the
``events`` source of the rule docs and checks with ``--today 2026-01-01``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import golden
from tests.rules.helpers import check_spec, describe

CASES = Path(__file__).parent / "cases"
ALL = sorted(p for p in CASES.glob("*/*") if p.suffix in (".osm", "") and p.name[0] != ".")


def _id(p: Path) -> str:
    return f"{p.parent.name}/{p.stem}"


def test_every_code_has_three_firing_and_three_passing_cases() -> None:
    from metriclang.rules.registry import DOCUMENTED

    for rule in DOCUMENTED:
        names = [p.name for p in ALL if p.parent.name == rule.code]
        assert sum(n.startswith("fires_") for n in names) >= 3, rule.code
        assert sum(n.startswith("passes_") for n in names) >= 3, rule.code


@pytest.mark.parametrize("case", ALL, ids=_id)
def test_case(case: Path, tmp_path: Path, update_goldens: bool) -> None:
    code = case.parent.name
    found = check_spec(tmp_path, case)
    errors = [describe(d) for d in found if d.code.startswith(("E", "X"))]
    assert errors == [], "a rule case must be a valid spec"
    mine = [d for d in found if d.code == code]
    if case.name.startswith("passes_"):
        assert [describe(d) for d in mine] == []
        return
    assert mine, f"{code} did not fire"
    text = "".join(describe(d) + "\n" for d in mine)
    golden(case.with_name(case.stem + ".expected"), text, update_goldens)
