"""Markdown output helpers: escaping of every printed value and mermaid diagrams.

Markdown pages are rendered with HTML autoescaping (entities display as text in Markdown)
and :func:`finalize` also backslash-escapes Markdown's own special characters.

>>> str(finalize("<script>alert(1)</script> *x*"))
'&lt;script&gt;alert(1)&lt;/script&gt; \\\\*x\\\\*'
>>> str(cell("a | b\\nc"))
'a \\\\| b c'
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from metriclang.docgen.layout import Diagram
from metriclang.report.graph import mermaid_label

_SPECIAL = re.compile(r"([\\`*\[\]|])")


def finalize(value: object) -> object:
    """Escape a value printed by a Markdown template (``Markup`` passes unchanged)."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return Markup(_SPECIAL.sub(r"\\\1", str(escape(value))))


def cell(value: object) -> Markup:
    """A value on one line, escaped: table cells, headings, link texts."""
    return Markup(finalize(" ".join(str(value).split())))


#: A code span: one backtick on each side (not part of a longer run), on one line.
_CODE_SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")


def code_spans(text: str) -> Markup:
    """Escaped text whose ```code``` spans stay Markdown code spans (their text is literal).

    Only single-backtick spans on one line are kept: a span across a blank line would not
    be one in Markdown, and its text would then be read as HTML.

    >>> str(code_spans("`a_b*` is <x>"))
    '`a_b*` is &lt;x&gt;'
    >>> str(code_spans("``a`\\n\\n<b>`"))
    '\\\\`\\\\`a\\\\`\\n\\n&lt;b&gt;\\\\`'
    """
    out, last = [], 0
    for m in _CODE_SPAN.finditer(text):
        out += [str(finalize(text[last:m.start()])), m.group()]
        last = m.end()
    return Markup("".join([*out, str(finalize(text[last:]))]))


def fenced(text: str, info: str = "") -> Markup:
    """``text`` as a fenced code block, literal: its fence is longer than any run of
    backticks in it, so no line of ``text`` can close it.

    >>> str(fenced("a ``` b", "sql"))
    '````sql\\na ``` b\\n````'
    """
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return Markup(f"{fence}{info}\n{text}\n{fence}")


def mermaid_graph(diagram: Diagram, root: str = "") -> Markup:
    """A diagram as a mermaid ``flowchart LR`` block with clickable nodes."""
    ids = {b.id: f"n{i}" for i, b in enumerate(diagram.boxes)}
    lines = ["```mermaid", "flowchart LR"]
    for b in diagram.boxes:
        lines.append(f"  {ids[b.id]}[{mermaid_label(b.full_title)}]:::{b.css.replace('-', '_')}")
    for e in diagram.lines:
        arrow = "-.->" if "negative" in e.css else "-->"
        label = f"|{mermaid_label(e.label)}|" if e.label else ""
        lines.append(f"  {ids[e.source]} {arrow}{label} {ids[e.target]}")
    for b in diagram.boxes:
        lines.append(f'  click {ids[b.id]} "{root}{b.href.replace(".html", ".md")}"')
    lines.append("```")
    return Markup("\n".join(lines))
