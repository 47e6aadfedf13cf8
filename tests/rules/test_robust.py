"""Rules never crash on damaged projects: every example spec with one line removed (every
third line, bounded for CI) checks without an exception, in re-raise mode."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from metriclang.load import check
from tests.conftest import EXAMPLES

FILES = sorted(p for p in EXAMPLES.rglob("*.osm"))


@pytest.mark.parametrize("spec", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_one_line_removed(spec: Path, tmp_path: Path) -> None:
    lines = spec.read_text(encoding="utf-8").splitlines(keepends=True)
    for i in range(0, len(lines), 3):
        project = tmp_path / str(i)
        shutil.copytree(spec.parent, project,
                        ignore=lambda _, names: [n for n in names if n != "metriclang.toml"
                                                 and not n.endswith(".osm")])
        (project / spec.name).write_text("".join(lines[:i] + lines[i + 1:]), encoding="utf-8")
        found = check(project, date(2026, 1, 1)).diagnostics
        assert all(d.code != "X001" for d in found)
