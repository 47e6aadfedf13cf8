"""The site in a real headless Chromium (playwright driving Debian's ``chromium`` package).

Every page loads from ``file://`` without console errors, no link is broken, the dialect
switcher, search and graph work, labels stay text, and it fits a phone. Screenshots go to
``test-artifacts/docs/``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

from metriclang.docgen.site import build_site
from metriclang.load import check
from metriclang.sqlgen import compile_sql
from tests.conftest import EXAMPLES, ROOT
from tests.docgen.conftest import Built
from tests.docgen.test_site import XSS

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts" / "docs"
Site = Callable[[str, str], Built]


def _file(url: str) -> Path:
    return Path(unquote(urlparse(url).path))


@pytest.mark.parametrize("project", ["shop", "manufacturer"])
def test_crawl_every_page_no_console_errors_no_broken_links(
        project: str, example_site: Site, page: Page, problems: list[str]) -> None:
    site, result = example_site(project, "html")
    start = (site / "index.html").as_uri()
    queue, seen, broken = [start], {start}, []
    while queue:
        url = queue.pop()
        page.goto(url)
        assert problems == [], (url, problems)
        hrefs = page.eval_on_selector_all(
            "a[href], form[action]",
            "els => els.map(e => e.getAttribute('href') || e.getAttribute('action'))")
        for href in hrefs:
            target = urljoin(url, href)
            assert target.startswith("file://"), f"{url} links outside the site: {href}"
            path, fragment = urldefrag(target)
            if not _file(path).is_file():
                broken.append((url, href))
                continue
            if fragment:
                text = _file(path).read_text(encoding="utf-8")
                if f'id="{fragment}"' not in text:
                    broken.append((url, href))
            if path.endswith(".html") and path not in seen:
                seen.add(path)
                queue.append(path)
    assert broken == []
    pages = {p.as_uri() for p in site.rglob("*.html")}
    assert seen == pages  # every page is reachable
    assert result.pages == len(pages)


def test_dialect_switcher_shows_the_chosen_sql(example_site: Site, page: Page,
                                               problems: list[str]) -> None:
    site, _ = example_site("shop", "html")
    project = check(EXAMPLES / "shop").project
    page.goto((site / "measures/repeat_purchase_rate.html").as_uri())
    for dialect in ("postgres", "tsql", "duckdb"):
        page.click(f"button[data-dialect={dialect}]")
        visible = page.locator(".sql-panel:visible")
        assert visible.count() == 1
        assert visible.get_attribute("data-dialect-panel") == dialect
        expected, _ = compile_sql(project, "repeat_purchase_rate", dialect)
        assert expected is not None
        assert visible.locator("pre").inner_text().strip() == expected.strip()
    assert page.get_attribute(
        "button[data-dialect=duckdb]", "aria-selected") == "true"
    # the choice is remembered on the next measure page
    page.click("button[data-dialect=snowflake]")
    page.goto((site / "measures/return_rate.html").as_uri())
    assert page.locator(".sql-panel:visible").get_attribute(
        "data-dialect-panel") == "snowflake"
    assert problems == []


def test_search_finds_a_measure_by_its_chinese_label(example_site: Site, page: Page,
                                                     problems: list[str]) -> None:
    site, _ = example_site("shop", "html")
    page.goto((site / "index.html").as_uri())
    page.fill("header input[name=q]", "结账转化率")
    page.press("header input[name=q]", "Enter")
    page.wait_for_selector("#results li")
    first = page.locator("#results li a").first
    assert first.inner_text() == "Checkout conversion 结账转化率 (checkout_conversion)"
    page.fill("#q", "复购")
    texts = page.locator("#results li a").all_inner_texts()
    assert texts[0] == "Repeat purchase rate 复购率 (repeat_purchase_rate)"
    page.fill("#q", "结账转化率")
    page.click("#results li a")
    assert page.inner_text("h1") == "Checkout conversion 结账转化率"
    page.fill("header input[name=q]", "no such thing")
    page.press("header input[name=q]", "Enter")
    assert page.locator("#no-results").is_visible()
    assert problems == []


@pytest.mark.parametrize("project", ["shop", "manufacturer"])
def test_graph_has_a_node_per_measure_and_an_edge_per_drive(
        project: str, example_site: Site, page: Page, problems: list[str]) -> None:
    site, _ = example_site(project, "html")
    model = check(EXAMPLES / project).project
    page.goto((site / "graph.html").as_uri())
    nodes = page.eval_on_selector_all(
        ".diagram svg a.node", "els => els.map(e => [e.dataset.id, e.getBBox().x])")
    edges = page.eval_on_selector_all(
        ".diagram svg g.edge", "els => els.map(e => [e.dataset.from, e.dataset.to])")
    assert sorted(n for n, _ in nodes) == sorted(model.measures)
    assert sorted(map(tuple, edges)) == sorted(
        (n, d.target) for n, m in model.measures.items() for d in m.drives)
    x = dict(nodes)
    kinds = {n: m.kind for n, m in model.measures.items()}
    assert max(x[n] for n in x if kinds[n] == "leading") < min(
        x[n] for n in x if kinds[n] == "lagging")
    if project == "shop":
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "graph.png"), full_page=True)


def test_screenshots_and_phone_layout(example_site: Site, page: Page, problems: list[str]) -> None:
    site, _ = example_site("shop", "html")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = {"index": "index.html", "measure": "measures/checkout_conversion.html",
             "objective": "objectives/customer_value.html", "journey": "journeys/shopper.html"}
    for name, path in shots.items():
        page.goto((site / path).as_uri())
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 740})
    for name, path in shots.items():
        page.goto((site / path).as_uri())
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width}px wide on a 375px screen"
        page.screenshot(path=str(ARTIFACTS / f"{name}-375.png"), full_page=True)
    assert all((ARTIFACTS / f"{n}.png").stat().st_size > 1000 for n in shots)
    assert problems == []


def test_journey_map_shows_unmeasured_stage_as_empty_column(tmp_path: Path, page: Page) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "j.osm").write_text(
        'journey j { stage a "A 发现" stage b "B" stage c }\n'
        "source t { table x.t time ts }\n"
        "measure m { formula count(t) kind lagging stage j.a owner \"x\" }\n"
        "measure n { formula count(t) kind lagging stage j.c owner \"x\" }\n", encoding="utf-8")
    build_site(tmp_path / "p", tmp_path / "site", dialects=("duckdb",))
    page.goto((tmp_path / "site/journeys/j.html").as_uri())
    columns = page.eval_on_selector_all(
        ".journey-map .stage", "els => els.map(e => [e.dataset.stage, e.querySelectorAll('li a')"
        ".length, e.classList.contains('unmeasured'), e.getBoundingClientRect().x])")
    assert [c[:3] for c in columns] == [["j.a", 1, False], ["j.b", 0, True], ["j.c", 1, False]]
    assert columns[0][3] < columns[1][3] < columns[2][3]  # stages side by side, in order


def test_labels_render_as_text_not_markup(tmp_path: Path, page: Page, problems: list[str]) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "x.osm").write_text(XSS, encoding="utf-8")
    build_site(tmp_path / "p", tmp_path / "site", dialects=("duckdb",))
    for path in ("measures/evil.html", "index.html", "objectives/o.html", "graph.html",
                 "journeys/j.html"):
        page.goto((tmp_path / "site" / path).as_uri())
        assert page.locator("main script, main img, main h1 h1").count() == 0
    page.goto((tmp_path / "site/measures/evil.html").as_uri())
    assert page.inner_text("h1") == "<script>alert(1)</script>"
    page.goto((tmp_path / "site/search.html").as_uri() + "?q=script")
    assert "<script>alert(1)</script> (evil)" in page.locator(
        "#results li a").all_inner_texts()
    assert problems == []
