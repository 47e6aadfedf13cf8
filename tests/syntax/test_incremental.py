"""Reparsing after an edit gives exactly the full parse, and reuses the untouched
declarations when the edit keeps the line count."""

from __future__ import annotations

import pytest

from metriclang.syntax.incremental import reparse
from metriclang.syntax.parser import parse_file
from tests.conftest import EXAMPLES

FILES = sorted(EXAMPLES.rglob("*.osm"))


def edits(text: str) -> list[str]:
    """For every fifth line with a letter (a different one for each of four kinds of edit): a
    letter typed after its first letter, the line deleted, a line inserted after it, a brace
    typed at its end (a syntax error)."""
    lines = text.split("\n")
    out = []
    for n, line in enumerate(lines):
        if n % 5:
            continue
        at = next((i for i, c in enumerate(line) if c.isalpha()), None)
        if at is None:
            continue
        out.append("\n".join([*lines[:n], line[:at + 1] + "q" + line[at + 1:],
                               *lines[n + 1:]]))
        out.append("\n".join([*lines[:n], *lines[n + 1:]] if n % 3 == 0 else
                              [*lines[:n + 1], "", *lines[n + 1:]] if n % 3 == 1 else
                              [*lines[:n], line + " {", *lines[n + 1:]]))
    return out


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_reparse_equals_full_parse(path: object) -> None:
    text = path.read_text("utf-8")  # type: ignore[attr-defined]
    old = parse_file("f.osm", text)
    assert old[1] == ()
    for edited in edits(text):
        assert reparse("f.osm", text, old, edited) == parse_file("f.osm", edited)


def test_untouched_declarations_are_reused() -> None:
    text = (EXAMPLES / "shop" / "measures.osm").read_text("utf-8")
    old = parse_file("measures.osm", text)
    last = old[0].declarations[-1]
    edited = text.replace(f"measure {last.name.value} ", f"measure {last.name.value}_v2 ")
    tree, problems = reparse("measures.osm", text, old, edited)
    assert problems == () and tree.declarations[-1].name.value == f"{last.name.value}_v2"
    assert all(a is b for a, b in zip(tree.declarations[:-1], old[0].declarations[:-1],
                                      strict=True))
    assert tree == parse_file("measures.osm", edited)[0]
