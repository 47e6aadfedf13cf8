"""The interop tests' external tools: dbt-semantic-interfaces and MetricFlow, pinned, in
their own venv (``bench/.env/interop``, git-ignored, created on first use).

They are never installed next to metriclang: dbt-semantic-interfaces 0.10.5 requires
``click<8.4`` and MetricFlow pins its own ``jinja2``/``python-dateutil`` ranges, so they run
in a subprocess of that venv (``tests/data/interop/*.py``, which never import metriclang).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, skip_or_fail

VENV = ROOT / "bench" / ".env" / "interop"
PYTHON = VENV / "bin" / "python"
PINS = ("dbt-semantic-interfaces==0.10.5", "metricflow==0.213.0")
TOOLS = ROOT / "tests" / "data" / "interop"


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
