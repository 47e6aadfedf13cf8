"""Rule documentation: every Example fires, every Fix passes, docs/rules is up to date,
file names match codes, and ``osm rules`` / ``osm explain`` print it."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from metriclang.cli import main
from metriclang.diagnostics import Severity
from metriclang.rules.base import parse_doc
from metriclang.rules.docs import pages
from metriclang.rules.registry import DOCUMENTED, RULES
from tests.conftest import ROOT
from tests.rules.helpers import check_spec

IDS = [r.code for r in DOCUMENTED]


@pytest.mark.parametrize("rule", DOCUMENTED, ids=IDS)
def test_example_fires_and_fix_passes(rule: type, tmp_path: Path) -> None:
    doc = rule.doc()
    example = check_spec(tmp_path / "example", doc.snippet(doc.example))
    fix = check_spec(tmp_path / "fix", doc.snippet(doc.fix))
    for found in (example, fix):
        assert [d.code for d in found if d.code.startswith("E")] == []
    assert rule.code in [d.code for d in example]
    assert rule.code not in [d.code for d in fix]


def test_codes_names_and_files() -> None:
    codes = [r.code for r in DOCUMENTED]
    assert len(set(codes)) == len(codes)
    assert [r.code for r in RULES] == sorted(r.code for r in RULES)
    for rule in RULES:
        path = Path(inspect.getfile(rule))
        assert path.name.startswith(rule.code.lower() + "_"), path
        assert path.stem == f"{rule.code.lower()}_{rule.name.replace('-', '_')}", path
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name)
    defaults = {r.code: r.default for r in DOCUMENTED}
    # The fixed table of the language design.
    assert [c for c, s in defaults.items() if s is Severity.ERROR] == ["C201", "C202", "C204"]


def test_docs_are_up_to_date() -> None:
    folder = ROOT / "docs" / "rules"
    for name, text in pages().items():
        path = folder / name
        assert path.is_file() and path.read_text(encoding="utf-8") == text, (
            f"{path} is stale: run `python3 -m metriclang.rules.docs`")


def test_docstring_without_a_section_is_rejected() -> None:
    with pytest.raises(ValueError, match="Fix"):
        parse_doc("Summary.\n\nWhat it checks:\n  x\nWhy it matters:\n  y\nExample:\n  z\n", "R")


def test_rules_and_explain_commands() -> None:
    runner = CliRunner()
    listing = runner.invoke(main, ["rules"])
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert len(lines) == len(DOCUMENTED)
    assert lines[0].split()[:3] == ["C201", "error", "drives-cycle"]
    page = runner.invoke(main, ["explain", "c205"])
    assert page.exit_code == 0 and page.output.startswith("# C205 sign-conflict\n")
    assert "## Fix" in page.output and "```osm" in page.output
    by_name = runner.invoke(main, ["explain", "vanity-count"])
    assert by_name.output.startswith("# V402 vanity-count\n")
    unknown = runner.invoke(main, ["explain", "C209"])
    assert unknown.exit_code == 2 and "did you mean" in unknown.output
