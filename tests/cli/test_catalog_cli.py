"""``osm ls`` and ``osm show`` on the shop example, and PATH defaulting to the current
directory for ``sql``, ``ls``, ``show`` and ``run`` (the rules of ``cli._split``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from metriclang.cli import main
from tests.conftest import EXAMPLES

SHOP = EXAMPLES / "shop"


def osm(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_ls_lists_every_measure_with_kind_grain_dimensions_owner_stage() -> None:
    code, out, err = osm("ls", str(SHOP))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["name", "kind", "grain", "dimensions", "owner", "stage"]
    assert len(lines) == 12
    assert lines[2].split() == ["monthly_revenue", "lagging", "month", "channel,", "country,",
                                "is_custom,", "customer.segment,", "customer.country,",
                                "customer.signup_channel,", "product.category",
                                "finance@example.com", "-"]
    assert lines[5].split() == ["search_success_rate", "leading", "week", "channel,", "device,",
                                "customer.segment,", "customer.country,",
                                "customer.signup_channel", "search-team@example.com",
                                "shopper.discover"]


def test_ls_json() -> None:
    code, out, _ = osm("ls", str(SHOP), "--format", "json")
    doc = json.loads(out)
    assert code == 0 and len(doc["measures"]) == 11
    assert doc["measures"][1] == {
        "name": "monthly_revenue", "label": "Net revenue 净收入", "kind": "lagging",
        "grain": "month", "dimensions": [],
        "reachable": ["channel", "country", "is_custom", "customer.segment", "customer.country",
                      "customer.signup_channel", "product.category"],
        "owner": "finance@example.com", "stage": None}


def test_ls_reaches_dimensions_through_entities(tmp_path: Path) -> None:
    """Two hops, a cycle back to the start skipped, an entity with two dimension sources
    skipped, and a ratio offering only what both its sources reach."""
    (tmp_path / "a.osm").write_text(
        "source orders { table o time at entity customer = cid entity shop = sid "
        "dimension channel }\n"
        "source refunds { table r time at entity customer = cid }\n"
        "source customers { table c key cid entity customer = cid entity account = aid "
        "dimension segment }\n"
        "source accounts { table a key aid entity account = aid entity customer = owner "
        "dimension tier }\n"
        "source shops1 { table s1 key sid entity shop = sid dimension city }\n"
        "source shops2 { table s2 key sid entity shop = sid dimension city }\n"
        "measure n { formula count(orders) grain week }\n"
        "measure share { formula count(refunds) / count(orders) grain week }\n", "utf-8")
    code, out, err = osm("ls", str(tmp_path), "--format", "json")
    reach = {m["name"]: m["reachable"] for m in json.loads(out)["measures"]}
    assert code == 0, err
    assert reach == {
        "n": ["channel", "customer.segment", "customer.account.tier"],
        "share": ["customer.segment", "customer.account.tier"]}


def test_show_tells_lineage_both_ways(tmp_path: Path) -> None:
    (tmp_path / "a.osm").write_text(
        "source s { table t time at dimension c }\n"
        "measure base { formula count(s) grain week drives top lag 2 weeks effect positive }\n"
        "measure twice { formula 2 * base grain week }\n"
        "measure top { formula sum(s.x) grain week owner \"me\" }\n", "utf-8")
    code, out, err = osm("show", str(tmp_path), "base")
    assert code == 0, err
    text = out.replace("used in", "used_in").replace("driven by", "driven_by")
    fields = {line.split(None, 1)[0]: line.split(None, 1)[1] for line in text.splitlines()}
    assert fields["measure"].strip() == "base"
    assert fields["formula"].strip() == "count(s)"
    assert fields["used_in"].strip() == "twice"
    assert fields["drives"].strip() == "top (positive, lag 2 weeks)"
    assert fields["declared"].strip() == "a.osm:2:9"
    _, out, _ = osm("show", str(tmp_path), "top", "--format", "json")
    doc = json.loads(out)
    assert doc["driven_by"] == [{"measure": "base", "effect": "positive", "lag": "2 weeks"}]
    assert doc["owner"] == "me" and doc["used_in"] == [] and doc["sources"] == ["s"]
    _, out, _ = osm("show", str(tmp_path), "twice", "--format", "json")
    assert json.loads(out)["uses"] == ["base"]


def test_show_unknown_measure_is_a_usage_error() -> None:
    code, _, err = osm("show", str(SHOP), "monthly_revenu")
    assert code == 2 and "unknown measure `monthly_revenu`" in err and "monthly_revenue" in err


def test_path_defaults_to_the_current_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SHOP)
    code, here, _ = osm("sql", "monthly_revenue")
    assert code == 0 and here == osm("sql", str(SHOP), "monthly_revenue")[1]
    assert osm("ls")[1] == osm("ls", str(SHOP))[1]
    assert osm("show", "return_rate")[1] == osm("show", ".", "return_rate")[1]
    assert osm("sql", "a", "b")[0] == 2  # `a` is not a path: one MEASURE only
    code, _, err = osm("run", "nope_measure")
    assert code == 2 and "unknown measure `nope_measure`" in err
    assert err.startswith("note: computing measure `nope_measure` of the project in . (PATH "
                          "omitted; `osm run PATH nope_measure` for another project)\n")


def test_run_says_when_a_name_was_read_as_a_path(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "revenue").mkdir()
    monkeypatch.chdir(tmp_path)
    code, _, err = osm("run", "revenue")
    assert code == 2
    assert err == ("error: give either a MEASURE or --all: `revenue` was read as PATH, since a "
                   "file or directory of that name is here; for the measure `revenue` of this "
                   "project write `osm run . revenue`\n")
    code, _, err = osm("run", str(SHOP), "monthly_revenue", "--db", "mysql://h/db")
    assert code == 2 and "note:" not in err  # PATH given: nothing to explain


def test_a_missing_path_is_still_reported(tmp_path: Path) -> None:
    code, _, err = osm("sql", str(tmp_path / "nowhere"), "m")
    assert code == 2 and "nowhere" in err
