"""Terminal control characters from specs or warehouse data never reach a terminal raw.

Labels, file names, SQL literals (hence dimension values) hold ESC, BEL, CR, DEL, a C1
control (U+009B, CSI) and a bidirectional override. Every text output (check's text and
github reports, run's table, graph as mermaid and dot, diff, verify) must show them escaped
(``\\x1b``); JSON keeps the real characters. (A label can't hold CR: the grammar refuses it.)
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from metriclang.report import printable
from metriclang.warehouse.demo import ensure_demo_data
from tests.conftest import EXAMPLES, ROOT

RAW = "\x1b[31mred\x07\x9b2J\x01over\x7f\u202ecba"
SHOWN = "\\x1b[31mred\\x07\\x9b2J\\x01over\\x7f\\u202ecba"
CONTROLS = ("\x1b", "\x07", "\x9b", "\x01", "\x7f", "\u202e", "\r")
FILE = "ctl\x1b[2J\x07.osm"

HOSTILE = f"""measure hostile "{RAW}" {{
  formula count(orders)
  kind leading
  grain month
  dimensions weird
  owner "{RAW}"
  drives monthly_revenue lag 1 month
}}

measure broken "{RAW}" {{ formula count(nope) }}
"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop example with a hostile measure in a hostile file name, demo data generated."""
    root = tmp_path_factory.mktemp("terminal") / "shop"
    shutil.copytree(EXAMPLES / "shop", root, ignore=shutil.ignore_patterns("*.duckdb*"))
    sources = root / "sources.osm"
    sources.write_text(sources.read_text(encoding="utf-8").replace(
        "  dimension channel\n", f"  dimension channel\n  dimension weird = '{RAW}' || channel\n",
        1), encoding="utf-8")
    (root / FILE).write_text(HOSTILE, encoding="utf-8")
    ensure_demo_data(root / "demo.duckdb", root)
    return root


def osm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "metriclang.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def assert_escaped(text: str) -> None:
    for char in CONTROLS:
        assert char not in text, (char, text[:2000])


def test_printable_escapes_controls_and_keeps_text() -> None:
    assert printable(RAW) == SHOWN
    assert printable("a\rb") == "a\\x0db"
    assert printable("tab\tnew\nline 中文 é") == "tab\tnew\nline 中文 é"
    assert printable("a\nb", newlines=False) == "a\\x0ab"
    assert printable(printable(RAW)) == printable(RAW)  # escaping twice changes nothing


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_check_reports(shop: Path, fmt: str) -> None:
    result = osm("check", str(shop), "--format", fmt)
    assert result.returncode == 1  # `broken` counts an unknown source
    output = result.stdout + result.stderr
    assert_escaped(output)
    assert "ctl\\x1b[2J\\x07.osm" in output
    if fmt == "text":
        assert SHOWN in output  # the source line of `broken`, escaped
        lines = output.splitlines()
        at = next(i for i, x in enumerate(lines) if "[E110]" in x)
        assert lines[at + 2].startswith("10 | ")
        assert lines[at + 2][lines[at + 3].index("^"):].startswith("nope)")  # caret still right


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_json_keeps_the_real_characters(shop: Path, fmt: str) -> None:
    result = osm("check", str(shop), "--format", fmt)
    data = json.loads(result.stdout)
    if fmt == "json":
        assert FILE in {d["file"] for d in data["diagnostics"]}
    else:
        assert any(loc["physicalLocation"]["artifactLocation"]["uri"].endswith(FILE)
                   for r in data["runs"][0]["results"] for loc in r["locations"])


def test_graph(shop: Path) -> None:
    broken = shop.parent / "graph"
    shutil.copytree(shop, broken, ignore=shutil.ignore_patterns("*.duckdb*"))
    (broken / FILE).write_text(HOSTILE.split("measure broken")[0], encoding="utf-8")
    for fmt in ("mermaid", "dot"):
        result = osm("graph", str(broken), "--format", fmt)
        assert result.returncode == 0, result.stderr
        assert_escaped(result.stdout)
        assert "\\x1b[31mred\\x07" in result.stdout
    data = json.loads(osm("graph", str(broken), "--format", "json").stdout)
    assert {m["name"]: m["label"] for m in data["measures"]}["hostile"] == RAW


def test_diff(shop: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(shop, old, ignore=shutil.ignore_patterns("*.duckdb*"))
    (old / FILE).write_text(HOSTILE.replace(f'hostile "{RAW}"', 'hostile "plain"'),
                            encoding="utf-8")
    result = osm("diff", str(old), str(shop))
    assert "plain" in result.stdout and SHOWN in result.stdout
    assert_escaped(result.stdout + result.stderr)
    data = json.loads(osm("diff", str(old), str(shop), "--format", "json").stdout)
    (change,) = [c for c in data["changed"] if c["name"] == "hostile"]
    assert {"field": "label", "old": "plain", "new": RAW} | change["changes"][0] \
        == change["changes"][0]


def test_run_table_shows_labels_and_values_escaped(shop: Path, tmp_path: Path) -> None:
    project = tmp_path / "run"
    shutil.copytree(shop, project, ignore=shutil.ignore_patterns("*.duckdb*"))
    (project / FILE).write_text(HOSTILE.split("measure broken")[0], encoding="utf-8")
    db = f"duckdb:///{shop / 'demo.duckdb'}"
    result = osm("run", str(project), "hostile", "--db", db, "--from", "2024-01-01",
                 "--to", "2024-01-31")
    assert result.returncode == 0, result.stderr
    assert_escaped(result.stdout + result.stderr)
    assert "\\x1b[31mred" in result.stdout
    assert result.stdout.count(SHOWN[:20]) >= 2  # the title and the dimension values
    data = json.loads(osm("run", str(project), "hostile", "--db", db, "--from", "2024-01-01",
                          "--to", "2024-01-31", "--format", "json").stdout)
    assert all(row["weird"].startswith(RAW) for row in data["rows"])


def test_verify_text(shop: Path, tmp_path: Path) -> None:
    project = tmp_path / "verify"
    shutil.copytree(shop, project, ignore=shutil.ignore_patterns("*.duckdb*"))
    (project / FILE).write_text(HOSTILE.split("measure broken")[0], encoding="utf-8")
    result = osm("verify", str(project), "--db", f"duckdb:///{shop / 'demo.duckdb'}")
    assert "hostile -> monthly_revenue" in result.stdout, result.stderr
    assert "ctl\\x1b[2J\\x07.osm:7" in result.stdout
    assert_escaped(result.stdout + result.stderr)
