"""docs/diagnostics.md and docs/language.md stay true: every Example fires its code, every Fix
does not, every language-stage code is documented, every ``osm`` snippet parses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from metriclang.load import load_project
from metriclang.syntax.parser import parse_file
from tests.conftest import ROOT
from tests.syntax.test_invalid_corpus import LANGUAGE_STAGE

DIAGNOSTICS = (ROOT / "docs" / "diagnostics.md").read_text("utf-8")
LANGUAGE = (ROOT / "docs" / "language.md").read_text("utf-8")
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)
PREAMBLE = BLOCK.search(DIAGNOSTICS.split("## Examples", 1)[1])


def _sections() -> dict[str, str]:
    parts = re.split(r"^### (E1\d\d)\b.*$", DIAGNOSTICS, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _blocks(section: str, heading: str) -> list[tuple[str, str]]:
    after = section.split(f"**{heading}", 1)[1]
    after = re.split(r"\*\*(?:Example|Fix)", after, maxsplit=1)[0]
    return BLOCK.findall(after)


def _codes(tmp_path: Path, kind: str, text: str) -> list[str]:
    assert PREAMBLE is not None
    for old in tmp_path.iterdir():
        old.unlink()
    (tmp_path / "orders.osm").write_text(PREAMBLE.group(2), "utf-8")
    if kind == "toml":
        (tmp_path / "metriclang.toml").write_text(text, "utf-8")
    else:
        (tmp_path / "example.osm").write_text(text, "utf-8")
    return [d.code for d in load_project(tmp_path).diagnostics]


def _language_codes() -> set[str]:
    used: set[str] = set()
    for part in LANGUAGE_STAGE:
        base = ROOT / "metriclang" / part
        for path in [base] if base.is_file() else base.rglob("*.py"):
            used |= set(re.findall(r'"(E1\d\d)"', path.read_text("utf-8")))
    return used


def test_every_code_is_documented() -> None:
    sections = _sections()
    assert _language_codes() <= set(sections)
    table = set(re.findall(r"^\| \[(E1\d\d)\]", DIAGNOSTICS, flags=re.M))
    assert _language_codes() - {"E18" + str(i) for i in range(10)} <= table


#: E105 needs bytes that are not UTF-8 and E108 megabytes of input: tested elsewhere
#: (tests/syntax, tests/reliability/test_limits.py).
RUNNABLE = sorted(c for c in _sections() if c in _language_codes() and c not in ("E105", "E108"))


@pytest.mark.parametrize("code", RUNNABLE)
def test_example_fires_and_fix_does_not(code: str, tmp_path: Path) -> None:
    section = _sections()[code]
    (example,) = _blocks(section, "Example")
    fixes = _blocks(section, "Fix")
    assert code in _codes(tmp_path, *example), example[1]
    for fix in fixes:
        codes = _codes(tmp_path, *fix)
        assert not [c for c in codes if c.startswith("E")], (codes, fix[1])


def test_language_reference_snippets_parse() -> None:
    snippets = [text for kind, text in BLOCK.findall(LANGUAGE) if kind == "osm"]
    assert len(snippets) >= 15
    for text in snippets:
        _, problems = parse_file("snippet.osm", text)
        assert problems == (), (text, problems)


def test_language_reference_names_every_statement() -> None:
    grammar = (ROOT / "grammar" / "osm.lark").read_text("utf-8")
    keywords = re.findall(r'^[A-Z_]+: "([a-z_]+)"$', grammar, flags=re.M)
    assert len(keywords) > 30
    missing = [k for k in keywords if f"`{k}" not in LANGUAGE]
    assert missing == []
