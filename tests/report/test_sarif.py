"""``--format sarif`` validates against the official SARIF 2.1.0 schema kept next to this file.

``sarif-schema-2.1.0.json`` was transcribed from oasis-tcs/sarif-spec,
Documents/CommitteeSpecifications/2.1.0/sarif-schema-2.1.0.json (commit 3682e9e): every
validation keyword is kept; the description texts are left out.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from metriclang.load import check
from metriclang.report import reporter
from metriclang.rules.registry import DOCUMENTED
from tests.conftest import EXAMPLES

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text("utf-8"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker())

SPEC = """source events { table app.events time at }
measure a { formula count(events where name = 'app_install') kind leading drives b lag 1 day }
measure b { formula count(events where name = 'signup') kind leading drives a lag 1 day
  allow V402 "counted for the board" }
measure c { formula count(events) drives nowhere }
"""


def _sarif(path: Path) -> dict[str, Any]:
    loaded = check(path, date(2026, 1, 1))
    return json.loads(reporter("sarif")(loaded.project, loaded.diagnostics, False))


def _errors(log: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(log)]


@pytest.mark.parametrize("name", ["shop", "manufacturer"])
def test_examples_validate(name: str) -> None:
    assert _errors(_sarif(EXAMPLES / name)) == []


def test_findings_validate_and_carry_everything(tmp_path: Path) -> None:
    (tmp_path / "spec.osm").write_text(SPEC, encoding="utf-8")
    log = _sarif(tmp_path)
    assert _errors(log) == []
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules[:len(DOCUMENTED)]] == [r.code for r in DOCUMENTED]
    assert rules[0]["defaultConfiguration"] == {"level": "error"}
    assert rules[0]["help"]["markdown"].startswith("# C201 drives-cycle")
    results = run["results"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    by_code = {r["ruleId"]: r for r in results}
    cycle = by_code["C201"]
    region = cycle["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (2, 75)
    assert cycle["relatedLocations"][0]["message"]["text"].startswith("then `b` drives `a`")
    assert by_code["E111"]["level"] == "error"
    suppressed = [r for r in results if r.get("suppressions")]
    assert [(r["ruleId"], r["suppressions"]) for r in suppressed] == [
        ("V402", [{"kind": "inSource", "justification": "counted for the board"}])]


def test_the_schema_is_strict() -> None:
    log = _sarif(EXAMPLES / "shop")
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert _errors(log)
    del log["version"]
    assert any("version" in e for e in _errors(log))


def test_internal_error_without_location_validates(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import metriclang.rules as rules
    from metriclang.rules import RERAISE_ENV

    class Broken:
        code, name = "C298", "broken"

        def check(self, ctx: object) -> Any:
            raise RuntimeError("boom")

    monkeypatch.setattr(rules, "RULES", (Broken,))
    monkeypatch.delenv(RERAISE_ENV, raising=False)
    (tmp_path / "spec.osm").write_text(SPEC, encoding="utf-8")
    log = _sarif(tmp_path)
    assert _errors(log) == []
    internal = [r for r in log["runs"][0]["results"] if r["ruleId"] == "X001"]
    assert len(internal) == 1 and "locations" not in internal[0]
    assert log["runs"][0]["tool"]["driver"]["rules"][internal[0]["ruleIndex"]] == {"id": "X001"}
