"""Late severity: config overrides, allows (marked, never dropped), U501, internal errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from metriclang.diagnostics import Diagnostic, Severity
from metriclang.rules import RERAISE_ENV, registry
from metriclang.rules.context import Context
from tests.rules.helpers import check_spec

CUMULATIVE = """
measure all_orders { formula count(events where name = 'order') cumulative owner "ops@x.com"
  allow V401 "board reporting" }
measure weekly { formula count(events where name = 'order') owner "ops@x.com" }
measure total { formula count(events where name = 'paid') cumulative owner "ops@x.com" }
"""


def _codes(found: list[Diagnostic]) -> list[tuple[str, str, bool]]:
    return [(d.code, d.severity.value, d.suppressed) for d in found if d.code[0] in "CSVUX"]


def test_allow_marks_and_keeps(tmp_path: Path) -> None:
    found = [d for d in check_spec(tmp_path, CUMULATIVE) if d.code == "V401"]
    assert [(d.span.line, d.suppressed, d.reason) for d in found] == [
        (2, True, "board reporting"), (5, False, None)]


def _with_config(tmp_path: Path, toml: str, spec: str) -> list[Diagnostic]:
    case = tmp_path / "case"
    case.mkdir()
    (case / "metriclang.toml").write_text(toml, encoding="utf-8")
    (case / "spec.osm").write_text(spec, encoding="utf-8")
    return check_spec(tmp_path, case)


def test_config_severity_and_off(tmp_path: Path) -> None:
    found = _with_config(tmp_path, '[rules]\nV401 = "error"\nS303 = "off"\nV403 = "info"\n',
                         CUMULATIVE + "measure lonely { formula avg(events.x) }\n")
    assert _codes(found) == [("V401", "error", True), ("V401", "error", False),
                             ("V403", "info", False)]


def test_allow_of_a_switched_off_code_is_not_unused(tmp_path: Path) -> None:
    found = _with_config(tmp_path, '[rules]\nV401 = "off"\nS303 = "off"\n', CUMULATIVE)
    assert _codes(found) == []


def test_unused_allow_can_be_made_an_error(tmp_path: Path) -> None:
    spec = CUMULATIVE.replace("cumulative owner", "owner", 1)
    found = _with_config(tmp_path, '[rules]\nU501 = "error"\nS303 = "off"\n', spec)
    assert _codes(found) == [("U501", "error", False), ("V401", "warning", False)]


def test_strategy_allow_covers_only_its_strategy(tmp_path: Path) -> None:
    spec = """
measure r { formula count(events where name = 'r') / count(events) kind lagging
  perspective customer }
measure a { formula count(events where name = 'a') / count(events) kind leading drives r }
measure b { formula count(events where name = 'b') / count(events) kind lagging }
objective o { north_star r
  strategy s { measures r allow S302 "watching the result only" }
  strategy t { measures b } }
"""
    found = [d for d in check_spec(tmp_path, spec) if d.code == "S302"]
    assert [(d.span.line, d.suppressed) for d in found] == [(7, True), (8, False)]


class _Broken:
    code, name, default = "C299", "broken", Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        yield from ()
        raise ZeroDivisionError("boom")


def test_crashing_rule_becomes_internal_error(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import metriclang.rules as rules

    monkeypatch.setattr(rules, "RULES", (*registry.RULES[:1], _Broken, *registry.RULES[1:]))
    monkeypatch.delenv(RERAISE_ENV)
    found = check_spec(tmp_path, CUMULATIVE)
    internal = [d for d in found if d.code == "X001"]
    assert [d.message for d in internal] == [
        "internal error in rule C299 (broken): ZeroDivisionError: boom"]
    assert internal[0].severity is Severity.ERROR
    assert "V401" in [d.code for d in found], "the other rules still ran"
    monkeypatch.setenv(RERAISE_ENV, "1")
    with pytest.raises(ZeroDivisionError):
        check_spec(tmp_path / "again", CUMULATIVE)


def test_rules_skip_what_the_resolver_reported(tmp_path: Path) -> None:
    spec = """
measure a { formula count(events where name = 'a') / count(events) kind leading drives nowhere }
measure r { formula count(events where name = 'r') / count(events) kind lagging
  perspective customer }
objective o { north_star r strategy s { measures a, missing } }
"""
    codes = [d.code for d in check_spec(tmp_path, spec)]
    assert codes.count("E111") == 2
    assert not {"C202", "C204", "S302"} & set(codes)
