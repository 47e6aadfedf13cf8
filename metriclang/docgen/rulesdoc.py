"""Rule pages for the site, from the rule registry's docstrings.

Every documented rule gets a page; so does every other code the project's diagnostics use
(``E1xx`` names and types, SQL limits), with its occurrences only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from metriclang.rules.registry import DOCUMENTED

_FENCE = re.compile(r"```osm\n(.*?)```", re.S)


@dataclass(frozen=True)
class Block:
    """A paragraph of prose or an ``osm`` code snippet of a rule's documentation."""

    text: str
    code: bool


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class RuleDocView:
    code: str
    name: str
    severity: str
    summary: str
    sections: tuple[Section, ...]


def blocks(text: str) -> tuple[Block, ...]:
    """Prose paragraphs (lines joined) and code snippets, in order.

    >>> blocks("One\\nline.\\n```osm\\nmeasure m { }\\n```\\n")
    (Block(text='One line.', code=False), Block(text='measure m { }', code=True))
    """
    out: list[Block] = []
    at = 0
    for m in [*_FENCE.finditer(text), None]:
        prose = text[at:m.start() if m else len(text)]
        out += [Block(" ".join(p.split()), False) for p in prose.split("\n\n") if p.strip()]
        if m:
            out.append(Block(m.group(1).rstrip("\n"), True))
            at = m.end()
    return tuple(out)


def rule_docs(found: list[str]) -> list[RuleDocView]:
    """Documentation of every documented or ``found`` code, sorted by code."""
    documented = {}
    for rule in DOCUMENTED:
        d = rule.doc()
        documented[rule.code] = RuleDocView(
            rule.code, rule.name, rule.default.value, d.summary,
            (Section("What it checks", blocks(d.checks)), Section("Why it matters", blocks(d.why)),
             Section("Example (fires)", blocks(d.example)),
             Section("Fix (does not fire)", blocks(d.fix))))
    return [documented.get(code) or RuleDocView(code, "", "", "", ())
            for code in sorted(set(found) | set(documented))]
