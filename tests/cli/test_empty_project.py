"""An empty project (no .osm file) says so in every command: the loading stage warns once
(:class:`~metriclang.errors.EmptyProject`), the CLI shows it on stderr."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from metriclang.cli import main
from metriclang.errors import EmptyProject
from metriclang.load import load_project


def test_empty_directory_says_no_files(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 0
    assert result.stdout == "checked 0 files: 0 errors, 0 warnings\n"
    assert result.stderr == f"warning: no .osm files found under {tmp_path}\n"


def test_project_with_files_prints_no_such_warning(tmp_path: Path) -> None:
    (tmp_path / "a.osm").write_text("source s { table t time ts }\n", "utf-8")
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 0
    assert result.stderr == ""


COMMANDS = [
    ["sql", "{p}", "m"], ["run", "{p}", "m", "--db", "duckdb:///{p}/w.duckdb"],
    ["run", "{p}", "--all", "--db", "duckdb:///{p}/w.duckdb"],
    ["query", "{p}", "m", "--db", "duckdb:///{p}/w.duckdb"], ["query", "{p}", "m", "--sql"],
    ["ls", "{p}"], ["show", "{p}", "m"], ["compile", "{p}", "--dialect", "duckdb", "--out",
                                            "{p}/out"],
    ["docs", "{p}", "--out", "{p}/site", "--no-sql"],
    ["verify", "{p}", "--db", "duckdb:///{p}/w.duckdb"], ["graph", "{p}"],
    ["diff", "{p}", "{p}"], ["check", "{p}", "--format", "json"],
    ["export", "{p}", "--to", "metricflow", "--out", "{p}/mf"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: "-".join(a[:3:2]))
def test_every_command_warns_once_about_an_empty_project(tmp_path: Path,
                                                         args: list[str]) -> None:
    project = tmp_path / "empty"
    project.mkdir()
    argv = [a.format(p=project) for a in args]
    result = CliRunner().invoke(main, argv)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    warning = f"warning: no .osm files found under {project}\n"
    assert result.stderr.count(warning) == 1, result.stderr
    assert warning not in result.stdout


def test_the_loading_stage_warns_only_for_an_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "a.osm").write_text("source s { table t time ts }\n", "utf-8")
    (tmp_path / "empty").mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("error", EmptyProject)
        assert load_project(tmp_path).project.files
        with pytest.raises(EmptyProject, match=r"no \.osm files found under"):
            load_project(tmp_path / "empty")


@pytest.mark.parametrize("command", [["export", "--to", "metricflow"], ["compile", "--dialect",
                                                                       "duckdb"]])
def test_an_empty_project_warns_once_and_writes_its_empty_output(tmp_path: Path,
                                                                 command: list[str]) -> None:
    """docs/language.md and docs/interop.md: export goes on like compile (exit 0)."""
    empty, out = tmp_path / "empty", tmp_path / "out"
    empty.mkdir()
    for _ in range(2):  # the second run replaces the first one's output
        result = CliRunner().invoke(main, [command[0], str(empty), *command[1:], "--out",
                                           str(out)])
        assert result.exit_code == 0, result.output
        assert result.stderr.count(f"warning: no .osm files found under {empty}") == 1
        assert (out / ("manifest.json" if command[0] == "compile" else
                       ".osm-manifest.json")).is_file()
