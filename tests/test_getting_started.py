"""docs/getting-started.md and the README's examples show what the commands really print:
every command is run, in order, and its output compared with the page
(``--update-goldens`` writes the real output into the page)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from metriclang.cli import main
from tests.conftest import ROOT, import_or_skip
from tests.sessions import commands, run_session

GUIDE = ROOT / "docs" / "getting-started.md"
README = ROOT / "README.md"


def _compare(page: Path, actual: str, update: bool) -> None:
    if update:
        page.write_text(actual, encoding="utf-8")
    assert actual == page.read_text("utf-8"), (
        f"{page.name} shows other output than the commands print "
        "(pytest --update-goldens writes the real output)")


def test_every_command_of_the_guide_prints_what_the_guide_shows(
        tmp_path: Path, update_goldens: bool) -> None:
    text = GUIDE.read_text("utf-8")
    found = commands(text)
    assert len(found) >= 15
    used = {shlex.split(c)[1] for c in found if c.startswith("osm ")}
    assert used >= {"init", "check", "run", "query", "docs", "compile", "ls", "show", "verify"}
    assert any("--format github" in c for c in found)
    assert any("--format sarif" in c for c in found)
    assert any("--db " in c for c in found) and any("OSM_DB_URL=" in c for c in found)
    exits: list[tuple[str, int]] = []
    _compare(GUIDE, run_session(text, tmp_path, exits), update_goldens)
    # what the page says of exit codes: only the mistyped source of step 8 fails
    failing = [line for line, code in exits if code != 0]
    assert failing == ["osm check . --strict --format github",
                       "osm check . --format sarif > osm.sarif"]
    assert exits[-1][1] == 0 and [line for line, _ in exits].count(failing[0]) == 2
    project = tmp_path / "shop-metrics"
    assert (project / "site" / "index.html").is_file()
    assert (project / "build" / "sql" / "manifest.json").is_file()
    sarif = (project / "osm.sarif").read_text("utf-8")
    assert '"version": "2.1.0"' in sarif and '"ruleId": "E110"' in sarif


def test_the_guide_ci_workflow_is_valid_and_runs_real_commands() -> None:
    yaml = import_or_skip("yaml")
    (block,) = re.findall(r"```yaml\n(.*?)```", GUIDE.read_text("utf-8"), re.S)
    steps = yaml.safe_load(block)["jobs"]["metrics"]["steps"]
    runs = [s["run"] for s in steps if s.get("run", "").startswith("osm ")]
    assert any("--format github" in r for r in runs)
    for line in runs:
        args = shlex.split(line)[1:]
        try:
            main.commands[args[0]].make_context(args[0], args[1:])
        except click.ClickException as exc:  # pragma: no cover - shows the bad line
            pytest.fail(f"{line}: {exc.format_message()}")


def test_the_readme_check_example_is_real_output(update_goldens: bool) -> None:
    text = README.read_text("utf-8")
    assert commands(text) == ["osm check specs/examples/shop"]
    exits: list[tuple[str, int]] = []
    _compare(README, run_session(text, ROOT, exits), update_goldens)
    assert exits == [("osm check specs/examples/shop", 0)]
