"""``osm`` ends quickly (``cli.run``) without losing what a full exit would have done: the
exit status, the report flushed, the at-exit cache entries written."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

from tests.conftest import EXAMPLES, ROOT


def osm(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "metriclang.cli", *args], capture_output=True,
                          text=True, check=False, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT),
                                   METRICLANG_CACHE_DIR=str(cache)))


def test_the_osm_command_is_run() -> None:
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "osm"]
    assert script.value == "metriclang.cli:run"


def test_exit_status_report_and_cache_entries_survive_the_quick_exit(tmp_path: Path) -> None:
    bad = tmp_path / "bad.osm"
    bad.write_text("measure x {\n  formula count(\n}\n", encoding="utf-8")
    done = osm("check", str(bad), cache=tmp_path / "cache")
    assert done.returncode == 1
    assert done.stdout.rstrip().endswith("checked 1 file: 1 error, 0 warnings")
    done = osm("compile", str(tmp_path / "missing"), "--dialect", "duckdb", "--out",
               str(tmp_path / "out"), cache=tmp_path / "cache")
    assert done.returncode == 2 and "error:" in done.stderr
    done = osm("compile", str(EXAMPLES / "shop"), "--dialect", "all", "--out",
               str(tmp_path / "out"), cache=tmp_path / "cache")
    assert done.returncode == 0 and done.stdout.startswith("wrote ")
    assert len(list((tmp_path / "cache" / "sql").glob("*.pickle"))) == 10  # written at exit
