"""Sites of the example projects, built once per test session (building compiles all SQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from metriclang.docgen.site import BuildResult, build_site
from tests.conftest import EXAMPLES

Built = tuple[Path, BuildResult]
#: The golden sites are computed for this day (C207 measures lag chains from it).
TODAY = date(2026, 12, 3)


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Built]:
    """``example_site(project, fmt)``: the example's site in every dialect, built once."""
    cache: dict[tuple[str, str], Built] = {}

    def get(project: str, fmt: str = "html") -> Built:
        if (project, fmt) not in cache:
            out = tmp_path_factory.mktemp(f"{project}-{fmt}") / "site"
            cache[project, fmt] = (out, build_site(EXAMPLES / project, out, fmt, TODAY))
        return cache[project, fmt]

    return get
