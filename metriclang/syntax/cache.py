"""A content-addressed cache of parsed files, so large projects re-parse only what changed.

Parsing is the bulk of checking a large project (Lark's LALR parser runs in Python, a few
microseconds per token). Files of at least :data:`MIN_BYTES` characters are parsed once per
content: the syntax tree and its diagnostics are pickled under a key made of the package
version, the grammar, the file's path and its text. Small files are parsed directly; a cache
entry costs more than it saves for them, and small projects leave nothing behind.

The cache lives in ``$METRICLANG_CACHE_DIR``, else ``$XDG_CACHE_HOME/metriclang``, else
``~/.cache/metriclang``; ``METRICLANG_NO_CACHE=1`` turns it off. Entries are written atomically;
an entry that can't be read or written is ignored (the file is parsed as usual). Each use
touches its entry; when an entry is written, the least recently used beyond
:data:`MAX_ENTRIES` are deleted, so editing a large file day after day does not fill the disk.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import cache
from pathlib import Path

from metriclang.diagnostics import Diagnostic
from metriclang.syntax.ast import FileAST
from metriclang.syntax.parser import grammar_text, parse_file

MIN_BYTES = 32 * 1024
MAX_ENTRIES = 1000

Parsed = tuple[FileAST, tuple[Diagnostic, ...]]


def cache_dir() -> Path | None:
    """Where parsed files are kept, or None when caching is turned off."""
    if os.environ.get("METRICLANG_NO_CACHE", "") not in ("", "0"):
        return None
    if os.environ.get("METRICLANG_CACHE_DIR"):
        return Path(os.environ["METRICLANG_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "metriclang"


@cache
def _salt() -> bytes:
    from metriclang import __version__

    return hashlib.sha256(f"{__version__}\0{grammar_text()}".encode()).digest()


def _key(path: str, text: str) -> str:
    digest = hashlib.sha256(_salt())
    digest.update(path.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def parse_cached(path: str, text: str) -> Parsed:
    """:func:`~metriclang.syntax.parser.parse_file`, through the cache for large files."""
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
    parsed = parse_file(path, text)
    _store(entry, parsed)
    return parsed


def _store(entry: Path, parsed: Parsed) -> None:
    """Write one entry atomically (readers never see a partial file); failures are ignored."""
    temporary: str | None = None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=entry.parent, suffix=".tmp", delete=False) as out:
            temporary = out.name
            pickle.dump(parsed, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, entry)
        _prune(entry.parent)
    except (OSError, RecursionError, pickle.PicklingError):  # a very deep tree isn't cached
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
