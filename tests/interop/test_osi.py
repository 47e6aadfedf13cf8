"""``osm export --to osi`` and ``osm import --from osi``: the export validates against the
OSI core JSON schema (draft 0.2.0.dev0, tests/data/osi), importing it gives back the same
project under ``osm diff --fail-on any``, and the spec's own example model imports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from metriclang.cli import main
from metriclang.interop.osi_export import VERSION
from metriclang.load import load_project
from tests.conftest import EXAMPLES, ROOT, import_or_skip

OSI = ROOT / "tests" / "data" / "osi"
PROJECTS = {"shop": EXAMPLES / "shop", "manufacturer": EXAMPLES / "manufacturer",
            "edges": Path(__file__).parent / "corpus" / "edges"}
LOSSES = {"shop": ["measures.osm:69:3: lost: measure checkout_conversion: OSI expressions are "
                   "SQL aggregates, which have no conversion; the formula is kept in "
                   "custom_extensions"],
          "manufacturer": [], "edges": []}


def osm(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_export_validates_and_round_trips(name: str, tmp_path: Path) -> None:
    jsonschema = import_or_skip("jsonschema")
    code, _, stderr = osm("export", str(PROJECTS[name]), "--to", "osi", "--out",
                          str(tmp_path / "osi"))
    assert code == 0, stderr
    assert [x for x in stderr.splitlines() if ": lost: " in x] == LOSSES[name]
    data = yaml.safe_load((tmp_path / "osi" / "semantic_model.yml").read_text("utf-8"))
    jsonschema.validate(data, json.loads((OSI / "osi-schema.json").read_text("utf-8")))
    assert data["version"] == VERSION
    code, _, stderr = osm("import", str(tmp_path / "osi"), "--from", "osi", "--out",
                          str(tmp_path / "back"))
    assert code == 0 and ": lost: " not in stderr, stderr
    code, stdout, _ = osm("diff", str(PROJECTS[name]), str(tmp_path / "back"), "--fail-on",
                          "any")
    assert (code, stdout.splitlines()[-1]) == (0, "no change in meaning"), stdout


def test_metrics_are_ansi_sql_aggregates(tmp_path: Path) -> None:
    osm("export", str(EXAMPLES / "shop"), "--to", "osi", "--out", str(tmp_path))
    model = yaml.safe_load((tmp_path / "semantic_model.yml").read_text("utf-8"))
    [shop] = model["semantic_model"]
    sql = {x["name"]: x["expression"]["dialects"][0] for x in shop["metrics"]}
    assert sql["monthly_revenue"] == {
        "dialect": "ANSI_SQL", "expression": "SUM(orders.amount) FILTER(WHERE orders.status = "
                                             "'paid')"}
    assert sql["return_rate"]["expression"] == ("CAST(COUNT(orders.order_id) FILTER(WHERE "
                                                "orders.returned) AS DOUBLE PRECISION) / "
                                                "COUNT(orders.order_id)")
    relationship = next(r for r in shop["relationships"] if r["name"] == "orders_product")
    assert (relationship["from"], relationship["to"], relationship["from_columns"],
            relationship["to_columns"]) == ("orders", "products", ["product_id"],
                                            ["product_id"])
    facts = json.loads(next(x for x in shop["metrics"] if x["name"] == "return_rate")[
        "custom_extensions"][0]["data"])
    assert facts["drives"] == [{"effect": "negative", "lag": "4 weeks",
                                "measure": "repeat_purchase_rate"}]


def test_the_specs_own_example_imports(tmp_path: Path) -> None:
    """TPC-DS as the OSI spec writes it: read formula by formula; its facts have no time
    column (dates are a dimension table), which .osm requires, so check reports that."""
    code, _, stderr = osm("import", str(OSI / "tpcds_semantic_model.yaml"), "--from", "osi",
                          "--out", str(tmp_path))
    assert [x for x in stderr.splitlines() if ": lost: " in x] == [
        "tpcds_semantic_model.yaml:33:9: lost: dataset store_sales: a composite primary key"]
    assert code == 1
    assert {x.split("]")[0].split("[")[1] for x in stderr.splitlines() if "error[" in x} == {
        "E123", "E163"}
    measures = load_project(tmp_path).project.measures
    assert sorted(measures) == ["customer_lifetime_value", "sales_by_brand",
                                "store_productivity", "total_profit", "total_sales"]
    text = (tmp_path / "measures.osm").read_text("utf-8")
    assert "formula sum(store_sales, ss_ext_sales_price) / count_distinct(customer, " \
           "c_customer_sk)" in text
    assert "formula sum(store_sales, ss_ext_sales_price) / sum(store, s_number_employees)" \
           in text  # NULLIF(..., 0): .osm division is already safe
