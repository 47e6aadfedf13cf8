"""``osm docs --values`` in a real headless Chromium: every measure page of both examples has
a chart whose points are the pipeline's values (``osm run``'s; a measure with dimensions:
``osm query MEASURE``'s total), incomplete periods are marked, statuses and their colours
match ``osm status --format json``, no console errors, and a measure page fits 375 px.
Screenshots go to ``test-artifacts/docs/``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

from metriclang import api
from metriclang.cli import main
from metriclang.docgen.site import BuildResult, build_site
from metriclang.docgen.values import CHART_PERIODS, ValuesOptions
from tests.conftest import EXAMPLES
from tests.docgen.conftest import TODAY
from tests.docgen.test_browser import ARTIFACTS

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

#: The status colours of static/data.css, as the browser computes them.
COLOURS = {"on-track": "rgb(26, 127, 55)", "off-track": "rgb(207, 34, 46)",
           "no-target": "rgb(5, 80, 174)", "no-data": "rgb(110, 119, 129)"}
Built = tuple[Path, BuildResult]


@pytest.fixture(scope="module")
def values_site(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Built]:
    cache: dict[str, Built] = {}

    def get(project: str) -> Built:
        if project not in cache:
            out = tmp_path_factory.mktemp(f"{project}-values") / "site"
            cache[project] = (out, build_site(EXAMPLES / project, out, "html", TODAY, (),
                                              values_from=ValuesOptions()))
        return cache[project]

    return get


def pipeline_values(project: str, name: str) -> dict[date, tuple[Any, bool]]:
    """The measure's (value, complete) by period as ``osm run`` gives them (a measure with
    dimensions: ``osm query MEASURE``, the total over them)."""
    model = api.load(EXAMPLES / project)
    measure = model.measures[name]
    if measure.dimensions:
        rows = api.query(model, [name], grain=measure.grain).rows
    else:
        rows = api.run(model, name).rows
    return {r[0].date() if isinstance(r[0], datetime) else r[0]: (r[-2], r[-1]) for r in rows}


def status_json(project: str) -> dict[str, dict[str, Any]]:
    out = CliRunner().invoke(main, ["status", str(EXAMPLES / project), "--format", "json"])
    assert out.exit_code == 0, out.output
    return {m["measure"]: m for m in json.loads(out.stdout)["measures"]}


def marks(page: Page) -> list[dict[str, Any]]:
    return page.eval_on_selector_all(  # type: ignore[no-any-return]
        "figure.series svg .mark",
        "els => els.map(e => ({period: e.dataset.period, value: e.dataset.value, "
        "complete: e.dataset.complete, cls: e.getAttribute('class'), "
        "title: e.querySelector('title').textContent}))")


@pytest.mark.parametrize("project", ["shop", "manufacturer"])
def test_every_measure_page_charts_the_pipeline_values(
        project: str, values_site: Callable[[str], Built], page: Page,
        problems: list[str]) -> None:
    site, result = values_site(project)
    assert result.values is not None
    # The only note allowed: the demo warehouse being generated, when this test runs first.
    assert all(n.startswith("created demo.duckdb") for n in result.values.notes)
    statuses = status_json(project)
    incomplete = 0
    for name in sorted(api.load(EXAMPLES / project).measures):
        page.goto((site / f"measures/{name}.html").as_uri())
        assert page.locator("figure.series svg > title").first.text_content()
        shown = marks(page)
        assert shown, name
        want = pipeline_values(project, name)
        periods = sorted(want)[-CHART_PERIODS:]
        assert [m["period"] for m in shown] == [p.isoformat() for p in periods
                                                if want[p][0] is not None], name
        for m in shown:
            value, complete = want[date.fromisoformat(m["period"])]
            assert float(m["value"]) == pytest.approx(float(value), rel=1e-12), (name, m)
            assert m["complete"] == str(complete).lower(), (name, m)  # run's complete column
            state = "complete" if m["complete"] == "true" else "incomplete"
            assert state in m["cls"].split()
            assert m["title"].endswith("(incomplete period)") == (state == "incomplete")
        incomplete += sum(m["complete"] == "false" for m in shown)
        last = [m["period"] for m in shown if m["complete"] == "true"]
        assert statuses[name]["period"] == (last[-1] if last else None), name
        assert page.locator("p.latest").get_attribute("data-status") == statuses[name]["status"]
        assert page.locator("table.series-table tbody tr").count() == len(periods)
    assert incomplete > 0  # the period still running is marked
    assert problems == []


@pytest.mark.parametrize("project", ["shop", "manufacturer"])
def test_status_colours_on_index_objective_and_graph_match_osm_status(
        project: str, values_site: Callable[[str], Built], page: Page,
        problems: list[str]) -> None:
    site, _ = values_site(project)
    statuses = status_json(project)
    page.goto((site / "index.html").as_uri())
    rows = page.eval_on_selector_all(
        "table.status-table tbody tr",
        "els => els.map(e => [e.dataset.measure, e.dataset.status, "
        "getComputedStyle(e.querySelector('td.status')).color, "
        "e.querySelector('td.status').textContent.trim()])")
    assert [r[0] for r in rows] == list(statuses)
    for name, status, colour, text in rows:
        assert status == statuses[name]["status"]
        assert colour == COLOURS[status]
        assert text.endswith(status)  # a word, not colour alone
    page.goto((site / "graph.html").as_uri())
    nodes = page.eval_on_selector_all(
        ".diagram svg a.node", "els => els.map(e => [e.dataset.id, e.getAttribute('class'), "
        "e.querySelector('text.s').textContent])")
    for name, cls, subtitle in nodes:
        assert f"status-{statuses[name]['status']}" in cls.split()
        assert subtitle.endswith(statuses[name]["status"])
    objectives = sorted(api.load(EXAMPLES / project).objectives)
    page.goto((site / f"objectives/{objectives[0]}.html").as_uri())
    tree = page.eval_on_selector_all(
        ".diagram.tree svg a.node", "els => els.map(e => [e.dataset.id, e.getAttribute('class')])")
    measured = [(i[2:], c) for i, c in tree if i.startswith("m:")]
    assert measured
    for name, cls in measured:
        assert f"status-{statuses[name]['status']}" in cls.split()
    assert problems == []


def test_screenshots_and_phone_layout_with_data(
        values_site: Callable[[str], Built], page: Page, problems: list[str]) -> None:
    site, _ = values_site("shop")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = {"values-index": "index.html", "values-measure": "measures/repeat_purchase_rate.html",
             "values-breakdown": "measures/return_rate.html",
             "values-objective": "objectives/customer_value.html", "values-graph": "graph.html"}
    for name, path in shots.items():
        page.goto((site / path).as_uri())
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 740})
    for name, path in shots.items():
        if name == "values-graph":
            continue
        page.goto((site / path).as_uri())
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width}px wide on a 375px screen"
        page.screenshot(path=str(ARTIFACTS / f"{name}-375.png"), full_page=True)
    assert problems == []
