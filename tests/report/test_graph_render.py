"""``osm graph``: the plain-data view (hand-written expectation), mermaid and dot, the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from metriclang.cli import main
from metriclang.load import load_project
from metriclang.report.graph import render, view
from tests.conftest import EXAMPLES, golden, skip_or_fail

SPEC = """source events { table app.events time at }
measure r "Result" { formula count(events) kind lagging direction up }
measure a { formula count(events) kind leading direction up drives r lag 1 week effect negative }
measure x { formula count(events) kind leading drives y lag 1 day }
measure y { formula count(events) drives x lag 2 days }
objective o "Objective \\"one\\"" { north_star r
  strategy s "S" { measures a, x } }
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "spec.osm").write_text(SPEC, encoding="utf-8")
    return tmp_path


def test_view(project: Path) -> None:
    data = view(load_project(project).project)
    assert data["objectives"] == [{"name": "o", "label": 'Objective "one"', "north_star": "r",
                                   "strategies": [{"name": "s", "label": "S",
                                                   "measures": ["a", "x"]}]}]
    assert [(m["name"], m["kind"], m["direction"]) for m in data["measures"]] == [
        ("a", "leading", "up"), ("r", "lagging", "up"), ("x", "leading", None),
        ("y", None, None)]
    assert [(d["source"], d["target"], d["lag"], d["lag_days"], d["effect"], d["cycle"],
             d["sign_conflict"]) for d in data["drives"]] == [
        ("a", "r", "1 week", 7, "negative", False, True),
        ("x", "y", "1 day", 1, "positive", True, False),
        ("y", "x", "2 days", 2, "positive", True, False)]


def test_mermaid(project: Path, update_goldens: bool) -> None:
    text = render(load_project(project).project, "mermaid")
    assert text.startswith("flowchart LR\n")
    assert '  o_o[["Objective #quot;one#quot;<br/>o"]]:::objective' in text
    assert '  m_r["Result<br/>r"]:::lagging' in text and '  m_a(["a"]):::leading' in text
    links = [line for line in text.splitlines() if "-->" in line or "-.->" in line
             or "==>" in line]
    styles = [line.split()[1] for line in text.splitlines() if line.startswith("  linkStyle")]
    assert [links[int(i)].split()[0] for i in styles] == ["m_a", "m_x", "m_y"]
    golden(Path(__file__).parent / "goldens" / "graph.mmd", text, update_goldens)


def test_dot(project: Path, update_goldens: bool) -> None:
    text = render(load_project(project).project, "dot")
    assert text.startswith("digraph osm {\n") and text.endswith("}\n")
    assert '"o:o" [label="Objective \\"one\\"\\no"' in text
    assert '"m:a" -> "m:r" [label="1 week, negative", color="#ea580c", penwidth=2.5];' in text
    assert '"m:x" -> "m:y" [label="1 day, positive", color="#dc2626", penwidth=2.5];' in text
    golden(Path(__file__).parent / "goldens" / "graph.dot", text, update_goldens)


def test_dot_is_read_by_graphviz(project: Path) -> None:
    if shutil.which("dot") is None:
        skip_or_fail("Graphviz (`dot`) is not installed")
    text = render(load_project(project).project, "dot")
    done = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "<svg" in done.stdout and "Objective &quot;one&quot;" in done.stdout


def test_cli(project: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["graph", str(EXAMPLES / "shop"), "--format", "json"])
    assert ok.exit_code == 0
    assert json.loads(ok.output)["objectives"][0]["north_star"] == "repeat_purchase_rate"
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "a.osm").write_text(SPEC + "measure z { formula count(events) drives q }\n",
                                  encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "metriclang.cli", "graph", str(broken)],
                          capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (1, "")
    assert "E111" in done.stderr
    missing = subprocess.run([sys.executable, "-m", "metriclang.cli", "graph",
                              str(tmp_path / "nope")], capture_output=True, text=True)
    assert missing.returncode == 2
