"""``osm docs --evidence``: ``osm verify``'s findings on the measure pages.

The shop example is copied without its demo DuckDB file, so the first build generates it
(as ``osm run`` and ``osm verify`` do). Its generator plants the relationships: checkout
conversion leads repeat purchase by a month (supported), delivery time runs the opposite way
of what is declared (contradicted), revenue to date only grows (a vanity signal).
"""

from __future__ import annotations

import json
import re
import shutil
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest
from click.testing import CliRunner

from metriclang.cli import main
from metriclang.docgen.evidence import EvidenceOptions
from metriclang.docgen.site import MANIFEST, BuildResult, build_site
from metriclang.verify import CAVEAT
from tests.conftest import EXAMPLES, ROOT
from tests.docgen.test_site import tree_bytes

if TYPE_CHECKING:
    from playwright.sync_api import Page

DUCKDB = ("duckdb",)
ARTIFACTS = ROOT / "test-artifacts" / "docs"
SECTION = re.compile(r'<section class="evidence" id="evidence">.*?</section>\n', re.S)
DATA_CSS = re.compile(r'<link rel="stylesheet" href="[./]*static/data.css">\n')
ROW = re.compile(r'<tr class="verdict-([a-z-]+)" data-from="(\w+)" data-to="(\w+)">(.*?)</tr>')
CELL = re.compile(r"<td[^>]*>(.*?)</td>")
TAG = re.compile(r"<[^>]+>")


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop example without its demo database (the first build generates it)."""
    root = tmp_path_factory.mktemp("evidence") / "shop"
    shutil.copytree(EXAMPLES / "shop", root, ignore=shutil.ignore_patterns("*.duckdb*"))
    return root


@pytest.fixture(scope="module")
def html_site(shop: Path) -> tuple[Path, BuildResult]:
    out = shop.parent / "site-html"
    return out, build_site(shop, out, "html", dialects=DUCKDB, evidence_from=EvidenceOptions())


@pytest.fixture(scope="module")
def md_site(shop: Path, html_site: tuple[Path, BuildResult]) -> tuple[Path, BuildResult]:
    out = shop.parent / "site-md"
    return out, build_site(shop, out, "markdown", dialects=DUCKDB,
                           evidence_from=EvidenceOptions())


def rows(html: str) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """The evidence table: (from, to) -> (verdict, the cells as text)."""
    section = SECTION.search(html)
    assert section is not None
    return {(a, b): (verdict, [unescape(TAG.sub("", c)) for c in CELL.findall(body)])
            for verdict, a, b, body in ROW.findall(section.group(0))}


def figure(html: str, source: str, target: str) -> str:
    found = re.search(rf'<figure class="chart [^"]*" data-from="{source}" data-to="{target}">'
                      r"(<svg.*?</svg>\n)</figure>", html, re.S)
    assert found is not None, (source, target)
    return found.group(1)


def test_demo_database_is_generated_on_first_use(shop: Path,
                                                 html_site: tuple[Path, BuildResult]) -> None:
    assert (shop / "demo.duckdb").is_file()
    report = html_site[1].evidence
    assert report is not None
    verdicts = {(k.source, k.target): k.verdict for k in report.links}
    assert len(verdicts) == 8
    assert verdicts["checkout_conversion", "repeat_purchase_rate"] == "supported"
    assert verdicts["delivery_days_p90", "return_rate"] == "contradicted"


def test_checkout_conversion_page_shows_a_supported_link_and_its_chart(
        html_site: tuple[Path, BuildResult]) -> None:
    site, _ = html_site
    html = (site / "measures/checkout_conversion.html").read_text(encoding="utf-8")
    table = rows(html)
    # drives repeat purchase (declared 30 days = 1 month), driven by search success
    assert sorted(table) == [("checkout_conversion", "repeat_purchase_rate"),
                             ("search_success_rate", "checkout_conversion")]
    verdict, cells = table["checkout_conversion", "repeat_purchase_rate"]
    assert verdict == "supported"
    link, declared, best, r, p, shown, periods = cells
    assert link == "checkout_conversion → repeat_purchase_rate"
    # 23 months: the demo data ends at its last order, 2026-12-31 23:32, so December 2026 is
    # not complete and verify leaves it out
    assert (declared, best, shown, periods) == ("1 month (30 days)", "1 month", "supported", "23")
    assert r.startswith("+") and float(r) > 0.5
    assert p == "<0.001"
    assert 'href="../measures/repeat_purchase_rate.html"' in html
    svg = figure(html, "checkout_conversion", "repeat_purchase_rate")
    lines = re.findall(r'<polyline [^>]*points="([^"]*)"', svg)
    assert len(lines) == 2  # the target (solid) and the driver (dashed, shifted by the lag)
    target, driver = (points.split() for points in lines)
    # 23 complete months from 2025-01 to 2026-11; the driver's last month falls beyond the chart
    assert (len(target), len(driver)) == (23, 22)
    assert target[0].startswith("6.0,") and driver[0].split(",")[0] == target[1].split(",")[0]
    assert 'stroke-dasharray="4 2"' in svg and "2025-01-01" in svg and "2026-11-01" in svg
    assert "2026-12-01" not in svg  # the incomplete last month
    assert CAVEAT in html


def test_delivery_days_page_shows_the_contradicted_link(
        html_site: tuple[Path, BuildResult]) -> None:
    site, _ = html_site
    html = (site / "measures/delivery_days_p90.html").read_text(encoding="utf-8")
    verdict, cells = rows(html)["delivery_days_p90", "return_rate"]
    assert verdict == "contradicted"
    assert cells[1:3] == ["2 weeks", "2 weeks"]
    assert cells[3].startswith("-")  # declared positive, the data says negative
    assert 'class="chart verdict-contradicted"' in html


def test_pages_match_osm_verify(shop: Path, html_site: tuple[Path, BuildResult]) -> None:
    """Every row on every page is what ``osm verify --format json`` reports for that link."""
    result = CliRunner().invoke(main, ["verify", str(shop), "--format", "json"])
    assert result.exit_code == 1  # a contradicted link
    links = json.loads(result.output)["links"]
    site, _ = html_site
    seen = 0
    for link in links:
        for name in (link["from"], link["to"]):
            html = (site / f"measures/{name}.html").read_text(encoding="utf-8")
            verdict, cells = rows(html)[link["from"], link["to"]]
            assert verdict == cells[5] == link["verdict"]
            assert cells[6] == str(link["periods"])
            if link["estimate"] is not None:  # JSON has 4 decimals, the page 2: the page
                # rounds the exact estimate, so it is within half a hundredth of the JSON's
                assert abs(float(cells[3]) - link["estimate"]) <= 0.005 + 0.00005
            seen += 1
    assert seen == 16


def test_vanity_signal_and_caveat_on_a_measure_without_links(
        html_site: tuple[Path, BuildResult]) -> None:
    site, _ = html_site
    html = (site / "measures/revenue_to_date.html").read_text(encoding="utf-8")
    section = SECTION.search(html)
    assert section is not None
    text = section.group(0)
    assert "No declared <code>drives</code> link starts or ends at this measure." in text
    assert '<li class="signal" data-kind="never-decreases">' in text
    # its 23 complete months (December 2026 ends after the data's last order)
    assert "<code>revenue_to_date</code> never decreased over its 23 month periods" in text
    assert CAVEAT in text
    for page_file in sorted((site / "measures").glob("*.html")):
        assert page_file.read_text(encoding="utf-8").count(CAVEAT) == 1, page_file


def test_every_link_in_an_evidence_section_resolves(
        html_site: tuple[Path, BuildResult]) -> None:
    site, _ = html_site
    hrefs = 0
    for page_file in sorted((site / "measures").glob("*.html")):
        section = SECTION.search(page_file.read_text(encoding="utf-8"))
        assert section is not None, page_file
        for href in re.findall(r'href="([^"]+)"', section.group(0)):
            assert (page_file.parent / href).resolve().is_file(), (page_file.name, href)
            hrefs += 1
    assert hrefs == 16  # each of the 8 links, from the page at its other end


def test_without_evidence_the_pages_are_unchanged(
        shop: Path, html_site: tuple[Path, BuildResult], tmp_path: Path) -> None:
    """The evidence section, the verdicts on the causal graph's edges and the stylesheet of
    data pages are the only differences: removed, the pages are identical."""
    plain = tmp_path / "plain"
    result = build_site(shop, plain, "html", dialects=DUCKDB)
    assert result.evidence is None
    site, _ = html_site
    with_evidence, without = tree_bytes(site), tree_bytes(plain)
    assert sorted(with_evidence) == sorted([*without, "static/data.css"])
    changed = 0
    for name, data in with_evidence.items():
        if name in ("static/data.css", MANIFEST):  # the manifest lists the pages' hashes
            continue
        text = data.decode("utf-8")
        stripped = DATA_CSS.sub("", SECTION.sub("", text))
        changed += SECTION.sub("", text) != text
        if name == "graph.html":
            assert 'class="edge positive verdict-' in stripped
            assert "<title>checkout_conversion drives repeat_purchase_rate: " in stripped
            continue
        assert stripped.encode("utf-8") == without[name], name
    assert changed == len(list((site / "measures").glob("*.html")))


def test_reruns_are_byte_identical(shop: Path, html_site: tuple[Path, BuildResult],
                                   md_site: tuple[Path, BuildResult]) -> None:
    for (site, _), fmt in ((html_site, "html"), (md_site, "markdown")):
        before = tree_bytes(site)
        build_site(shop, site, fmt, dialects=DUCKDB, evidence_from=EvidenceOptions())
        assert tree_bytes(site) == before, fmt


def test_markdown_links_one_svg_file_per_link(html_site: tuple[Path, BuildResult],
                                              md_site: tuple[Path, BuildResult]) -> None:
    site, result = md_site
    assert result.evidence is not None
    files = sorted(p.name for p in (site / "evidence").glob("*.svg"))
    assert files == sorted(f"{k.source}--{k.target}.svg" for k in result.evidence.links)
    text = (site / "measures/checkout_conversion.md").read_text(encoding="utf-8")
    assert ("| `checkout_conversion` → [`repeat_purchase_rate`](../measures/repeat_purchase_rate"
            ".md) | 1 month (30 days) | 1 month |") in text
    assert ("![checkout_conversion → repeat_purchase_rate: supported]"
            "(../evidence/checkout_conversion--repeat_purchase_rate.svg)") in text
    assert f"*{CAVEAT}*" in text
    # the same chart as the one inlined in the HTML page
    html = (html_site[0] / "measures/checkout_conversion.html").read_text(encoding="utf-8")
    svg = (site / "evidence/checkout_conversion--repeat_purchase_rate.svg").read_text(
        encoding="utf-8")
    assert svg == figure(html, "checkout_conversion", "repeat_purchase_rate")
    signal = (site / "measures/revenue_to_date.md").read_text(encoding="utf-8")
    assert "- **never-decreases**: `revenue_to_date` never decreased over its 23" in signal


def short_history(tmp_path: Path) -> tuple[Path, Path]:
    """A project of two weekly measures over six weeks of data, in its own DuckDB file."""
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE SCHEMA x")
    con.execute("CREATE TABLE x.visits AS SELECT TIMESTAMP '2026-01-05' + i * INTERVAL 1 DAY "
                "AS ts, i % 3 AS kind FROM range(42) t(i)")
    con.close()
    project = tmp_path / "p"
    project.mkdir()
    (project / "m.osm").write_text(
        "source visits { table x.visits time ts }\n"
        'measure all_visits { formula count(visits) kind leading grain week owner "a"\n'
        "  drives odd_visits lag 1 week effect positive }\n"
        'measure odd_visits { formula count(visits where kind = 1) kind lagging grain week '
        'owner "a" }\n', encoding="utf-8")
    return project, db


def test_cli_too_short_history_shows_insufficient_data(tmp_path: Path) -> None:
    project, db = short_history(tmp_path)
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["docs", str(project), "--out", str(out), "--dialect",
                                       "duckdb", "--evidence", "--db", f"duckdb:///{db}"])
    assert result.exit_code == 0, result.output
    assert "evidence: 1 link: 1 insufficient-data" in result.output
    html = (out / "measures/odd_visits.html").read_text(encoding="utf-8")
    verdict, cells = rows(html)["all_visits", "odd_visits"]
    assert verdict == "insufficient-data"
    assert cells[1:4] == ["1 week", "—", "—"]
    # five complete weeks: 2026-01-05 .. 2026-02-08; the sixth (from 02-09) ends after the
    # data's last visit, 2026-02-15 00:00, so it is left out
    assert cells[6] == "5"
    assert ("<li><code>all_visits</code> → <code>odd_visits</code>: 5 periods, needs at least 19"
            "</li>") in html
    assert ('<li data-verdict="insufficient-data"><code>all_visits</code> → '
            "<code>odd_visits</code>: insufficient-data: too few periods") in html  # next step
    assert "<figure" in html  # five points are still drawn
    result = CliRunner().invoke(main, ["docs", str(project), "--out", str(out), "--no-sql",
                                       "--evidence", "--db", f"duckdb:///{db}",
                                       "--from", "2026-01-19", "--to", "2026-02-01"])
    assert result.exit_code == 0, result.output
    html = (out / "measures/odd_visits.html").read_text(encoding="utf-8")
    assert rows(html)["all_visits", "odd_visits"][1][6] == "2"  # the weeks of 01-19 and 01-26


def test_cli_usage_errors(tmp_path: Path) -> None:
    project, _ = short_history(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["docs", str(project), "--out", str(tmp_path / "s"),
                                  "--db", "duckdb:///x.duckdb", "--from", "2026-01-01"])
    assert result.exit_code == 2
    assert "--from and --to go with --evidence" in result.output
    result = runner.invoke(main, ["docs", str(project), "--out", str(tmp_path / "s"),
                                  "--as-of", "2026-01-01"])
    assert result.exit_code == 2
    assert "--as-of goes with --db or --values" in result.output
    result = runner.invoke(main, ["docs", str(project), "--out", str(tmp_path / "s"),
                                  "--evidence"])
    assert result.exit_code == 2
    assert "error: no warehouse: pass --db URL, set OSM_DB_URL" in result.output
    result = runner.invoke(main, ["docs", str(project), "--out", str(tmp_path / "s"),
                                  "--evidence", "--from", "2026-03-01", "--to", "2026-01-01"])
    assert result.exit_code == 2
    assert not (tmp_path / "s").exists()
    # values from a warehouse that is not there: an environment error, nothing written
    result = runner.invoke(main, ["docs", str(project), "--out", str(tmp_path / "s"),
                                  "--db", f"duckdb:///{tmp_path / 'none.duckdb'}"])
    assert result.exit_code == 2
    assert "error: database file not found" in result.output
    assert not (tmp_path / "s").exists()


def test_project_with_errors_is_documented_without_evidence(tmp_path: Path) -> None:
    project, db = short_history(tmp_path)
    (project / "bad.osm").write_text("measure broken { formula count(nowhere) }\n",
                                     encoding="utf-8")
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["docs", str(project), "--out", str(out), "--dialect",
                                       "duckdb", "--evidence", "--db", f"duckdb:///{db}"])
    assert result.exit_code == 1
    assert "evidence left out: the project has errors" in result.output
    assert "Evidence from the data" not in (out / "measures/odd_visits.html").read_text(
        encoding="utf-8")


@pytest.mark.browser
def test_evidence_page_in_a_browser(html_site: tuple[Path, BuildResult], page: Page,
                                    problems: list[str]) -> None:
    site, _ = html_site
    page.goto((site / "measures/checkout_conversion.html").as_uri())
    assert page.locator("section.evidence h2").inner_text() == "Evidence from the data"
    assert page.locator("section.evidence tr.verdict-supported").count() == 2
    charts = page.locator("section.evidence figure.chart svg")
    assert charts.count() == 2
    box = charts.first.bounding_box()
    assert box is not None and (box["width"], box["height"]) == (320, 120)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("section.evidence").screenshot(path=str(ARTIFACTS / "evidence.png"))
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto((site / "measures/delivery_days_p90.html").as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("section.evidence tr.verdict-contradicted").count() == 1
    assert problems == []


def test_cross_correlation_charts_and_verdicts_on_the_graph(
        html_site: tuple[Path, BuildResult]) -> None:
    """Each tested link: a bar per scanned lag with the verify scan's r, the declared lag
    marked; the causal graph's edge carries the link's verdict."""
    site, result = html_site
    assert result.evidence is not None
    tested = [k for k in result.evidence.links if k.scan]
    assert tested
    graph = (site / "graph.html").read_text(encoding="utf-8")
    for k in result.evidence.links:
        assert re.search(rf'<g class="edge \w+ verdict-{k.verdict}" data-from="{k.source}" '
                         rf'data-to="{k.target}">', graph), (k.source, k.target)
    for k in tested:
        html = (site / f"measures/{k.source}.html").read_text(encoding="utf-8")
        figure = re.search(rf'<figure class="scan verdict-{k.verdict}" data-from="{k.source}" '
                           rf'data-to="{k.target}">(.*?)</figure>', html, re.S)
        assert figure is not None, k.source
        bars = re.findall(r'<rect class="lag( declared)?" data-lag="(-?\d+)" data-r="([^"]+)"',
                          figure.group(1))
        assert [(int(lag), float(r)) for _, lag, r in bars] == list(k.scan)
        assert [int(lag) for declared, lag, _ in bars if declared] == [k.declared_lag]
        # the best lag's r is the estimate verify reports
        assert dict(k.scan)[k.best_lag] == pytest.approx(k.estimate)
