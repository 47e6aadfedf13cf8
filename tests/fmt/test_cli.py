"""``osm fmt`` on the command line: writes, --check, --diff, stdin, refusals."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from metriclang.cli import main
from tests.conftest import ROOT

MESSY = "measure m{formula count(o)   # n\n kind leading}\n"
CLEAN = "measure m {\n  formula count(o)  # n\n  kind leading\n}\n"


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["fmt", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_rewrites_in_place_and_keeps_the_mode(tmp_path: Path) -> None:
    spec = tmp_path / "a.osm"
    spec.write_text(MESSY, "utf-8")
    spec.chmod(0o640)
    (tmp_path / "b.osm").write_text(CLEAN, "utf-8")
    code, _, err = run(str(tmp_path))
    assert (code, spec.read_text("utf-8")) == (0, CLEAN)
    assert stat.S_IMODE(spec.stat().st_mode) == 0o640
    assert "1 file reformatted, 1 unchanged" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.osm", "b.osm"]  # no temp files


def test_a_symlinked_file_is_written_through_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text(MESSY, "utf-8")
    link = tmp_path / "a.osm"
    link.symlink_to(real)
    assert run(str(link))[0] == 0
    assert link.is_symlink() and real.read_text("utf-8") == CLEAN


def test_unchanged_files_are_not_written(tmp_path: Path) -> None:
    spec = tmp_path / "b.osm"
    spec.write_text(CLEAN, "utf-8")
    os.utime(spec, (1_000_000, 1_000_000))
    assert run(str(spec))[0] == 0
    assert spec.stat().st_mtime == 1_000_000


def test_check_and_diff_write_nothing(tmp_path: Path) -> None:
    spec = tmp_path / "a.osm"
    spec.write_text(MESSY, "utf-8")
    code, _, err = run("--check", str(spec))
    assert code == 1 and f"would reformat {spec.as_posix()}" in err
    code, out, _ = run("--diff", str(spec))
    assert code == 0
    assert out.startswith(f"--- a/{spec.as_posix()}\n+++ b/{spec.as_posix()}\n")
    assert "-measure m{formula count(o)   # n\n" in out and "+  kind leading\n" in out
    assert run("--check", "--diff", str(spec))[0] == 1
    assert spec.read_text("utf-8") == MESSY
    spec.write_text(CLEAN, "utf-8")
    assert run("--check", str(spec))[:2] == (0, "")


def test_syntax_errors_are_reported_and_the_file_is_left_alone(tmp_path: Path) -> None:
    bad, good = tmp_path / "bad.osm", tmp_path / "good.osm"
    bad.write_bytes(b"measure m {\n  formula count(o\n}\n")
    good.write_text(MESSY, "utf-8")
    code, _, err = run(str(tmp_path))
    assert code == 1
    assert f"{bad.as_posix()}:3:1: error[" in err and "1 with errors (not formatted)" in err
    assert bad.read_bytes() == b"measure m {\n  formula count(o\n}\n"
    assert good.read_text("utf-8") == CLEAN  # the other file is still formatted


def test_non_utf8_file_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "latin.osm"
    bad.write_bytes(b'measure m "\xe9" { formula count(o) }')
    code, _, err = run(str(bad))
    assert code == 1 and "E105" in err and "not valid UTF-8" in err


def test_stdin_to_stdout() -> None:
    assert run("-", stdin=MESSY)[:2] == (0, CLEAN)
    code, out, err = run("-", stdin="measure m {")
    assert code == 1 and out == "measure m {" and "error[" in err


def test_missing_path_is_a_usage_error_and_an_empty_directory_is_fine(tmp_path: Path) -> None:
    assert run(str(tmp_path / "missing.osm"))[0] == 2
    assert run(str(tmp_path))[0] == 0


def test_subprocess_check_on_a_formatted_copy_of_an_example(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(ROOT), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    target = tmp_path / "shop"
    target.mkdir()
    for spec in (ROOT / "specs" / "examples" / "shop").glob("*.osm"):
        (target / spec.name).write_bytes(spec.read_bytes())
    osm = [sys.executable, "-m", "metriclang.cli"]
    assert subprocess.run([*osm, "fmt", str(target)], env=env).returncode == 0
    again = subprocess.run([*osm, "fmt", "--check", str(target)], env=env, capture_output=True,
                           text=True)
    assert again.returncode == 0, again.stderr
    assert subprocess.run([*osm, "check", str(target)], env=env,
                          capture_output=True).returncode == 0
