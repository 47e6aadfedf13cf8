"""Parse ``.osm`` text into a :class:`~metriclang.syntax.ast.FileAST` with diagnostics.

The LALR parser is built once per process. After a syntax error, parsing resumes at the next
line that starts a declaration, so one run reports independent errors of the whole file.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import cast

from lark import Lark, Token
from lark.exceptions import UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from metriclang.diagnostics import Diagnostic, error
from metriclang.source import LineIndex, Span
from metriclang.syntax import ast
from metriclang.syntax.errors import MISTAKES, to_diagnostic
from metriclang.syntax.fastparse import parse_fast
from metriclang.syntax.transformer import CURRENT, AstBuilder

#: Parentheses deeper than this are rejected before anything recursive sees them.
MAX_NESTING = 200
MAX_ERRORS_PER_FILE = 50

#: A full declaration header (``measure name ["label"] {``). An error right at a header means
#: the declaration before it is unclosed; a keyword alone does not (``measure m`` inside a
#: strategy is a typo for ``measures``).
_HEADER_PATTERN = (r'[ \t]*(?:journey|source|measure|objective)[ \t]+[A-Za-z_][A-Za-z0-9_]*\s*'
                   r'(?:"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*"\s*)?\{')
_HEADER = re.compile(_HEADER_PATTERN)
#: Where recovery may resume: a declaration keyword in column 1, or an indented full header.
_DECLARATION_LINE = re.compile(
    rf"^(?:(?:journey|source|measure|objective)\b|{_HEADER_PATTERN})", re.M)
#: A header naming a declaration or strategy, wherever it stands in a skipped region.
_NAMED = re.compile(r'^[ \t]*(?:journey|source|measure|objective|strategy)[ \t]+'
                    r'([A-Za-z_][A-Za-z0-9_]*)\s*(?:"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*"\s*)?\{',
                    re.M)
_COMMENTS: list[Token] = []


def grammar_text() -> str:
    """The grammar, from the installed package or, in a checkout, from ``grammar/``."""
    packaged = resources.files("metriclang") / "grammar" / "osm.lark"
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parents[2] / "grammar" / "osm.lark").read_text("utf-8")


@cache
def lark_parser() -> Lark:
    """The process-wide LALR parser (built on first use).

    The grammar analysis is cached by Lark in the temporary directory (keyed by the grammar's
    hash and Lark's version), which saves most of the build time of every later process.
    """
    return Lark(grammar_text(), parser="lalr", lexer="contextual", keep_all_tokens=True,
                cache=True,
                transformer=AstBuilder(), maybe_placeholders=False,
                lexer_callbacks={"COMMENT": _COMMENTS.append})


#: (label, parser state, accepted terminals, token type, token text) of one labelled example.
_Signature = tuple[tuple[str, str], int, frozenset[str], str, str]


@cache
def _mistake_signatures() -> tuple[_Signature, ...]:
    """Where each labelled bad example of :data:`MISTAKES` fails (computed once per process)."""
    out: list[_Signature] = []
    for label, examples in MISTAKES.items():
        for example in examples:
            token = CURRENT.set(("<example>", example))
            try:
                lark_parser().parse(example)
            except UnexpectedToken as ut:
                if ut.state is not None:
                    out.append((label, ut.state.position, frozenset(ut.accepts or ut.expected),
                                ut.token.type, str(ut.token)))
            except UnexpectedInput:
                pass
            finally:
                CURRENT.reset(token)
    return tuple(out)


def _classify(exc: UnexpectedInput) -> tuple[str, str] | None:
    """The label of the bad example failing in the same parser state, as Lark's
    ``match_examples`` does, but comparing the LALR state alone: Lark also compares the depth
    of the parse stack, which differs between the first and a later declaration of a file."""
    if not isinstance(exc, UnexpectedToken) or exc.state is None:
        return None
    accepts = frozenset(exc.accepts or exc.expected)
    candidate = None
    for label, position, accepted, kind, text in _mistake_signatures():
        if position == exc.state.position and accepted == accepts:
            if kind == exc.token.type and text == str(exc.token):
                return label
            candidate = candidate or label
    return candidate


def _too_deep(text: str) -> int | None:
    """Offset where parenthesis nesting exceeds :data:`MAX_NESTING`, if it does."""
    if text.count("(") <= MAX_NESTING:
        return None
    depth = 0
    for m in re.finditer(r'"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*"|\'[^\']*(?:\'\'[^\']*)*\''
                         r'|#[^\r\n]*|[()]', text):
        if m.group() == "(":
            depth += 1
            if depth > MAX_NESTING:
                return m.start()
        elif m.group() == ")":
            depth = max(0, depth - 1)
    return None


class _FileParser:
    """Parses one file region by region, recovering after errors."""

    def __init__(self, path: str, text: str) -> None:
        self.path, self.text = path, text
        self.lines = LineIndex.of(text)
        self.starts = [m.start() for m in _DECLARATION_LINE.finditer(text)]
        self.declarations: list[ast.Declaration] = []
        self.comments: list[ast.Comment] = []
        self.diagnostics: list[Diagnostic] = []
        self.broken: list[ast.Name] = []

    def run(self) -> None:
        self._region(0, len(self.text))
        if len(self.diagnostics) >= MAX_ERRORS_PER_FILE:
            self.diagnostics.append(error(
                "E107", f"stopped after {MAX_ERRORS_PER_FILE} syntax errors; the rest of the "
                "file was not checked", self.diagnostics[-1].span, "fix these errors first"))

    def _region(self, lo: int, hi: int) -> None:
        while lo < hi and len(self.diagnostics) < MAX_ERRORS_PER_FILE:
            pad = "\n" * (self.lines.position(lo)[0] - 1)
            chunk = pad + self.text[lo:hi]
            deep = _too_deep(self.text[lo:hi])
            if deep is None:
                result = self._parse(chunk)
                if not isinstance(result, UnexpectedInput):
                    self.declarations.extend(result)
                    return
                at_end = isinstance(result, UnexpectedEOF) or (
                    isinstance(result, UnexpectedToken) and result.token.type == "$END")
                offset = hi if at_end else lo + (result.pos_in_stream or 0) - len(pad)
            else:
                offset, result, at_end = lo + deep, None, False
            start = max((s for s in self.starts if lo <= s <= offset and s < hi), default=lo)
            if result is not None and not at_end and offset == start and start > lo \
                    and _HEADER.match(self.text, start):
                self._region(lo, start)  # the real error is before this declaration
                lo = start
                continue
            if start > lo:
                self._region(lo, start)
            if result is None:
                line, column = self.lines.position(offset)
                self.diagnostics.append(error(
                    "E106", f"parentheses nested deeper than {MAX_NESTING} levels",
                    Span(self.path, line, column, line, column + 1),
                    "split the expression into several measures"))
            else:
                self.diagnostics.append(
                    to_diagnostic(result, self.path, chunk, len(pad) + offset - lo, _classify))
            lo = min((s for s in self.starts if s > offset), default=hi)
            self._skipped(start, lo)

    def _skipped(self, lo: int, hi: int) -> None:
        """Remember the names declared in the text ``lo:hi`` that recovery skipped."""
        for m in _NAMED.finditer(self.text, lo, hi):
            line, column = self.lines.position(m.start(1))
            self.broken.append(ast.Name(m.group(1), Span(self.path, line, column, line,
                                                         column + len(m.group(1)))))

    def _parse(self, chunk: str) -> list[ast.Declaration] | UnexpectedInput:
        token = CURRENT.set((self.path, chunk))
        _COMMENTS.clear()
        try:
            declarations = cast(list[ast.Declaration], lark_parser().parse(chunk))
        except UnexpectedInput as exc:
            return exc
        except VisitError as exc:  # a transformer callback failed: report, don't crash
            if isinstance(exc.orig_exc, RecursionError):
                raise exc.orig_exc from None
            raise
        finally:
            CURRENT.reset(token)
        self.comments.extend(
            ast.Comment(str(c), Span(self.path, c.line or 1, c.column or 1,
                                     c.end_line or 1, c.end_column or 1)) for c in _COMMENTS)
        return declarations


def parse_well_formed(path: str, text: str) -> ast.FileAST | None:
    """The tree of a well-formed file by the hand-written parser, or None when the file needs
    the Lark parser (it has a syntax error, or something the hand-written parser leaves to it).
    """
    return parse_fast(path, text[1:] if text.startswith("\ufeff") else text)


def parse_file(path: str, text: str, fast: bool = True
               ) -> tuple[ast.FileAST, tuple[Diagnostic, ...]]:
    """Parse one file's text; ``path`` is how spans name the file.

    A well-formed file is read by the hand-written parser (:mod:`metriclang.syntax.fastparse`,
    the same tree); anything else, or every file with ``fast=False``, by the grammar's Lark
    parser, which reports the errors.

    >>> tree, problems = parse_file("a.osm", 'measure m { formula count(orders) }')
    >>> tree.declarations[0].name.value, problems
    ('m', ())
    """
    tree = parse_well_formed(path, text) if fast else None
    if tree is not None:
        return tree, ()
    if text.startswith("\ufeff"):
        text = text[1:]
    parser = _FileParser(path, text)
    parser.run()
    parser.declarations.sort(key=lambda d: (d.span.line, d.span.column))
    return (ast.FileAST(path, tuple(parser.declarations), tuple(parser.comments),
                        tuple(parser.broken)), tuple(parser.diagnostics))
