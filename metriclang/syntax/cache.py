"""A content-addressed cache of the files only the Lark parser can read.

A well-formed file is read by the hand-written parser (:mod:`metriclang.syntax.fastparse`)
faster than its pickled tree could be read back (10,000 measures: 1.0 s to parse, 0.63 s to
unpickle plus 0.84 s to pickle on the first run), so it never gets an entry. A file the
hand-written parser leaves to Lark (one with a syntax error: Lark's LALR parser in Python costs
several microseconds a token, about 3.5 times as much) is parsed once per content when it has
at least :data:`MIN_BYTES` characters: the syntax tree and its diagnostics are pickled under a
key made of the package version, the grammar, the file's path and its text. Small files are
parsed directly; a cache entry costs more than it saves for them.

New entries are written when the process exits (:func:`write_pending`, after the report is
printed and flushed), never while the command is working; :func:`write_at_exit` does the same
for the whole-project results of ``osm check`` (:mod:`metriclang.resultcache`).

The cache lives in ``$METRICLANG_CACHE_DIR``, else ``$XDG_CACHE_HOME/metriclang``, else
``~/.cache/metriclang``; ``METRICLANG_NO_CACHE=1`` turns it off. Entries are written atomically;
an entry that can't be read or written is ignored (the file is parsed as usual). Each use
touches its entry; when an entry is written, the least recently used beyond
:data:`MAX_ENTRIES` are deleted, so editing a large file day after day does not fill the disk.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import pickle
import sys
import tempfile
from dataclasses import fields, is_dataclass
from functools import cache
from pathlib import Path

from metriclang.diagnostics import Diagnostic
from metriclang.source import Span
from metriclang.syntax import ast
from metriclang.syntax.ast import FileAST
from metriclang.syntax.parser import grammar_text, parse_file, parse_well_formed

MIN_BYTES = 32 * 1024
MAX_ENTRIES = 1000
MAX_PENDING = 64

Parsed = tuple[FileAST, tuple[Diagnostic, ...]]

#: Entries made in this process and not written yet (parsed files, and the check results of
#: :mod:`metriclang.resultcache`).
_PENDING: dict[Path, tuple[object, ...]] = {}


def cache_dir() -> Path | None:
    """Where parsed files are kept, or None when caching is turned off."""
    if os.environ.get("METRICLANG_NO_CACHE", "") not in ("", "0"):
        return None
    if os.environ.get("METRICLANG_CACHE_DIR"):
        return Path(os.environ["METRICLANG_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "metriclang"


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
    entry = where / "ast" / f"{_key(path, text)}.pickle"
    try:
        parsed: Parsed = pickle.loads(entry.read_bytes())
        os.utime(entry)
        return parsed
    except Exception:  # a missing, truncated or outdated entry: parse again
        pass
    tree = parse_well_formed(path, text)
    if tree is not None:
        return tree, ()
    parsed = parse_file(path, text, fast=False)
    write_at_exit(entry, parsed)
    return parsed


def write_at_exit(entry: Path, *values: object) -> None:
    """Pickle ``values`` one after the other to ``entry`` when the process exits (after the
    report), atomically; a reader may stop after the first (a key, say)."""
    if len(_PENDING) >= MAX_PENDING:  # a long-lived process: don't hold trees indefinitely
        write_pending()
    atexit.unregister(write_pending)
    atexit.register(write_pending)
    _PENDING[entry] = values


def write_pending() -> None:
    """Write the entries parsed in this process (at exit: the report is flushed first)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # closed or replaced streams
            pass
    while _PENDING:
        entry, values = _PENDING.popitem()
        _store(entry, values)


def _store(entry: Path, values: tuple[object, ...]) -> None:
    """Write one entry atomically (readers never see a partial file); failures are ignored."""
    temporary: str | None = None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=entry.parent, suffix=".tmp", delete=False) as out:
            temporary = out.name
            for value in values:
                pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, entry)
        _prune(entry.parent)
    except Exception:  # a very deep tree, a full disk: not cached, never a traceback at exit
        if temporary:
            Path(temporary).unlink(missing_ok=True)


def _prune(directory: Path) -> None:
    """Delete the least recently used entries beyond :data:`MAX_ENTRIES`."""
    entries = list(directory.glob("*.pickle"))
    if len(entries) <= MAX_ENTRIES:
        return
    by_age = sorted(entries, key=lambda p: p.stat().st_mtime)
    for old in by_age[:len(entries) - MAX_ENTRIES]:
        old.unlink(missing_ok=True)
