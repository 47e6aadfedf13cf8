"""``osm diff`` on real git repositories: what changed in meaning, and what breaks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest
from click.testing import CliRunner

from metriclang.cli import main
from metriclang.diff import diff_sides
from metriclang.diff.compare import ModelDiff
from metriclang.diff.sides import Side, resolve_sides
from tests.conftest import ROOT
from tests.diff.conftest import BASE, Repo


def diff(repo: Repo, old: str = "main", new: str | None = None) -> ModelDiff:
    with ExitStack() as stack:
        a, b = resolve_sides(old, new, repo.root, stack)
        return diff_sides(a, b)[0]


def breaking(d: ModelDiff) -> list[tuple[str, str, str]]:
    return [(b.kind, b.name, b.change) for b in d.breaking]


def fields(d: ModelDiff, name: str) -> dict[str, tuple[str | None, str | None, bool]]:
    changed = next(c for c in d.changed if c.name == name)
    return {f.field: (f.old, f.new, f.breaking) for f in changed.changes}


# ---------------------------------------------------------------- no change in meaning


def test_layout_comments_order_and_file_moves_are_not_changes(repo: Repo) -> None:
    text = (repo.root / "measures.osm").read_text("utf-8")
    (repo.root / "measures.osm").unlink()
    (repo.root / "metrics").mkdir()
    repo.write({"metrics/all.osm": "# moved and reordered\n" + text.replace(
        "  kind leading\n", "").replace("  direction down\n", "  direction down\n  kind leading"
                                        "   # note\n").replace(
        "formula count(orders where returned) / count(orders)",
        "formula (count(orders where (returned))\n      / count( orders ))")})
    d = diff(repo)
    assert d.empty and not d.diagnostics_fixed, d


# ---------------------------------------------------------------- added, removed, renamed


def test_added_and_removed_elements(repo: Repo) -> None:
    repo.edit("objectives.osm", "  strategy fewer_returns", "  strategy checkout {\n"
              "    measures return_rate\n  }\n\n  strategy fewer_returns")
    repo.write({"journey.osm": "journey buyer {\n  stage buy\n}\n"})
    repo.edit("sources.osm", "  dimension channel\n", "")
    repo.edit("measures.osm", "  dimensions channel\n", "")
    d = diff(repo)
    assert [(e.kind, e.name) for e in d.added] == [("journey", "buyer"), ("strategy", "checkout")]
    assert d.removed == ()
    assert breaking(d) == [("source", "orders", "dimension channel"),
                           ("measure", "return_rate", "dimensions")]
    assert "`channel` removed" in d.breaking[1].reason


def test_removed_measure_is_breaking(repo: Repo) -> None:
    repo.edit("measures.osm", BASE["measures.osm"][BASE["measures.osm"].index(
        "measure revenue_per_return"):], "")
    d = diff(repo)
    assert [(e.kind, e.name) for e in d.removed] == [("measure", "revenue_per_return")]
    assert breaking(d) == [("measure", "revenue_per_return", "removed")]
    # the S303 warning about the unused measure went with it
    assert [x.code for x in d.diagnostics_fixed] == ["S303"] and d.diagnostics_new == ()


def test_rename_is_detected_and_references_follow_it(repo: Repo) -> None:
    repo.git("mv", "measures.osm", "metrics.osm")
    for name in ("metrics.osm", "objectives.osm"):
        text = (repo.root / name).read_text("utf-8")
        (repo.root / name).write_text(text.replace("return_rate", "returned_share"), "utf-8")
    repo.commit("rename return_rate")
    d = diff(repo, "main~1..main")
    assert [(r.kind, r.old, r.new) for r in d.renamed] == [
        ("measure", "return_rate", "returned_share")]
    assert d.added == d.removed == d.changed == ()  # revenue_per_return, fewer_returns follow
    assert breaking(d) == [("measure", "returned_share", "renamed from `return_rate`")]
    assert d.diagnostics_new == d.diagnostics_fixed == ()


def test_renamed_source_is_followed_and_not_breaking(repo: Repo) -> None:
    repo.edit("sources.osm", "source orders", "source sales")
    text = (repo.root / "measures.osm").read_text("utf-8")
    (repo.root / "measures.osm").write_text(text.replace("(orders", "(sales"), "utf-8")
    d = diff(repo)
    assert [(r.kind, r.old, r.new) for r in d.renamed] == [("source", "orders", "sales")]
    assert d.changed == () and d.breaking == ()


def test_rename_with_a_new_definition_is_remove_plus_add(repo: Repo) -> None:
    repo.edit("measures.osm", "measure revenue_per_return {\n  formula revenue / return_rate",
              "measure revenue_ratio {\n  formula revenue / return_rate * 100")
    d = diff(repo)
    assert d.renamed == ()
    assert [e.name for e in d.added] == ["revenue_ratio"]
    assert [e.name for e in d.removed] == ["revenue_per_return"]


def test_relabelled_rename_is_still_a_rename(repo: Repo) -> None:
    for name in ("measures.osm", "objectives.osm"):
        repo.edit(name, "revenue ", "net_revenue ")
    repo.edit("measures.osm", '"Revenue"', '"Net revenue"')
    d = diff(repo)
    assert [(r.old, r.new) for r in d.renamed] == [("revenue", "net_revenue")]
    assert fields(d, "net_revenue") == {"label": ("Revenue", "Net revenue", False)}


# ---------------------------------------------------------------- each breaking kind


def test_formula_change_is_breaking_and_names_dependents(repo: Repo) -> None:
    repo.edit("measures.osm", "count(orders where returned)",
              "count(orders where returned and status = 'paid')")
    d = diff(repo)
    assert fields(d, "return_rate")["formula"] == (
        "COUNT(orders.*) FILTER(WHERE orders.returned) / COUNT(orders.*)",
        "COUNT(orders.*) FILTER(WHERE orders.returned AND orders.status = 'paid') "
        "/ COUNT(orders.*)", True)
    assert breaking(d) == [("measure", "return_rate", "formula")]
    assert d.breaking[0].reason == ("formula changed: every consumer's numbers change; "
                                    "also changes `revenue_per_return`")


def test_grain_change_is_breaking(repo: Repo) -> None:
    repo.edit("measures.osm", "  grain week\n", "  grain month\n")
    d = diff(repo)
    assert fields(d, "return_rate") == {"grain": ("week", "month", True)}
    assert d.breaking[0].reason == ("grain changed from week to month: one row per month "
                                    "instead of per week")


def test_added_output_column_is_breaking(repo: Repo) -> None:
    repo.edit("measures.osm", "  dimensions country\n", "  dimensions country, channel\n")
    d = diff(repo)
    assert fields(d, "revenue") == {"dimensions": ("country", "country, channel", True)}
    assert "`channel` added" in d.breaking[0].reason


def test_removed_measure_dimension_is_breaking(repo: Repo) -> None:
    repo.edit("measures.osm", "  dimensions country\n", "")
    d = diff(repo)
    assert fields(d, "revenue") == {"dimensions": ("country", None, True)}
    assert "dimension `country` removed" in d.breaking[0].reason


def test_removed_and_changed_source_dimensions_are_breaking(repo: Repo) -> None:
    repo.edit("sources.osm", "upper(country_code)", "lower(country_code)")
    repo.edit("sources.osm", "  dimension channel\n", "")
    d = diff(repo)
    assert fields(d, "orders") == {
        "dimension channel": ("channel", None, True),
        "dimension country": ("UPPER(country_code)", "LOWER(country_code)", True)}
    assert {b.change for b in d.breaking} == {"dimension channel", "dimension country"}


def test_window_and_source_table_changes_are_breaking(repo: Repo) -> None:
    repo.edit("measures.osm", "  grain week\n", "  grain week\n  window 28 days\n")
    repo.edit("sources.osm", "table shop.orders", "table shop.orders_v2")
    d = diff(repo)
    assert breaking(d) == [("source", "orders", "table"), ("measure", "return_rate", "window")]


def test_documentation_ownership_and_links_are_not_breaking(repo: Repo) -> None:
    repo.edit("measures.osm", '"Return rate"', '"Share of orders returned"')
    repo.edit("measures.osm", '  owner "ops@example.com"\n',
              '  owner "quality@example.com"\n  description "Returns over orders."\n')
    repo.edit("measures.osm", "direction down", "direction up")
    repo.edit("measures.osm", "kind leading", "kind lagging")
    repo.edit("measures.osm", "target 8%", "target 5%")
    repo.edit("measures.osm", "drives revenue lag 4 weeks effect negative",
              "drives revenue lag 2 months effect negative\n  drives revenue_per_return")
    d = diff(repo)
    assert d.breaking == ()
    assert fields(d, "return_rate") == {
        "label": ("Return rate", "Share of orders returned", False),
        "kind": ("leading", "lagging", False),
        "direction": ("down", "up", False),
        "target": ("0.08", "0.05", False),
        "owner": ("ops@example.com", "quality@example.com", False),
        "description": (None, "Returns over orders.", False),
        "drives revenue": ("lag 4 weeks, effect negative", "lag 2 months, effect negative",
                           False),
        "drives revenue_per_return": (None, "effect positive", False)}


def test_objective_and_strategy_changes(repo: Repo) -> None:
    repo.edit("objectives.osm", ">= 1000 by 2027-12-31", ">= 1500 by 2028-06-30")
    repo.edit("objectives.osm", "measures return_rate", "measures return_rate, revenue_per_return")
    d = diff(repo)
    assert fields(d, "value") == {"target revenue": (">= 1000 by 2027-12-31",
                                                     ">= 1500 by 2028-06-30", False)}
    assert fields(d, "fewer_returns") == {
        "measures": ("return_rate", "return_rate, revenue_per_return", False)}
    assert [x.code for x in d.diagnostics_fixed] == ["S303"]


def test_new_diagnostics_are_reported(repo: Repo) -> None:
    repo.edit("measures.osm", "revenue / return_rate", "revenue / return_rat")
    d = diff(repo)
    assert [(x.code, x.message) for x in d.diagnostics_new] == [
        ("E111", "unknown measure `return_rat`")]


# ---------------------------------------------------------------- sides


def test_sides_from_revisions_ranges_and_directories(repo: Repo, tmp_path: Path) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    repo.edit("measures.osm", "  grain week\n", "  grain month\n")
    repo.commit("monthly returns")
    repo.git("checkout", "-q", "main")
    repo.edit("measures.osm", "direction up", "direction down")
    repo.commit("main moves on")
    assert breaking(diff(repo, "main..feature")) == [("measure", "return_rate", "grain")]
    # three dots: from the merge base, so main's own change is not shown
    d = diff(repo, "main...feature")
    assert [c.name for c in d.changed] == ["return_rate"] and d.old.startswith("merge-base")
    assert [c.name for c in diff(repo, "feature..main").changed] == ["return_rate", "revenue"]
    # revision against the working tree, and two directories
    repo.edit("measures.osm", "kind lagging", "kind leading")
    assert {c.name for c in diff(repo, "HEAD").changed} == {"revenue", "revenue_per_return"}
    other = tmp_path / "copy"
    shutil.copytree(repo.root, other, ignore=shutil.ignore_patterns(".git"))
    assert diff(repo, str(repo.root), str(other)).empty


def test_reading_revisions_leaves_the_working_tree_alone(repo: Repo) -> None:
    repo.edit("measures.osm", "grain week", "grain day")
    repo.write({"scratch.osm": "measure half {"})  # untracked and broken
    status, head = repo.git("status", "--porcelain"), repo.git("rev-parse", "HEAD")
    files = {p: p.read_bytes() for p in repo.root.rglob("*") if p.is_file()}
    diff(repo, "main..main")
    diff(repo, "HEAD")
    assert repo.git("status", "--porcelain") == status
    assert repo.git("rev-parse", "HEAD") == head
    assert {p: p.read_bytes() for p in repo.root.rglob("*") if p.is_file()} == files


def test_project_in_a_subdirectory(repo: Repo) -> None:
    repo.write(BASE, under="specs/shop")
    repo.write({"specs/shop/metriclang.toml": '[project]\ndialect = "postgres"\n'})
    repo.commit("second project")
    repo.edit("specs/shop/measures.osm", "  grain week\n", "  grain day\n")
    with ExitStack() as stack:
        a, b = resolve_sides("HEAD", None, repo.root / "specs" / "shop", stack)
        assert sorted(p.name for p in a.root.iterdir()) == [
            "measures.osm", "metriclang.toml", "objectives.osm", "sources.osm"]
        d = diff_sides(a, b)[0]
    assert breaking(d) == [("measure", "return_rate", "grain")]


def test_bad_sides_are_usage_errors(repo: Repo, tmp_path: Path) -> None:
    runner = CliRunner()
    for args in (["nope"], ["main..nope"], ["main", "nope"], ["--", "-x"]):
        result = runner.invoke(main, ["diff", "--project", str(repo.root), *args])
        assert result.exit_code == 2, (args, result.output)
    outside = tmp_path / "plain"
    outside.mkdir()
    result = runner.invoke(main, ["diff", "main", "--project", str(outside)])
    assert result.exit_code == 2 and "git revision" in result.output


# ---------------------------------------------------------------- formats and exit codes


def _cli(repo: Repo, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["diff", *args, "--project", str(repo.root)])
    return result.exit_code, result.stdout


def test_json_markdown_and_fail_on(repo: Repo) -> None:
    repo.edit("measures.osm", "  grain week\n", "  grain month\n")
    repo.edit("measures.osm", '"Revenue"', '"Net revenue"')
    code, out = _cli(repo, "main", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert {"added", "removed", "renamed", "changed", "breaking", "diagnostics_new",
            "diagnostics_fixed"} <= data.keys()
    assert data["breaking"] == [{
        "kind": "measure", "name": "return_rate", "change": "grain",
        "reason": "grain changed from week to month: one row per month instead of per week"}]
    assert data["changed"][0] == {"kind": "measure", "name": "return_rate", "changes": [
        {"field": "grain", "old": "week", "new": "month", "breaking": True}]}
    code, md = _cli(repo, "main", "--format", "markdown")
    head, _, details = md.partition("<details>")
    assert "**1 breaking change**" in head and "return_rate" in head
    assert "Net revenue" not in head and "Net revenue" in details
    assert md.rstrip().endswith("</details>")
    assert _cli(repo, "main", "--fail-on", "breaking")[0] == 1
    assert _cli(repo, "main", "--fail-on", "never")[0] == 0
    repo.edit("measures.osm", "  grain month\n  dimensions channel", "  grain week\n"
              "  dimensions channel")
    assert _cli(repo, "main", "--fail-on", "breaking")[0] == 0
    assert _cli(repo, "main", "--fail-on", "any")[0] == 1
    repo.edit("measures.osm", '"Net revenue"', '"Revenue"')
    assert _cli(repo, "main", "--fail-on", "any") == (0, _cli(repo, "main")[1])
    assert "no change in meaning" in _cli(repo, "main")[1]


def test_subprocess_exit_code_and_text(repo: Repo) -> None:
    repo.edit("measures.osm", "count(orders where returned)", "count(orders where returned)*2")
    done = subprocess.run([sys.executable, "-m", "metriclang.cli", "diff", "main",
                           "--fail-on", "breaking"], cwd=repo.root, capture_output=True,
                          text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 1, done.stderr
    assert "✗ measure return_rate: formula changed" in done.stdout
    assert "      + COUNT(orders.*) FILTER(WHERE orders.returned) * 2 / COUNT(orders.*)" in \
        done.stdout


def test_side_labels(repo: Repo) -> None:
    with ExitStack() as stack:
        a, b = resolve_sides("main..HEAD", None, repo.root, stack)
        assert (a.label, b.label) == ("main", "HEAD")
        a, b = resolve_sides("main", None, repo.root, stack)
        assert (a.label, b) == ("main", Side("working tree", repo.root))


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_output_is_deterministic(repo: Repo, fmt: str) -> None:
    repo.edit("measures.osm", "grain week", "grain day")
    assert _cli(repo, "main", "--format", fmt) == _cli(repo, "main", "--format", fmt)


# ---------------------------------------------------------------- --run


ORDERS = [  # ordered_at, channel, status, returned
    ("2026-01-05 10:00", "web", "paid", True),
    ("2026-01-06 11:00", "web", "cancelled", True),
    ("2026-01-07 12:00", "web", "paid", False),
    ("2026-01-11 23:00", "web", "paid", False),
    ("2026-01-12 09:00", "web", "paid", True),
    ("2026-01-14 09:00", "web", "paid", False),
    ("2026-01-18 20:00", "app", "refunded", True),
]


def _warehouse(path: Path) -> str:
    import duckdb

    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA shop")
    con.execute("CREATE TABLE shop.orders (order_id INT, customer_id INT, ordered_at TIMESTAMP, "
                "amount DECIMAL(10, 2), status VARCHAR, channel VARCHAR, country_code VARCHAR, "
                "returned BOOLEAN)")
    con.executemany("INSERT INTO shop.orders VALUES (?, ?, ?, 10, ?, ?, 'nl', ?)",
                    [(i, i, at, status, channel, returned)
                     for i, (at, channel, status, returned) in enumerate(ORDERS)])
    con.close()
    return f"duckdb:///{path}"


def test_run_shows_old_and_new_values(repo: Repo, tmp_path: Path) -> None:
    db = _warehouse(tmp_path / "wh.duckdb")
    repo.edit("measures.osm", "count(orders where returned)",
              "count(orders where returned and status = 'paid')")
    code, out = _cli(repo, "main", "--run", "--periods", "2", "--db", db, "--format", "json")
    assert code == 0
    # hand-computed: week of 5 Jan, web: 2 of 4 returned, 1 of them paid;
    # week of 12 Jan, web: 1 of 2 returned and paid; app: 1 of 1 returned, not paid
    assert json.loads(out)["runs"] == [{"measure": "return_rate", "problem": None, "rows": [
        {"period": "2026-01-05", "dimensions": ["app"], "old": None, "new": None},
        {"period": "2026-01-05", "dimensions": ["web"], "old": 0.5, "new": 0.25},
        {"period": "2026-01-12", "dimensions": ["app"], "old": 1.0, "new": 0.0},
        {"period": "2026-01-12", "dimensions": ["web"], "old": 0.5, "new": 0.5},
    ]}]
    code, text = _cli(repo, "main", "--run", "--periods", "1", "--db", db)
    assert "Values of return_rate (old → new):\n  2026-01-12 app: 1 → 0 (-1)\n" \
        "  2026-01-12 web: 0.5 → 0.5 (+0)\n" in text
    code, md = _cli(repo, "main", "--run", "--periods", "1", "--db", db, "--format", "markdown")
    assert "| 2026-01-12 app | 1 | 0 | -1 |" in md


def test_run_without_numeric_changes_runs_nothing(repo: Repo, tmp_path: Path) -> None:
    repo.edit("measures.osm", "direction down", "direction up")
    code, out = _cli(repo, "main", "--run", "--db", "duckdb:///" + str(tmp_path / "none.duckdb"),
                     "--format", "json")
    assert code == 0 and "runs" not in json.loads(out)


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_report_goldens(repo: Repo, fmt: str, update_goldens: bool) -> None:
    from tests.conftest import golden

    repo.edit("measures.osm", "count(orders where returned)", "count(orders where returned) * 2")
    repo.edit("measures.osm", '"Revenue"', '"Revenue | net"')
    repo.edit("measures.osm", "  dimensions country\n", "")
    repo.edit("measures.osm", "revenue / return_rate", "revenue / return_rat")
    repo.edit("objectives.osm", "  strategy fewer_returns", "  strategy faster {\n"
              "    measures return_rate\n  }\n\n  strategy fewer_returns")
    suffix = {"text": "txt", "json": "json", "markdown": "md"}[fmt]
    golden(Path(__file__).parent / "goldens" / f"report.{suffix}",
           _cli(repo, "main", "--format", fmt)[1], update_goldens)


def test_run_on_the_shop_example_demo_warehouse(tmp_path: Path) -> None:
    """--run without --db uses the project's embedded DuckDB (generated on first use)."""
    import duckdb

    shop = ROOT / "specs" / "examples" / "shop"
    (tmp_path / "shop").mkdir()
    r = Repo(tmp_path / "shop")
    for path in [*shop.glob("*.osm"), shop / "metriclang.toml", shop / "data" / "generate.py"]:
        target = r.root / path.relative_to(shop)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    r.commit("shop")
    r.edit("measures.osm", "count(orders where returned) / count(orders)",
           "count(orders where returned and status = 'paid') / count(orders)")
    code, out = _cli(r, "main", "--run", "--periods", "2", "--format", "json")
    assert code == 0
    runs = json.loads(out)["runs"]
    assert [x["measure"] for x in runs] == ["return_rate"] and runs[0]["problem"] is None
    con = duckdb.connect(str(r.root / "demo.duckdb"), read_only=True)
    expected = con.execute("""
        SELECT strftime(date_trunc('week', ordered_at), '%Y-%m-%d') AS period, p.category,
               count(*) FILTER (WHERE returned) / count(*) AS old,
               count(*) FILTER (WHERE returned AND status = 'paid') / count(*) AS new
        FROM shop.orders o LEFT JOIN shop.products p USING (product_id)
        GROUP BY ALL ORDER BY ALL""").fetchall()
    con.close()
    last = sorted({row[0] for row in expected})[-2:]
    got = [(x["period"], x["dimensions"][0], x["old"], x["new"]) for x in runs[0]["rows"]]
    want = [row for row in expected if row[0] in last]
    assert [g[:2] for g in got] == [w[:2] for w in want] and len(want) >= 4
    for g, w in zip(got, want, strict=True):
        assert g[2] == pytest.approx(w[2]) and g[3] == pytest.approx(w[3])
    assert any(g[2] != g[3] for g in got)  # the change shows in the numbers


def test_markdown_fits_in_a_pull_request_comment(tmp_path: Path) -> None:
    from metriclang.diff.report import render_markdown

    for side, where in (("old", "returned"), ("new", "returned and status = 'paid'")):
        (tmp_path / side).mkdir()
        measures = "".join(
            f"measure m{i} {{\n  formula count(orders where {where} and channel = 'c{i}')"
            f" / count(orders where channel = 'c{i}')\n  owner \"team{i}@example.com\"\n}}\n"
            for i in range(300))
        (tmp_path / side / "specs.osm").write_text(BASE["sources.osm"] + measures, "utf-8")
    d = diff_sides(Side("old", tmp_path / "old"), Side("new", tmp_path / "new"))[0]
    assert len(d.changed) == 300
    md = render_markdown(d)
    assert len(md) < 65_536 and md.rstrip().endswith("</details>")
    assert "Details cut to fit a comment" in md and md.count("```") % 2 == 0


def test_a_revision_without_the_project_is_named_in_the_empty_project_warning(
        tmp_path: Path) -> None:
    from tests.diff.conftest import BASE, Repo

    (tmp_path / "r").mkdir()
    repo = Repo(tmp_path / "r")
    repo.write({"README.md": "metrics to come\n"})
    repo.commit("empty")
    repo.write(BASE, "specs")
    repo.commit("the project")
    project = repo.root / "specs"
    result = CliRunner().invoke(main, ["diff", "HEAD~1", "--project", str(project)])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"warning: no .osm files found under {project} at HEAD~1\n"
    result = CliRunner().invoke(main, ["diff", "HEAD~1...HEAD", "--project", str(project)])
    assert result.stderr == (f"warning: no .osm files found under {project} at "
                             "merge-base(HEAD~1, HEAD)\n")
