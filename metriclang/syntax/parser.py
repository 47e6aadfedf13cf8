"""Parse ``.osm`` text into a :class:`~metriclang.syntax.ast.FileAST` with diagnostics.

The LALR parser is built once per process. After a syntax error, parsing resumes at the next
line that starts a declaration, so one run reports independent errors of the whole file.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from lark import Lark, Token
from lark.exceptions import UnexpectedEOF, UnexpectedInput, VisitError

from metriclang.diagnostics import Diagnostic, error
from metriclang.source import Span
from metriclang.syntax import ast
from metriclang.syntax.errors import MISTAKES, to_diagnostic
from metriclang.syntax.transformer import CURRENT, AstBuilder

#: Parentheses deeper than this are rejected before anything recursive sees them.
MAX_NESTING = 200
MAX_ERRORS_PER_FILE = 50

_DECLARATION_LINE = re.compile(r"^[ \t]*(?:journey|source|measure|objective)\b", re.M)
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


def _classify(exc: UnexpectedInput) -> tuple[str, str] | None:
    def parse(text: str) -> Any:
        token = CURRENT.set(("<example>", text))
        try:
            return lark_parser().parse(text)
        finally:
            CURRENT.reset(token)
    try:
        label = exc.match_examples(parse, MISTAKES, use_accepts=True)
    except Exception:
        return None
    return label if isinstance(label, tuple) else None


def _too_deep(text: str) -> int | None:
    """Offset where parenthesis nesting exceeds :data:`MAX_NESTING`, if it does."""
    if text.count("(") <= MAX_NESTING:
        return None
    depth = 0
    for m in re.finditer(r'"(?:[^"\\\r\n]|\\.)*"|\'(?:[^\']|\'\')*\'|#[^\r\n]*|[()]', text):
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
        self.starts = [m.start() for m in _DECLARATION_LINE.finditer(text)]
        self.declarations: list[ast.Declaration] = []
        self.comments: list[ast.Comment] = []
        self.diagnostics: list[Diagnostic] = []

    def run(self) -> None:
        self._region(0, len(self.text))

    def _line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset)

    def _region(self, lo: int, hi: int) -> None:
        while lo < hi and len(self.diagnostics) < MAX_ERRORS_PER_FILE:
            pad = "\n" * self._line_of(lo)
            chunk = pad + self.text[lo:hi]
            deep = _too_deep(self.text[lo:hi])
            if deep is None:
                result = self._parse(chunk)
                if not isinstance(result, UnexpectedInput):
                    self.declarations.extend(result)
                    return
                at_end = isinstance(result, UnexpectedEOF) or (
                    isinstance(getattr(result, "token", None), Token)
                    and result.token.type == "$END")
                offset = hi if at_end else lo + (result.pos_in_stream or 0) - len(pad)
            else:
                offset, result, at_end = lo + deep, None, False
            start = max((s for s in self.starts if lo <= s <= offset and s < hi), default=lo)
            if result is not None and not at_end and offset == start and start > lo:
                self._region(lo, start)  # the real error is before this declaration
                lo = start
                continue
            if start > lo:
                self._region(lo, start)
            if result is None:
                line = self._line_of(offset) + 1
                column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
                self.diagnostics.append(error(
                    "E106", f"parentheses nested deeper than {MAX_NESTING} levels",
                    Span(self.path, line, column, line, column + 1),
                    "split the expression into several measures"))
            else:
                self.diagnostics.append(
                    to_diagnostic(result, self.path, chunk, len(pad) + offset - lo, _classify))
            lo = min((s for s in self.starts if s > offset), default=hi)

    def _parse(self, chunk: str) -> list[ast.Declaration] | UnexpectedInput:
        token = CURRENT.set((self.path, chunk))
        _COMMENTS.clear()
        try:
            declarations: list[ast.Declaration] = lark_parser().parse(chunk)
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


def parse_file(path: str, text: str) -> tuple[ast.FileAST, tuple[Diagnostic, ...]]:
    """Parse one file's text; ``path`` is how spans name the file.

    >>> tree, problems = parse_file("a.osm", 'measure m { formula count(orders) }')
    >>> tree.declarations[0].name.value, problems
    ('m', ())
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    parser = _FileParser(path, text)
    parser.run()
    parser.declarations.sort(key=lambda d: (d.span.line, d.span.column))
    return (ast.FileAST(path, tuple(parser.declarations), tuple(parser.comments)),
            tuple(parser.diagnostics))
