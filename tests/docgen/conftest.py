"""Sites of the example projects, built once per test session (building compiles all SQL)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from metriclang.docgen.site import BuildResult, build_site
from tests.conftest import EXAMPLES, skip_or_fail

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

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


ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        skip_or_fail("the chromium package is not installed")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def problems() -> list[str]:
    """Console errors, page errors, failed requests and dialogs seen by ``page``."""
    return []


@pytest.fixture
def page(browser: Browser, problems: list[str]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    tab.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    yield tab
    context.close()
