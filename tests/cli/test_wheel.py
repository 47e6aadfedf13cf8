"""The built wheel carries the grammar: install it (non-editable) into a fresh venv and run
``osm check`` on a copy of an example from outside the repository."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import EXAMPLES, ROOT, skip_or_fail


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)


def test_wheel_installs_and_checks_outside_the_repository(tmp_path: Path) -> None:
    if importlib.util.find_spec("build") is None:
        skip_or_fail("the `build` package is not installed (pip install -e '.[test]')")
    isolation = [] if importlib.util.find_spec("hatchling") is None else ["--no-isolation"]
    dist = tmp_path / "dist"
    built = _run([sys.executable, "-m", "build", "--wheel", *isolation, "--outdir", str(dist)],
                 cwd=ROOT)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = dist.glob("metriclang-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "metriclang/grammar/osm.lark" in names
    assert not any(n.startswith(("tests/", "specs/")) for n in names)

    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    installed = _run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                      str(wheel)], cwd=tmp_path)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    project = tmp_path / "elsewhere" / "shop"
    shutil.copytree(EXAMPLES / "shop", project)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = _run([str(python), "-c", "import metriclang; print(metriclang.__file__)"],
                 cwd=project.parent, env=env)
    assert where.stdout.startswith(str(venv)), where.stdout + where.stderr
    result = _run([str(venv / "bin" / "osm"), "check", "shop"], cwd=project.parent, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("checked 4 files: 0 errors")
    broken = project / "broken.osm"
    broken.write_text("measure m {\n  formula count(orders\n}\n", "utf-8")
    failed = _run([str(venv / "bin" / "osm"), "check", "shop"], cwd=project.parent, env=env)
    assert failed.returncode == 1
    assert "broken.osm:3:1: error[E101]" in failed.stdout
