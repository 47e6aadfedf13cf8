"""The interop tests' external tools: dbt-semantic-interfaces and MetricFlow, pinned, in
their own venv (``bench/.env/interop``, git-ignored, created on first use); Cube's schema
compiler, pinned, from npm into ``bench/.env/cube`` (also created on first use).

They are never installed next to metriclang: dbt-semantic-interfaces 0.10.5 requires
``click<8.4`` and MetricFlow pins its own ``jinja2``/``python-dateutil`` ranges, so they run
in a subprocess of that venv (``tests/data/interop/*.py``, which never import metriclang).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, skip_or_fail

VENV = ROOT / "bench" / ".env" / "interop"
PYTHON = VENV / "bin" / "python"
PINS = ("dbt-semantic-interfaces==0.10.5", "metricflow==0.213.0")
TOOLS = ROOT / "tests" / "data" / "interop"
CUBE = ROOT / "bench" / ".env" / "cube"
CUBE_PIN = "@cubejs-backend/schema-compiler@1.7.43"


@pytest.fixture(scope="session")
def interop_python() -> Path:
    """The venv's Python, with dbt-semantic-interfaces and MetricFlow importable."""
    probe = [str(PYTHON), "-c", "import dbt_semantic_interfaces, metricflow"]
    if PYTHON.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return PYTHON
    made = subprocess.run([sys.executable, "-m", "venv", str(VENV)], capture_output=True)
    if made.returncode == 0:
        made = subprocess.run([str(PYTHON), "-m", "pip", "install", "-q", *PINS],
                              capture_output=True, text=True)
    if made.returncode != 0 or subprocess.run(probe, capture_output=True).returncode != 0:
        skip_or_fail(f"cannot set up {VENV} with {', '.join(PINS)}: {made.stderr[-500:]!r}")
    return PYTHON


def run_tool(python: Path, script: str, *args: str) -> dict[str, object]:
    """Run one of ``tests/data/interop``'s scripts in the venv; its JSON output."""
    done = subprocess.run([str(python), str(TOOLS / script), *args], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="session")
def cube_node_path() -> Path:
    """``node_modules`` holding Cube's schema compiler (for ``NODE_PATH``)."""
    modules = CUBE / "node_modules"
    if (modules / "@cubejs-backend" / "schema-compiler").is_dir():
        return modules
    if shutil.which("node") is None or shutil.which("npm") is None:
        skip_or_fail("Cube's schema compiler needs node and npm")
    CUBE.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["npm", "install", "--prefix", str(CUBE), "--no-audit", "--no-fund",
                           "--ignore-scripts", CUBE_PIN], capture_output=True, text=True)
    if done.returncode != 0:
        skip_or_fail(f"cannot install {CUBE_PIN}: {done.stderr[-500:]!r}")
    return modules


def cube_compile(node_path: Path, directory: Path) -> dict[str, object]:
    """Cube's compiler on a directory of data model files: its errors and cubes."""
    done = subprocess.run(["node", str(TOOLS / "cube_validate.js"), str(directory)],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NODE_PATH": str(node_path)})
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout)
    return result
