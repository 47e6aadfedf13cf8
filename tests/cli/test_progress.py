"""The progress bar of long work (``metriclang.progress``): drawn on an interactive terminal
with the item being worked on; nothing at all when the output is piped or JSON."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rich.console import Console

from metriclang.cli import main
from metriclang.progress import SILENT, progress_bar
from tests.conftest import EXAMPLES

#: What makes rich treat the captured stderr as an interactive terminal.
TERMINAL = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "NO_COLOR": "1"}
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _frames(stderr: str) -> list[str]:
    """The bar's lines as drawn, control sequences removed."""
    return [line for line in _ANSI.sub("", stderr).replace("\r", "\n").splitlines() if line]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("progress") / "shop"
    shutil.copytree(EXAMPLES / "shop", path, ignore=shutil.ignore_patterns("*.duckdb*"))
    return path


def osm(*args: str | Path, terminal: bool = False) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env=TERMINAL if terminal else None)


def test_a_terminal_gets_a_bar_naming_the_item() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, force_interactive=True, width=80)
    with progress_bar(console=console) as progress:
        assert list(progress.track(["alpha", "beta"], "compile duckdb")) == ["alpha", "beta"]
    assert re.search(r"compile duckdb .* 2/2 beta", _frames(out.getvalue())[-1])


@pytest.mark.parametrize("terminal", [False, True])
def test_nothing_is_drawn_piped_or_when_disabled(terminal: bool) -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=terminal, force_interactive=terminal)
    with progress_bar(enabled=not terminal, console=console) as progress:
        assert progress is SILENT
        assert list(progress.track(iter([1, 2]), "run", 2)) == [1, 2]
    assert out.getvalue() == ""


def test_compile_and_docs(shop: Path, tmp_path: Path) -> None:
    piped = osm("compile", shop, "--dialect", "duckdb", "--out", tmp_path / "sql")
    assert (piped.exit_code, piped.stdout, piped.stderr) == (
        0, f"wrote 11 files for 1 dialect(s) to {tmp_path / 'sql'}\n", "")
    drawn = osm("compile", shop, "--dialect", "duckdb", "--out", tmp_path / "sql", terminal=True)
    assert drawn.stdout == piped.stdout
    assert re.search(r"compile duckdb .* 11/11 weekly_buyers_7d", _frames(drawn.stderr)[-1])
    piped = osm("docs", shop, "--out", tmp_path / "site", "--no-sql")
    assert (piped.exit_code, piped.stdout, piped.stderr) == (
        0, "", f"wrote 34 pages to {tmp_path / 'site'}\n")
    drawn = osm("docs", shop, "--out", tmp_path / "site", "--no-sql", terminal=True)
    assert drawn.stderr.endswith(piped.stderr)
    assert re.search(r"docs .* 11/11 weekly_buyers_7d", _frames(drawn.stderr)[-2])


def test_run_all_and_verify(shop: Path) -> None:
    one = ("run", shop, "--all", "--format", "csv", "--from", "2026-11-01", "--to", "2026-11-30")
    osm(*one)  # the demo data is generated on first use (and says so)
    piped, drawn = osm(*one), osm(*one, terminal=True)
    assert piped.exit_code == 0 and piped.stderr == "" and piped.stdout == drawn.stdout
    assert re.search(r"run .* 11/11 median_basket", _frames(drawn.stderr)[-1])
    quiet = osm(*one[:3], "--format", "json", terminal=True)
    assert quiet.stderr == "" and json.loads(quiet.stdout)["measures"]
    drawn = osm("verify", shop, terminal=True)
    frames = _frames(drawn.stderr.split("\x1b[?25h")[0])  # the bar, before what is printed
    assert re.search(r"fetch .* 11/11 weekly_buyers_7d", frames[-2])
    assert re.search(r"verify .* 8/8 +weekly_buyers_7d -> repeat_purchase_rate", frames[-1])
    assert osm("verify", shop, "--format", "json", terminal=True).stderr == ""
