"""The built wheel carries the grammar and the starter project: install it (non-editable)
into a fresh venv, run ``osm check`` on a copy of an example from outside the repository and
``osm init`` a starter that checks clean. Works offline and from any
interpreter (system Python or a venv)."""

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


def _install_in_a_fresh_venv(wheel: Path, venv: Path) -> Path:
    """Install ``wheel`` (alone) into a fresh venv, then let that venv also see the
    site-packages of the running interpreter, system or venv, where the wheel's dependencies
    already are: no network, and no dependence on how the tests were started. Listed in a
    ``.pth`` file, those folders are only appended to ``sys.path``; their own ``.pth`` files,
    such as this checkout's editable install, are not run, so ``metriclang`` comes from the
    wheel. Returns the venv's Python."""
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=venv.parent)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    installed = _run([sys.executable, "-m", "pip", "--python", str(python), "install",
                      "--no-deps", "--no-index", "-q", str(wheel)], cwd=venv.parent)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                   cwd=venv.parent)
    assert purelib.returncode == 0, purelib.stderr
    outer = [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages")]
    assert outer, sys.path
    (Path(purelib.stdout.strip()) / "outer-environment.pth").write_text(
        "".join(f"{p}\n" for p in outer), encoding="utf-8")
    return python


def test_wheel_installs_and_checks_outside_the_repository(tmp_path: Path) -> None:
    for package in ("build", "hatchling"):  # building offline, from the running environment
        if importlib.util.find_spec(package) is None:
            skip_or_fail(f"the `{package}` package is not installed (pip install -e '.[test]')")
    dist = tmp_path / "dist"
    built = _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                  str(dist)], cwd=ROOT)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = dist.glob("metriclang-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "metriclang/grammar/osm.lark" in names
    assert {"metriclang/starter/project/metrics.osm", "metriclang/starter/project/metriclang.toml",
            "metriclang/starter/project/data/generate.py"} <= set(names)
    assert not any("__pycache__" in n and "/starter/" in n for n in names)
    assert not any(n.startswith(("tests/", "specs/")) for n in names)

    python = _install_in_a_fresh_venv(wheel, tmp_path / "venv")
    venv = python.parent.parent

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

    started = _run([str(venv / "bin" / "osm"), "init", "starter"], cwd=project.parent, env=env)
    assert started.returncode == 0, started.stdout + started.stderr
    strict = _run([str(venv / "bin" / "osm"), "check", "starter", "--strict"],
                  cwd=project.parent, env=env)
    assert (strict.returncode, strict.stdout) == (0, "checked 1 file: 0 errors, 0 warnings\n")
