"""A content-addressed cache of the files only the Lark parser can read.

A well-formed file is read by the hand-written parser (:mod:`metriclang.syntax.fastparse`)
faster than its pickled tree could be read back (10,000 measures: 1.0 s to parse, 0.63 s to
unpickle plus 0.84 s to pickle on the first run), so it never gets an entry. A file the
hand-written parser leaves to Lark (one with a syntax error: Lark's LALR parser in Python costs
several microseconds a token, about 3.5 times as much) is parsed once per content when it has
at least :data:`MIN_BYTES` characters: the syntax tree and its diagnostics are pickled under a
key made of the package version, the grammar, the file's path and its text. Small files are
parsed directly; a cache entry costs more than it saves for them.

Entries live in the cache directory's ``ast/`` (:mod:`metriclang.cachefiles`: written when
the process exits, after the report; an entry that can't be read or written is ignored, the
file is parsed as usual). Each use touches its entry, and only the most recently used are
kept, so editing a large file day after day does not fill the disk.
"""

from __future__ import annotations

import hashlib
from dataclasses import fields, is_dataclass
from functools import cache

from metriclang.cachefiles import cache_dir, read_entry, write_at_exit
from metriclang.diagnostics import Diagnostic
from metriclang.source import Span
from metriclang.syntax import ast
from metriclang.syntax.ast import FileAST
from metriclang.syntax.parser import grammar_text, parse_file, parse_well_formed

MIN_BYTES = 32 * 1024

Parsed = tuple[FileAST, tuple[Diagnostic, ...]]


@cache
def _salt(layout: str) -> bytes:
    """The package version, the grammar and the layout of the pickled classes: an entry
    written by another layout (fields, slots) would be read back wrong, not fail."""
    from metriclang import __version__

    return hashlib.sha256(f"{__version__}\0{grammar_text()}\0{layout}".encode()).digest()


@cache
def _layout() -> str:
    """Every syntax-tree class (and spans, diagnostics): its fields and whether it has slots."""
    classes = [c for c in vars(ast).values() if isinstance(c, type) and is_dataclass(c)]
    classes += [Span, Diagnostic]
    return ";".join(f"{c.__name__}({','.join(f.name for f in fields(c))})"
                    f"{'s' if '__slots__' in vars(c) else ''}"
                    for c in sorted(classes, key=lambda c: c.__name__))


def _key(path: str, text: str) -> str:
    digest = hashlib.sha256(_salt(_layout()))
    digest.update(path.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def parse_cached(path: str, text: str) -> Parsed:
    """:func:`~metriclang.syntax.parser.parse_file`, through the cache for large files that
    only the Lark parser reads (an entry, when there is one, is read before trying the
    hand-written parser: it would fail on that file again)."""
    where = cache_dir() if len(text) >= MIN_BYTES else None
    if where is None:
        return parse_file(path, text)
    key = _key(path, text)
    entry = where / "ast" / f"{key}.pickle"
    found = read_entry(entry, key, touch=True)
    if isinstance(found, tuple):
        return found
    tree = parse_well_formed(path, text)
    if tree is not None:
        return tree, ()
    parsed = parse_file(path, text, fast=False)
    write_at_exit(entry, key, parsed)
    return parsed
