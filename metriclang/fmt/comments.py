"""Attach every ``#`` comment of a file to the element it belongs to.

A comment on its own line leads the next statement or declaration of its block (and moves
with it when statements are reordered); one after code on the same line trails the element
that ends there; one before a closing brace stays at the end of its block. A comment inside
a verbatim SQL fragment is part of that fragment. Nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from metriclang.source import LineIndex
from metriclang.syntax import ast

Pos = tuple[int, int]


@dataclass(frozen=True)
class Note:
    """A comment with the blank lines around it in the original text."""

    text: str
    blank_before: bool
    blank_after: bool


@dataclass(frozen=True)
class Item:
    """A statement or block of the file, with its position and (for blocks) its children."""

    node: Any
    start: Pos
    end: Pos
    children: tuple[Item, ...] | None = None
    open: Pos | None = None
    sql: tuple[tuple[Pos, Pos], ...] = ()


@dataclass(frozen=True)
class Attached:
    """Comments by element (keyed by ``id`` of the AST node; the file itself is ``0``)."""

    leading: Mapping[int, tuple[Note, ...]]
    trailing: Mapping[int, tuple[Note, ...]]
    header: Mapping[int, tuple[Note, ...]]
    dangling: Mapping[int, tuple[Note, ...]]


class _Text:
    """Questions about one file's text, asked through its line index."""

    def __init__(self, lines: LineIndex) -> None:
        self.text, self.index = lines.text, lines
        self.offset, self.pos = lines.offset, lines.position

    def blank(self, line: int) -> bool:
        return 0 < line <= len(self.index) and not self.index.line(line).strip()

    def code_before(self, pos: Pos) -> bool:
        return bool(self.index.line(pos[0])[:pos[1] - 1].strip())

    def open_brace(self, after: Pos) -> Pos:
        """The ``{`` that follows a declaration head, skipping spaces and comments."""
        i = self.offset(after)
        while i < len(self.text):
            c = self.text[i]
            if c == "{":
                return self.pos(i)
            if c == "#":
                end = self.text.find("\n", i)
                i = end if end >= 0 else len(self.text)
                continue
            i += 1
        return after


def _start(span: Any) -> Pos:
    return span.line, span.column


def _end(span: Any) -> Pos:
    return span.end_line, span.end_column


def sql_fragments(node: Any) -> list[ast.Sql]:
    """Every verbatim SQL fragment inside a statement."""
    out: list[ast.Sql] = []
    stack = [node]
    while stack:
        n = stack.pop()
        match n:
            case ast.Sql():
                out.append(n)
            case ast.DimensionStmt(expr=e):
                stack.append(e)
            case ast.FormulaStmt(formula=f):
                stack.append(f)
            case ast.Binary(left=left, right=right):
                stack += [left, right]
            case ast.Negate(operand=o):
                stack.append(o)
            case ast.Aggregate(expr=e, where=w):
                stack += [e, w]
            case ast.Conversion(from_where=a, to_where=b):
                stack += [a, b]
    return out


def children_of(node: Any) -> tuple[Any, ...]:
    """The statements (or stages, strategies) inside a block node."""
    match node:
        case ast.JourneyDecl(stages=stages):
            return stages
        case ast.SourceDecl(statements=s) | ast.MeasureDecl(statements=s) | \
                ast.ObjectiveDecl(statements=s) | ast.StrategyDecl(statements=s):
            return tuple(s)
    return ()


def _is_block(node: Any) -> bool:
    return isinstance(node, (ast.JourneyDecl, ast.SourceDecl, ast.MeasureDecl,
                             ast.ObjectiveDecl, ast.StrategyDecl))


def build_item(node: Any, text: _Text) -> Item:
    """The position tree of one declaration or statement."""
    start, end = _start(node.span), _end(node.span)
    if _is_block(node):
        head = node.label.span if node.label else node.name.span
        kids = tuple(build_item(c, text) for c in children_of(node))
        return Item(node, start, end, kids, text.open_brace(_end(head)))
    spans = tuple((_start(s.span), _end(s.span)) for s in sql_fragments(node))
    return Item(node, start, end, sql=spans)


class _Attacher:
    def __init__(self, text: _Text) -> None:
        self.text = text
        self.leading: dict[int, list[Note]] = {}
        self.trailing: dict[int, list[Note]] = {}
        self.header: dict[int, list[Note]] = {}
        self.dangling: dict[int, list[Note]] = {}

    def note(self, c: ast.Comment) -> Note:
        return Note(c.text.rstrip(), self.text.blank(c.span.line - 1),
                    self.text.blank(c.span.line + 1))

    def place(self, c: ast.Comment, root: Item) -> None:
        pos = _start(c.span)
        box = root
        while True:
            inner = next((k for k in box.children or () if k.children is not None
                          and k.open is not None and k.open < pos < k.end), None)
            if inner is None:
                break
            box = inner
        key = 0 if box is root else id(box.node)
        kids = box.children or ()
        for k in kids:
            if k.start < pos < (k.open if k.children is not None and k.open else k.end):
                if any(a <= pos < b for a, b in k.sql):
                    return  # part of a verbatim SQL fragment
                where = self.trailing if k.children is None and pos[0] == k.end[0] else \
                    self.leading
                where.setdefault(id(k.node), []).append(self.note(c))
                return
        if self.text.code_before(pos):
            ends = [(k.end, id(k.node), self.trailing) for k in kids
                    if k.end <= pos and k.end[0] == pos[0]]
            if box.open is not None and box.open[0] == pos[0] and box.open < pos:
                ends.append((box.open, key, self.header))
            if ends:
                _, owner, table = max(ends, key=lambda e: e[0])
                table.setdefault(owner, []).append(self.note(c))
                return
        nxt = next((k for k in kids if k.start > pos), None)
        if nxt is None:
            self.dangling.setdefault(key, []).append(self.note(c))
        else:
            self.leading.setdefault(id(nxt.node), []).append(self.note(c))


def attach(tree: ast.FileAST, lines: LineIndex) -> Attached:
    """Place every comment of ``tree`` (parsed from the text of ``lines``)."""
    t = _Text(lines)
    root = Item(tree, (1, 1), (len(lines) + 1, 1),
                tuple(build_item(d, t) for d in tree.declarations))
    a = _Attacher(t)
    for c in sorted(tree.comments, key=lambda c: _start(c.span)):
        a.place(c, root)

    def freeze(d: dict[int, list[Note]]) -> dict[int, tuple[Note, ...]]:
        return {k: tuple(v) for k, v in d.items()}

    return Attached(freeze(a.leading), freeze(a.trailing), freeze(a.header),
                    freeze(a.dangling))
