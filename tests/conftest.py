"""Shared test options: ``--update-goldens``, the CI policy for missing tools and packages,
and the one engine harness (:mod:`tests.harness`: one PostgreSQL server, one Spark session)."""

from __future__ import annotations

import atexit
import importlib
import os
import shutil
import tempfile
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

pytest_plugins = ("tests.harness",)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "specs" / "examples"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_configure(config: pytest.Config) -> None:
    """The caches of the runs under test (parse cache, check results) go to a directory of
    this session, never the user's: a run with monkeypatched code must not leave results a
    real ``osm check`` would later be served."""
    os.environ["METRICLANG_CACHE_DIR"] = tempfile.mkdtemp(prefix="osm-test-cache-")
    # removed after the entries written at exit (handlers registered later run first)
    atexit.register(shutil.rmtree, os.environ["METRICLANG_CACHE_DIR"], True)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true",
                     help="rewrite golden files instead of comparing with them")


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


def golden(path: Path, actual: str, update: bool) -> None:
    """Compare ``actual`` with the golden file at ``path`` (or rewrite it)."""
    if update or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        if not update:
            pytest.fail(f"golden file {path} was missing and has been written; rerun")
    assert actual == path.read_text(encoding="utf-8"), f"differs from golden {path}"


def skip_or_fail(reason: str) -> NoReturn:
    """Skip a test needing an unavailable engine, tool or package locally; in CI that is a
    failure. Also works at module level (the whole module is skipped)."""
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason, allow_module_level=True)


def import_or_skip(name: str) -> ModuleType:
    """``pytest.importorskip`` that is never silent in CI (see :func:`skip_or_fail`)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        skip_or_fail(f"needs the `{name}` package (pip install -e '.[test]'): {exc}")
