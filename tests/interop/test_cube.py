"""``osm export --to cube``: valid Cube data model YAML (Cube's own schema compiler accepts
it; its documented structure as a JSON schema; every ``{member}`` reference resolving), a
golden per example, and the losses."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from metriclang.cli import main
from metriclang.load import load_project
from tests.conftest import EXAMPLES, ROOT, golden, import_or_skip
from tests.interop.conftest import cube_compile

GOLDENS = Path(__file__).parent / "goldens"
SCHEMA = ROOT / "tests" / "data" / "interop" / "cube_schema.json"
PROJECTS = {"shop": EXAMPLES / "shop", "manufacturer": EXAMPLES / "manufacturer",
            "edges": Path(__file__).parent / "corpus" / "edges"}
LOSSES = {
    "shop": ["measures.osm:69:3: lost: measure checkout_conversion: Cube has no conversion "
             "measure; not exported",
             "measures.osm:107:3: lost: measure tickets_per_buyer: a formula over several "
             "sources (or none) has no one cube; not exported"],
    "manufacturer": ["manufacturer.osm:126:3: lost: measure nonstandard_return_rate: a "
                     "formula over several sources (or none) has no one cube; not exported"],
    "edges": ["edges.osm:58:3: lost: measure mobile_share_7d: Cube rolls sums, counts, "
              "minimums and maximums only; kept under meta"]}


def export(name: str, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["export", str(PROJECTS[name]), "--to", "cube", "--out",
                                       str(out)])
    return result.exit_code, result.stderr


def cubes(out: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for file in sorted((out / "model" / "cubes").glob("*.yml")):
        for cube in yaml.safe_load(file.read_text(encoding="utf-8"))["cubes"]:
            found[cube["name"]] = cube
    return found


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_cube_export_follows_the_documented_structure(name: str, tmp_path: Path) -> None:
    jsonschema = import_or_skip("jsonschema")
    code, stderr = export(name, tmp_path)
    assert code == 0, stderr
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    for file in sorted((tmp_path / "model").rglob("*.yml")):
        jsonschema.validate(yaml.safe_load(file.read_text(encoding="utf-8")), schema)
    assert [line for line in stderr.splitlines() if ": lost: " in line] == LOSSES[name]


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_cubes_own_compiler_accepts_the_export(name: str, tmp_path: Path,
                                               cube_node_path: Path) -> None:
    export(name, tmp_path)
    compiled = cube_compile(cube_node_path, tmp_path / "model")
    assert compiled["errors"] == []
    assert compiled["cubes"] == sorted(load_project(PROJECTS[name]).project.sources)


def test_cubes_compiler_is_not_blind(tmp_path: Path, cube_node_path: Path) -> None:
    (tmp_path / "a.yml").write_text(
        "cubes:\n- name: a\n  sql_table: s.a\n  dimensions: []\n  measures:\n"
        "  - name: m\n    type: number\n    sql: '{nope} / 2'\n", encoding="utf-8")
    assert cube_compile(cube_node_path, tmp_path)["errors"] == [
        "Compile errors:\nErrors:\nnope is not defined\n"]


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_every_member_reference_resolves(name: str, tmp_path: Path) -> None:
    export(name, tmp_path)
    model = cubes(tmp_path)
    members = {c: {m["name"] for k in ("dimensions", "measures") for m in cube.get(k, [])}
               for c, cube in model.items()}
    edges = {c: {j["name"] for j in cube.get("joins", [])} for c, cube in model.items()}
    for cube_name, cube in model.items():
        joined, pending = set(), list(edges[cube_name])
        while pending:  # Cube follows joins transitively
            other = pending.pop()
            if other not in joined:
                joined.add(other)
                pending += edges[other]
        texts = [m.get("sql", "") for k in ("dimensions", "measures", "segments")
                 for m in cube.get(k, [])]
        texts += [f["sql"] for m in cube.get("measures", []) for f in m.get("filters", [])]
        for text in texts:
            for ref in re.findall(r"\{([^}]*)\}", text):
                if ref == "CUBE":
                    continue
                other, _, member = ref.rpartition(".")
                if other:  # {cube.member}: a member of a cube reached by joins from here
                    assert member in members[other], (cube_name, ref)
                    assert other in joined or other == cube_name, (cube_name, ref)
                else:
                    assert member in members[cube_name], (cube_name, ref)
        for join in cube.get("joins", []):
            assert set(re.findall(r"\{(\w+)\}", join["sql"])) <= {"CUBE", join["name"]}


@pytest.mark.parametrize("name", ["manufacturer", "shop"])
def test_golden_cube_export(name: str, tmp_path: Path, update_goldens: bool) -> None:
    export(name, tmp_path)
    for file in sorted((tmp_path / "model").rglob("*.yml")):
        golden(GOLDENS / f"{name}.cube" / file.relative_to(tmp_path).as_posix(),
               file.read_text(encoding="utf-8"), update_goldens)


def test_cube_keeps_metriclang_facts(tmp_path: Path) -> None:
    export("shop", tmp_path)
    model = cubes(tmp_path)
    revenue = next(m for m in model["orders"]["measures"] if m["name"] == "monthly_revenue")
    assert revenue["filters"] == [{"sql": "{CUBE}.status = 'paid'"}]
    assert revenue["meta"]["metriclang"]["grain"] == "month"
    weekly = next(m for m in model["orders"]["measures"] if m["name"] == "weekly_buyers_7d")
    assert weekly["rolling_window"] == {"trailing": "7 day"}
    plan = model["customers"]["meta"]["metriclang"]["project"]
    assert [o["name"] for o in plan["objectives"]] == ["customer_value"]
    assert model["orders"]["joins"][1] == {"name": "products", "relationship": "many_to_one",
                                           "sql": "{CUBE}.product_id = {products}.product_id"}
