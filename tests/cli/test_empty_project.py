"""An empty directory checks clean but says that it found nothing to check."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from metriclang.cli import main


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
