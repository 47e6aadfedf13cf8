"""``osm docs``: golden pages, determinism, atomic replacement, escaping, the CLI contract."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from metriclang.cli import main
from metriclang.docgen.layout import causal_layers, shorten
from metriclang.docgen.site import MANIFEST, Writer, build_site
from metriclang.docgen.views import Views
from metriclang.load import check
from metriclang.semantic.graph import CausalGraph
from tests.conftest import EXAMPLES, golden
from tests.docgen.conftest import Built

Site = Callable[[str, str], Built]
DUCKDB = ("duckdb",)

GOLDEN = Path(__file__).parent / "goldens"
SQL_PANEL = re.compile(r'(<section class="sql-panel" data-dialect-panel="[a-z]+">).*?(</section>)',
                       re.S)
SQL_FENCE = re.compile(r"(^### [a-z]+\n\n).*?(?=^### |^## Diagnostics)", re.S | re.M)

XSS = """
journey j "<b>J</b>" { stage s "<i>stage</i>" }
source t { table x.t  time ts }
measure evil "<script>alert(1)</script>" {
  formula count(t)
  kind leading
  stage j.s
  owner "a&b <o@x>"
  description "<img src=x onerror=alert(2)>"
  drives good lag 1 week
}
measure good "Good 好" { formula count(t) kind lagging owner "x" }
objective o "<script>alert(3)</script>" {
  north_star good
  strategy st "<svg onload=alert(4)>" { hypothesis "<h1>big</h1>" measures evil }
}
"""


def site_text(root: Path, ext: str) -> str:
    """Every page of a site in one text, SQL blocks replaced (sqlgen has its own goldens).

    Pages of single rules are left out: their text is the rules' docstrings.
    """
    parts = []
    for page in sorted(root.rglob(f"*.{ext}")):
        if page.parent.name == "rules" and page.stem != "index":
            continue
        text = page.read_text(encoding="utf-8")
        if ext == "html":
            text = SQL_PANEL.sub(r"\1[sql]\2", text)
        elif page.parent.name == "measures":
            text = SQL_FENCE.sub(r"\1[sql]\n\n", text)
        text = text.replace("metriclang 0.1.0", "metriclang VERSION")
        parts.append(f"===== {page.relative_to(root).as_posix()}\n{text}")
    return "\n".join(parts)


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("project", ["shop", "manufacturer"])
@pytest.mark.parametrize("fmt,ext", [("html", "html"), ("markdown", "md")])
def test_golden_pages(project: str, fmt: str, ext: str, example_site: Site,
                      update_goldens: bool) -> None:
    site, _ = example_site(project, fmt)
    golden(GOLDEN / f"{project}.{ext}.txt", site_text(site, ext), update_goldens)


def test_pages_of_the_shop(example_site: Site) -> None:
    site, result = example_site("shop", "html")
    names = set(tree_bytes(site))
    measures = {f"measures/{m}.html" for m in (
        "average_order_value", "checkout_conversion", "delivery_days_p90", "median_basket",
        "monthly_revenue", "repeat_purchase_rate", "return_rate", "revenue_to_date",
        "search_success_rate", "tickets_per_buyer", "weekly_buyers_7d")}
    assert measures <= names
    assert {"index.html", "objectives/customer_value.html", "journeys/shopper.html",
            "graph.html", "search.html", "rules/index.html", "rules/V401.html",
            "static/site.css", "static/site.js", MANIFEST} <= names
    assert result.pages == len([n for n in names if n.endswith(".html")])
    assert not result.diagnostics.has_errors


def test_measure_page_content(example_site: Site) -> None:
    site, _ = example_site("shop", "html")
    page = (site / "measures/checkout_conversion.html").read_text(encoding="utf-8")
    assert "<h1>Checkout conversion 结账转化率</h1>" in page
    assert ("conversion(sessions where reached_checkout -&gt; orders, within 1 day, "
            "by customer)") in page
    assert "<dt>target</dt><dd>60%</dd>" in page
    assert '<a href="../journeys/shopper.html">Purchase 购买</a>' in page
    # upstream: search_success_rate drives it after 1 week; downstream two hops
    up, down = page.split("<h2>Upstream: what drives it</h2>")[1].split("<h2>Downstream")
    assert "search_success_rate.html" in up and "1 week" in up
    assert down.index("repeat_purchase_rate.html") < down.index("monthly_revenue.html")
    assert "30 days" in down and "1 month" in down
    revenue = (site / "measures/revenue_to_date.html").read_text(encoding="utf-8")
    # the formula as written, continuation lines kept
    rpr = (site / "measures/repeat_purchase_rate.html").read_text(encoding="utf-8")
    assert ("count_distinct(orders, customer_id where order_seq &gt;= 2)\n"
            "  / count_distinct(orders, customer_id)") in rpr
    assert "<dt>target</dt><dd>35%</dd>" in rpr
    assert "<dt>cumulative</dt>" in revenue


def test_suppressed_diagnostic_shows_its_reason(example_site: Site) -> None:
    site, result = example_site("shop", "html")
    assert "V401" in [d.code for d in result.diagnostics if d.suppressed]
    page = (site / "measures/revenue_to_date.html").read_text(encoding="utf-8")
    assert "(suppressed)" in page
    assert "allowed: Finance reports the running total against the annual plan" in page


def test_index_lists_objective_targets(example_site: Site) -> None:
    site, _ = example_site("shop", "html")
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "Grow long-term customer value 提升长期客户价值" in index
    assert ('&gt;= <strong>35%</strong> by <time datetime="2027-06-30">2027-06-30</time>'
            in index)
    assert "<strong>250000 EUR</strong> by" in index


def test_reruns_are_byte_identical(tmp_path: Path) -> None:
    for fmt in ("html", "markdown"):
        build_site(EXAMPLES / "shop", tmp_path / fmt / "a", fmt, dialects=DUCKDB)
        first = tree_bytes(tmp_path / fmt / "a")
        build_site(EXAMPLES / "shop", tmp_path / fmt / "a", fmt, dialects=DUCKDB)
        build_site(EXAMPLES / "shop", tmp_path / fmt / "b", fmt, dialects=DUCKDB)
        assert tree_bytes(tmp_path / fmt / "a") == first == tree_bytes(tmp_path / fmt / "b")
    assert not [p for p in tmp_path.rglob(".*tmp*")]


def test_today_is_recorded_and_makes_the_site_reproducible(tmp_path: Path) -> None:
    """C207 depends on the date: the index says which one, and --today fixes it. Two runs
    with the same --today are byte-identical; a later --today changes what C207 reports."""
    runner = CliRunner()
    for name, day in (("a", "2026-01-05"), ("b", "2026-01-05"), ("late", "2027-06-01")):
        result = runner.invoke(main, ["docs", str(EXAMPLES / "shop"), "--out",
                                      str(tmp_path / name), "--no-sql", "--today", day],
                               catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
    assert tree_bytes(tmp_path / "a") == tree_bytes(tmp_path / "b")
    index = (tmp_path / "a" / "index.html").read_text("utf-8")
    assert 'Checked as of <time datetime="2026-01-05">2026-01-05</time>' in index
    late = (tmp_path / "late" / "index.html").read_text("utf-8")
    assert "2027-06-01" in late and tree_bytes(tmp_path / "late") != tree_bytes(tmp_path / "a")
    c207 = (tmp_path / "late" / "rules" / "C207.html").read_text("utf-8")
    assert "from 2027-06-01" in c207


def test_failed_build_keeps_the_previous_site(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    build_site(EXAMPLES / "shop", out, dialects=DUCKDB)
    before = tree_bytes(out)

    write_page = Writer.page

    def disk_full_after_five_pages(self: Writer, *args: Any, **kwargs: Any) -> None:
        if self.pages == 5:
            raise OSError("disk full")
        write_page(self, *args, **kwargs)

    monkeypatch.setattr(Writer, "page", disk_full_after_five_pages)
    with pytest.raises(OSError, match="disk full"):
        build_site(EXAMPLES / "manufacturer", out, dialects=DUCKDB)
    assert tree_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_refuses_to_replace_a_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    result = CliRunner().invoke(main, ["docs", str(EXAMPLES / "shop"), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "is not the previous output of `osm docs`" in result.output
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_labels_are_escaped_everywhere(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "x.osm").write_text(XSS, encoding="utf-8")
    for fmt, ext in (("html", "html"), ("markdown", "md")):
        build_site(tmp_path / "p", tmp_path / fmt, fmt, dialects=DUCKDB)
        pages = list((tmp_path / fmt).rglob(f"*.{ext}"))
        assert len(pages) > 8
        for page in pages:
            text = page.read_text(encoding="utf-8")
            for raw in ("<script>alert", "<img", "<svg onload", "<h1>big", "<b>J", "<i>stage",
                        "a&b"):
                assert raw not in text, (page, raw)
        measure = (tmp_path / fmt / f"measures/evil.{ext}").read_text(encoding="utf-8")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in measure
        assert "&lt;img src=x onerror=alert(2)&gt;" in measure
    search = (tmp_path / "html/search.html").read_text(encoding="utf-8")
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in search


def test_graph_svg_has_a_node_per_measure_and_an_edge_per_drive() -> None:
    loaded = check(EXAMPLES / "manufacturer")
    graph = Views(loaded.project, loaded.diagnostics).graph()
    project = loaded.project
    assert sorted(b.id for b in graph.boxes) == sorted(project.measures)
    drives = sorted((n, d.target) for n, x in project.measures.items() for d in x.drives)
    assert sorted((e.source, e.target) for e in graph.lines) == drives
    x = {b.id: b.x for b in graph.boxes}
    leading = [n for n, m in project.measures.items() if m.kind == "leading"]
    lagging = [n for n, m in project.measures.items() if m.kind == "lagging"]
    assert max(x[n] for n in leading) < min(x[n] for n in lagging)


def test_layers_follow_the_drives_chain_and_survive_cycles() -> None:
    loaded = check(EXAMPLES / "shop")
    project = loaded.project
    layers = causal_layers(CausalGraph.from_project(project),
                           [n for n, x in project.measures.items() if x.kind == "lagging"])
    # delivery_days_p90 -> return_rate -> repeat_purchase_rate -> monthly_revenue
    assert layers["delivery_days_p90"] == 0
    assert layers["return_rate"] == 1
    assert layers["repeat_purchase_rate"] == 2
    assert layers["monthly_revenue"] == 3


def test_cycle_does_not_hang(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "c.osm").write_text(
        "source t { table x.t time ts }\n"
        "measure a { formula count(t) kind leading drives b }\n"
        "measure b { formula count(t) kind leading drives a }\n", encoding="utf-8")
    build_site(tmp_path / "p", tmp_path / "site", dialects=DUCKDB)
    page = (tmp_path / "site/measures/a.html").read_text(encoding="utf-8")
    assert page.count('href="../measures/b.html"') >= 2  # upstream and downstream


def test_shorten_counts_cjk_twice() -> None:
    assert shorten("结账转化率结账转化率", 10) == "结账转化…"
    assert shorten("short", 10) == "short"


def test_cli_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["docs", str(EXAMPLES / "shop"), "--out", str(tmp_path / "a"),
                              "--dialect", "duckdb", "--dialect", "tsql"])
    assert ok.exit_code == 0, ok.output
    assert re.search(r"wrote \d+ pages to ", ok.output)
    missing = runner.invoke(main, ["docs", str(tmp_path / "nope"), "--out", str(tmp_path / "b")])
    assert missing.exit_code == 2
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.osm").write_text("measure m { }\n", encoding="utf-8")
    bad = runner.invoke(main, ["docs", str(tmp_path / "bad"), "--out", str(tmp_path / "c"),
                               "--dialect", "duckdb"])
    assert bad.exit_code == 1
    assert (tmp_path / "c" / "index.html").is_file()
    assert "E123" in (tmp_path / "c" / "index.html").read_text(encoding="utf-8")


def test_cli_as_a_subprocess(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "metriclang.cli", "docs", str(EXAMPLES / "manufacturer"),
         "--out", str(tmp_path / "md"), "--format", "markdown", "--dialect", "postgres"],
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    graph = (tmp_path / "md" / "graph.md").read_text(encoding="utf-8")
    assert "```mermaid\nflowchart LR\n" in graph


@pytest.mark.parametrize("project", ["shop", "manufacturer"])
def test_markdown_links_resolve(project: str, example_site: Site) -> None:
    site, _ = example_site(project, "markdown")
    broken = []
    for page in site.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        links = re.findall(r"\]\(([^)]+)\)", text) + re.findall(r'click n\d+ "([^"]+)"', text)
        for link in links:
            path, _, anchor = link.partition("#")
            target = (page.parent / path).resolve()
            if not target.is_file():
                broken.append((page.name, link))
            elif anchor and f"`{anchor.removeprefix('strategy-')}`" not in target.read_text(
                    encoding="utf-8"):
                broken.append((page.name, link))
    assert broken == []


def test_no_sql_and_dialect_options(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "site"
    ok = runner.invoke(main, ["docs", str(EXAMPLES / "shop"), "--out", str(out), "--no-sql"])
    assert ok.exit_code == 0, ok.output
    page = (out / "measures/return_rate.html").read_text(encoding="utf-8")
    assert "data-dialect-panel" not in page
    assert "<code>osm sql PATH return_rate</code> prints it" in page
    both = runner.invoke(main, ["docs", str(EXAMPLES / "shop"), "--out", str(out), "--no-sql",
                                "--dialect", "duckdb"])
    assert both.exit_code == 2
    bad = runner.invoke(main, ["docs", str(EXAMPLES / "shop"), "--out", str(out), "--dialect",
                               "oracle"])
    assert bad.exit_code == 2
    two = runner.invoke(main, ["docs", str(EXAMPLES / "shop"), "--out", str(out), "--dialect",
                               "tsql", "--dialect", "duckdb"])
    assert two.exit_code == 0, two.output
    page = (out / "measures/return_rate.html").read_text(encoding="utf-8")
    assert re.findall(r'data-dialect-panel="(\w+)"', page) == ["tsql", "duckdb"]


def test_a_broken_project_still_gets_a_site(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.osm").write_text(
        "journey j { stage a }\n"
        "source t { table x.t time ts }\n"
        'measure m "M" { formula count(t) + nope stage j.zz drives ghost kind leading }\n'
        "measure m { formula count(t) }\n"
        "objective o { north_star ghost target ghost >= 5% by 2020-01-01\n"
        "  strategy s { measures ghost, m stage q.r } }\n"
        'measure unterminated "abc\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["docs", str(tmp_path / "p"), "--out",
                                       str(tmp_path / "site"), "--dialect", "duckdb"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    page = (tmp_path / "site/measures/m.html").read_text(encoding="utf-8")
    assert "<code>count(t) + nope</code>" in page  # the formula as written, though invalid
    assert "<dt>stage</dt><dd>j.zz</dd>" in page  # unknown stage: shown, not linked
    index = (tmp_path / "site/index.html").read_text(encoding="utf-8")
    assert "<code>ghost</code> (unknown measure) &gt;= <strong>5%</strong>" in index
    assert "E120" in index  # the duplicate, outside any page's declaration


def test_long_edges_pass_between_boxes() -> None:
    loaded = check(EXAMPLES / "shop")
    graph = Views(loaded.project, loaded.diagnostics).graph()
    boxes = {b.id: b for b in graph.boxes}
    line = next(x for x in graph.lines
                if (x.source, x.target) == ("median_basket", "monthly_revenue"))
    # layer 0 -> layer 3: it crosses layers 1 and 2 through two free slots
    assert line.d.count(" L") == 2 and line.d.count(" C") == 3
    points = [tuple(map(int, p.split(","))) for p in re.findall(r"-?\d+,-?\d+", line.d)]
    for x, y in points[1:-1]:
        for b in boxes.values():
            assert not (b.x < x < b.x + b.w and b.y < y < b.y + b.h), (x, y, b.id)
    assert points[-1] == (boxes["monthly_revenue"].x,
                          boxes["monthly_revenue"].y + boxes["monthly_revenue"].h // 2)


def test_formula_is_shown_exactly_as_written(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "f.osm").write_text(
        "source t { table x.t time ts }\n"
        "measure m {\n"
        "  formula (max(t, amount) + avg(t.amount where channel in ('web', 'app'))) / 2  # avg\n"
        "  kind lagging owner \"x\"\n}\n", encoding="utf-8")
    build_site(tmp_path / "p", tmp_path / "site", dialects=())
    page = (tmp_path / "site/measures/m.html").read_text(encoding="utf-8")
    assert ("<code>(max(t, amount) + avg(t.amount where channel in (&#39;web&#39;, &#39;app&#39;)"
            ")) / 2</code>") in page
    assert "SQL was left out of this site" in page


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_formula_after_a_form_feed_comes_from_its_own_line(tmp_path: Path, newline: str) -> None:
    """A form feed is whitespace to the grammar, not a line break: the formula and target
    shown on the page are the measure's own, not text from the line before."""
    (tmp_path / "p").mkdir()
    text = newline.join([
        "source t { table x.t time ts }",
        "# page two \f of the spec",
        "measure m {",
        "  formula count(t) * 2",
        "  kind lagging owner \"x\"",
        "  unit \"%\"",
        "  target 40%",
        "}", ""])
    (tmp_path / "p" / "f.osm").write_bytes(text.encode("utf-8"))
    result = build_site(tmp_path / "p", tmp_path / "site", dialects=())
    assert not result.diagnostics.has_errors
    page = (tmp_path / "site/measures/m.html").read_text(encoding="utf-8")
    assert '<pre class="formula"><code>count(t) * 2</code></pre>' in page
    assert "<dt>target</dt><dd>40%</dd>" in page


LINEAGE = """
source t { table x.t  time ts }
measure base "Base" { formula count(t) kind leading owner "x" drives total lag 1 week }
measure total "Total" { formula base * 2 kind lagging owner "x" }
measure share "Share" { formula base / total kind lagging owner "x" }
objective o "The objective" {
  north_star total
  strategy first "First strategy" { hypothesis "h" measures base }
  strategy second { hypothesis "h" measures base }
}
"""


@pytest.mark.parametrize("fmt,ext", [("html", "html"), ("markdown", "md")])
def test_used_by_names_strategies_and_formula_users(tmp_path: Path, fmt: str, ext: str) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "m.osm").write_text(LINEAGE, encoding="utf-8")
    (tmp_path / "p" / "metriclang.toml").write_text('[project]\ntitle = "Team metrics"\n')
    build_site(tmp_path / "p", tmp_path / "site", fmt, dialects=())
    page = (tmp_path / "site" / "measures" / f"base.{ext}").read_text("utf-8")
    used_by = page.split("Used by")[1].split("Used in formulas")[0]
    assert "First strategy" in used_by and "second" in used_by
    assert "The objective" not in used_by
    assert re.findall(r"strategy (?:<a [^>]*>|\[)(First strategy|second)", used_by) == [
        "First strategy", "second"]
    formulas = page.split("Used in formulas")[1].split("Upstream")[0]
    assert "Share" in formulas and "Total" in formulas
    total = (tmp_path / "site" / "measures" / f"total.{ext}").read_text("utf-8")
    assert "Used in formulas" in total and "Share" in total.split("Used in formulas")[1]
    assert "objective" in total.split("Used by")[1].split("The objective")[0]
    index = (tmp_path / "site" / f"index.{ext}").read_text("utf-8")
    assert "Team metrics" in index and ">p<" not in index and "# p\n" not in index


def test_project_title_names_every_html_page(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "m.osm").write_text(LINEAGE, encoding="utf-8")
    (tmp_path / "p" / "metriclang.toml").write_text('[project]\ntitle = "A & B"\n')
    build_site(tmp_path / "p", tmp_path / "site", dialects=())
    page = (tmp_path / "site" / "measures" / "base.html").read_text("utf-8")
    assert "<title>Base · A &amp; B</title>" in page
    assert 'index.html">A &amp; B</a>' in page


def test_project_title_of_the_wrong_type_is_e194(tmp_path: Path) -> None:
    from metriclang.config import load_config

    (tmp_path / "metriclang.toml").write_text('[project]\ntitle = 3\n')
    config, problems = load_config(tmp_path)
    assert config.title is None
    assert [(d.code, d.span.line, d.message) for d in problems] == [
        ("E194", 2, "`[project] title` must be a string, not an integer")]


def test_targets_are_shown_in_the_measures_unit(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.osm").write_text(
        "source t { table x.t time ts }\n"
        'measure share { formula count(t where ok) / count(t) unit "%" target 0.35 }\n'
        'measure nrr { formula sum(t.renewed) / sum(t.billed) unit "%" target 110%\n'
        '  allow S306 "expansion passes 100%" }\n'
        'measure billed { formula sum(t.billed) unit "EUR" target 250000 }\n'
        "objective o { north_star billed target share >= 0.4 target nrr >= 1.05 }\n",
        encoding="utf-8")
    result = build_site(tmp_path / "p", tmp_path / "site", "html", None, ())
    assert not result.diagnostics.has_errors
    page = (tmp_path / "site/measures/{}.html").as_posix()
    assert "<dt>target</dt><dd>35%</dd>" in Path(page.format("share")).read_text("utf-8")
    assert "<dt>target</dt><dd>110%</dd>" in Path(page.format("nrr")).read_text("utf-8")
    assert "<dt>target</dt><dd>250000 EUR</dd>" in Path(page.format("billed")).read_text("utf-8")
    index = (tmp_path / "site/index.html").read_text(encoding="utf-8")
    assert "&gt;= <strong>40%</strong>" in index and "&gt;= <strong>105%</strong>" in index
