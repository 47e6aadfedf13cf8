"""Parsing a file again after an edit, declaration by declaration: what an editor's keystroke
costs the language server.

When the edit keeps the file's line count and the file parsed cleanly before, only the
top-level declarations on the changed lines are parsed again (padded with newlines, so their
spans are the file's), and the others are kept as they were. Anything else (lines added or
removed, a syntax error before or after, a byte-order mark) parses the whole file: the result
is always the one :func:`~metriclang.syntax.parser.parse_file` gives.
"""

from __future__ import annotations

from metriclang.source import Span
from metriclang.syntax import ast
from metriclang.syntax.cache import Parsed
from metriclang.syntax.parser import parse_file


def reparse(path: str, old_text: str, old: Parsed, text: str) -> Parsed:
    """The parse of ``text``, reusing ``old`` (the parse of ``old_text``) where it can."""
    tree, problems = old
    old_lines, lines = old_text.split("\n"), text.split("\n")
    if problems or len(old_lines) != len(lines) or "\ufeff" in old_text[:1] + text[:1]:
        return parse_file(path, text)
    changed = [n for n, (a, b) in enumerate(zip(old_lines, lines, strict=True), 1) if a != b]
    if not changed:
        return old
    first, last = _whole_declarations(tree, changed[0], changed[-1])
    chunk, chunk_problems = parse_file(path, "\n" * (first - 1)
                                       + "\n".join(lines[first - 1:last]))
    if chunk_problems:
        return parse_file(path, text)

    def outside(span: Span) -> bool:
        return span.end_line < first or span.line > last

    declarations = [d for d in tree.declarations if outside(d.span)] + list(chunk.declarations)
    comments = [c for c in tree.comments if outside(c.span)] + list(chunk.comments)
    return ast.FileAST(path, tuple(sorted(declarations, key=lambda d: (d.span.line,
                                                                       d.span.column))),
                       tuple(sorted(comments, key=lambda c: (c.span.line, c.span.column)))), ()


def _whole_declarations(tree: ast.FileAST, first: int, last: int) -> tuple[int, int]:
    """The lines ``first``..``last`` grown until no declaration straddles their ends."""
    while True:
        spans = [d.span for d in tree.declarations
                 if d.span.line <= last and d.span.end_line >= first]
        grown = (min([first, *(s.line for s in spans)]), max([last, *(s.end_line for s in spans)]))
        if grown == (first, last):
            return first, last
        first, last = grown
