"""No traceback, ever: the extreme values adversarial testing found, each through the ``osm``
command line (click's runner, the same code path), on the shop example and DuckDB.

Each case gets a positioned diagnostic, a usage error (exit 2) or a sensible result: dates
beyond the calendar clamp to 0001-01-01/9999-12-31, numbers of any size print, settings of
the wrong type are E194, stdin that is not UTF-8 is E105.
"""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from metriclang.cli import main
from metriclang.report.results import cell, plain
from tests.conftest import EXAMPLES

COMMANDS = [["check", "{root}"], ["sql", "{root}", "monthly_revenue"], ["graph", "{root}"],
            ["compile", "{root}", "--dialect", "duckdb", "--out", "{out}/sql"],
            ["docs", "{root}", "--out", "{out}/site", "--no-sql"],
            ["run", "{root}", "monthly_revenue"], ["diff", "{shop}", "{root}"]]


def _osm(*args: str, stdin: bytes | None = None) -> Result:
    result = CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args, repr(result.exception))
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exit_code in (0, 1, 2), (args, result.exit_code)
    return result


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop example with its demo data generated once."""
    root = tmp_path_factory.mktemp("no_traceback") / "shop"
    shutil.copytree(EXAMPLES / "shop", root, ignore=shutil.ignore_patterns("*.duckdb"))
    assert _osm("run", str(root), "monthly_revenue").exit_code == 0
    return root


def _variant(shop: Path, tmp_path: Path, edit: dict[str, str], toml: str | None = None) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(shop, root)
    for name, (old, new) in ((n, e.split(" => ", 1)) for n, e in edit.items()):
        text = (root / name).read_text("utf-8")
        assert old in text, old
        (root / name).write_text(text.replace(old, new, 1), "utf-8")
    if toml is not None:
        (root / "metriclang.toml").write_text(toml, "utf-8")
    return root


@pytest.mark.parametrize("args", [
    ["--to", "9999-12-31"], ["--from", "0001-01-01"], ["--from", "9999-12-31"],
    ["--from", "0001-01-01", "--to", "0001-01-01"], ["--from", "9999-01-01", "--to", "9999-12-31"],
])
def test_dates_at_the_ends_of_the_calendar(shop: Path, args: list[str]) -> None:
    """Planning clamps to the calendar (measures with a window look back before 0001-01-01)."""
    for measure in ("monthly_revenue", "weekly_buyers_7d", "median_basket"):
        result = _osm("sql", str(shop), measure, *args)
        assert result.exit_code == 0, result.stderr
    if "--to" in args and "--from" in args:  # bounded: a few periods to compute
        result = _osm("run", str(shop), "--all", "--format", "csv", *args)
        assert result.exit_code == 0, result.stderr


def test_huge_window_and_lag(shop: Path, tmp_path: Path) -> None:
    """`window 999999999 days` with --from, lags of a billion days or months: C207 says the
    chain lands on 9999-12-31, at the `drives` statement; nothing crashes into X001."""
    root = _variant(shop, tmp_path, {
        "measures.osm": "lag 30 days effect => lag 999999999 days effect"})
    with (root / "measures.osm").open("a", encoding="utf-8") as out:
        out.write("measure huge_window {\n  formula count(orders)\n  window 999999999 days\n"
                  "  kind lagging\n}\n")
    check = _osm("check", str(root), "--format", "json", "--today", "2026-01-01")
    found = json.loads(check.stdout)["diagnostics"]
    assert not [d for d in found if d["code"] == "X001"]
    assert any(d["code"] == "C207" and "9999-12-31" in d["message"] for d in found)
    sql = _osm("sql", str(root), "huge_window", "--from", "2024-01-01", "--to", "2024-03-01")
    assert sql.exit_code == 0 and "0001-01-01" in sql.stdout
    run = _osm("run", str(root), "huge_window", "--from", "2024-01-01", "--format", "csv")
    assert run.exit_code == 0 and run.stdout.startswith("period,value"), run.stderr
    _osm("docs", str(root), "--out", str(tmp_path / "site"), "--no-sql", "--today", "9999-12-31")


def test_numbers_of_any_size_print(shop: Path, tmp_path: Path) -> None:
    assert cell(Decimal("1e19")) == "10000000000000000000"
    assert cell(Decimal("12345678901234567890.123456789123")) == "12345678901234567000"
    assert plain(Decimal("-1e40")) == -10**40
    root = _variant(shop, tmp_path, {"measures.osm": (
        "formula sum(orders.amount where status = 'paid')\n => "
        "formula sum(orders, amount * 1e20 where status = 'paid')\n")})
    for fmt in ("table", "csv", "json"):
        result = _osm("run", str(root), "monthly_revenue", "--format", fmt)
        assert result.exit_code == 0, result.stderr
        assert re.search(r"\d{24}", result.stdout), result.stdout


@pytest.mark.parametrize("toml", [
    'project = "x"\n', "rules = [1, 2]\n", "[vanity]\nwords = 5\n", "[vanity]\nwords = [1]\n",
    "[project]\ndialect = 5\n", "[project]\nwarehouse = 5\n", "[rules]\nS303 = 1\n",
    "vanity = 1.5\n", "[project]\nwarehouse = 1979-05-27\n", "[rules]\nS303 = {a = 1}\n",
    'project = {dialect = ["duckdb"]}\n', "[project]\nwarehouse = \"duckdb:///${\"\n",
])
def test_settings_of_the_wrong_type(shop: Path, tmp_path: Path, toml: str) -> None:
    """Every command reports the setting (E194/E195 in metriclang.toml) instead of crashing."""
    root = _variant(shop, tmp_path, {}, toml)
    for args in COMMANDS:
        result = _osm(*(a.format(root=root, out=tmp_path, shop=shop) for a in args))
        if args[0] == "check":
            assert result.exit_code == 1 and "metriclang.toml:" in result.stdout, result.stdout
            assert "E194" in result.stdout or "E195" in result.stdout


@pytest.mark.parametrize("data", [b"\xff", b"measure m {\xc3\x28}", b"\xef\xbb\xbf\xff",
                                  b"measure m { formula count(s) }\n\x80"])
def test_fmt_stdin_not_utf8(data: bytes) -> None:
    result = _osm("fmt", "-", stdin=data)
    assert result.exit_code == 1
    assert "<stdin>:" in result.stderr and "E105" in result.stderr
    assert result.stdout_bytes == data  # the input is given back unchanged
