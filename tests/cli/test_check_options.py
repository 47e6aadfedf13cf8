"""``osm check --quiet``, ``--select`` / ``--ignore`` (over ``[rules]``), suppressed diagnostics on
one line, and files that could not be read counted in the summary."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from metriclang.cli import main

SPEC = """source events { table app.events time happened_at }
measure signups { formula count(events where name = 'signup') }
measure total_signups { formula count(events where name = 'signup') cumulative
  allow V401 "the board asks for the running total" }
measure broken { formula count(evnts) }
"""


def _project(tmp_path: Path, rules: str = "") -> Path:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.osm").write_text(SPEC, encoding="utf-8")
    if rules:
        (tmp_path / "p" / "metriclang.toml").write_text(f"[rules]\n{rules}", encoding="utf-8")
    return tmp_path / "p"


def _check(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["check", *map(str, args)], env={"NO_COLOR": "1"})


def _codes(output: str) -> list[str]:
    return [line.split("[")[1].split("]")[0] for line in output.splitlines()
            if line.startswith("a.osm:")]


def test_quiet_prints_the_errors_and_the_summary(tmp_path: Path) -> None:
    result = _check(_project(tmp_path), "--quiet")
    assert result.exit_code == 1
    assert result.output == (
        "a.osm:5:32: error[E110] unknown source `evnts`\n"
        "  |\n"
        "5 | measure broken { formula count(evnts) }\n"
        "  |                                ^^^^^\n"
        "  help: did you mean `events`?\n"
        "\n"
        "checked 1 file: 1 error, 8 warnings, 1 suppressed\n")


def test_quiet_goes_with_text(tmp_path: Path) -> None:
    result = _check(_project(tmp_path), "-q", "--format", "json")
    assert result.exit_code == 2 and "--quiet goes with --format text" in result.output


def test_suppressed_diagnostics_take_one_line_and_keep_their_reason_in_json(
        tmp_path: Path) -> None:
    project = _project(tmp_path)
    text = _check(project).output
    line = "a.osm:3:69: warning (suppressed)[V401] `total_signups` is a cumulative total: " \
           "it can only grow\n\n"
    assert line in text
    data = json.loads(_check(project, "--format", "json").output)
    [allowed] = [d for d in data["diagnostics"] if d["suppressed"]]
    assert allowed["code"] == "V401" and allowed["reason"] == "the board asks for the running total"


def test_select_reports_only_the_chosen_rule_codes_and_prefixes(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert sorted(set(_codes(_check(project).output))) == [
        "E110", "S303", "V401", "V402", "V403"]
    assert _codes(_check(project, "--select", "V403").output) == ["V403", "V403", "V403", "E110"]
    assert _codes(_check(project, "--select", "s,v401").output) == [
        "S303", "S303", "V401", "S303", "E110"]
    # --ignore wins over --select; the allow of an ignored code is not "unused" (U501)
    assert _codes(_check(project, "--select", "S,V", "--ignore", "V4").output) == [
        "S303", "S303", "S303", "E110"]


def test_command_line_overrides_rules_of_the_config(tmp_path: Path) -> None:
    project = _project(tmp_path, 'S303 = "off"\nV403 = "error"\n')
    assert "S303" not in _codes(_check(project).output)
    assert "S303" in _codes(_check(project, "--select", "S303").output)
    ignored = _check(project, "--ignore", "V403")
    assert "V403" not in _codes(ignored.output)


def test_select_and_ignore_name_rule_codes_only(tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = _check(project, "--select", "E111")
    assert result.exit_code == 2
    assert "--select `E111` names no rule code: E-codes are always errors" in result.output
    result = _check(project, "--ignore", "V499")
    assert result.exit_code == 2 and "--ignore `V499` names no rule code" in result.output


def test_an_unreadable_file_counts_as_checked_with_its_error(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "b.osm").write_bytes(b"measure m { formula count(events) }\xff\n")
    result = _check(project, "--quiet")
    assert "b.osm:1:36: error[E105]" in result.output
    assert result.output.endswith("checked 2 files: 2 errors, 8 warnings, 1 suppressed\n")
    data = json.loads(_check(project, "--format", "json").output)
    assert data["summary"]["files"] == 2
