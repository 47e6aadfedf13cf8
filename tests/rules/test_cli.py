"""``osm check`` with rule findings, as a real subprocess: exit codes, --strict, --today,
github annotations and the JSON contract (suppressed findings stay, with their reason)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from metriclang.rules import RERAISE_ENV

SPEC = """source events { table app.events time at }
measure reorders { formula count(events where name = 'reorder') / count(events) kind lagging
  perspective customer owner "a@x.com" }
measure a { formula count(events where name = 'a') / count(events) kind leading
  drives reorders lag 6 months }
measure pv { formula count(events where name = 'page_view') owner "a@x.com"
  allow V402 "traffic planning" allow S303 "ops only" }
objective loyal { north_star reorders target reorders >= 40% by 2026-06-30
  strategy s { measures a } }
"""


def _osm(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "metriclang.cli", *args], cwd=cwd,
                          capture_output=True, text=True,
                          env={**__import__("os").environ, RERAISE_ENV: "1",
                               "PYTHONPATH": str(Path(__file__).resolve().parents[2])})


def test_today_strict_and_formats(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "spec.osm").write_text(SPEC, encoding="utf-8")
    early = _osm("check", "p", "--today", "2025-12-01", cwd=tmp_path)
    assert early.returncode == 0 and "0 errors, 0 warnings, 2 suppressed" in early.stdout
    late = _osm("check", "p", "--today", "2026-01-01", cwd=tmp_path)
    assert late.returncode == 0 and "warning[C207]" in late.stdout
    strict = _osm("check", "p", "--today", "2026-01-01", "--strict", cwd=tmp_path)
    assert strict.returncode == 1
    github = _osm("check", "p", "--today", "2026-01-01", "--format", "github", cwd=tmp_path)
    assert github.stdout.splitlines() == [
        "::warning file=p/spec.osm,line=9,col=16,endLine=9,endColumn=26,title=C207::strategy `s` "
        "moves north star `reorders` on 2026-07-01 at the earliest (a -> reorders, 6 months "
        "from 2026-01-01), after the target date 2026-06-30 (help: move the target date, pick a "
        "faster-acting measure, or check the lags)"]
    data = json.loads(_osm("check", "p", "--today", "2026-01-01", "--format", "json",
                           cwd=tmp_path).stdout)
    rows = [(d["code"], d["line"], d["suppressed"], d["reason"]) for d in data["diagnostics"]]
    assert rows == [("S303", 6, True, "ops only"), ("V402", 6, True, "traffic planning"),
                    ("C207", 9, False, None)]
    bad_date = _osm("check", "p", "--today", "2026-13-01", cwd=tmp_path)
    assert bad_date.returncode == 2
