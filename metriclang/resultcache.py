"""A whole-project cache of what ``osm check`` finds, in the spirit of ruff's cache.

A check of an unchanged project gives the same diagnostics, so the command keeps them: one
entry per project path in ``<cache dir>/check/`` (the parse cache's directory, see
:mod:`metriclang.syntax.cache`), overwritten by the next check of that path. The entry's key is
a digest of everything the diagnostics depend on:

* the code (:func:`~metriclang.cachefiles.code_digest`: metriclang's version and every module
  of the package, so an edited rule misses; Python; sqlglot's and Lark's installed files) and
  the grammar;
* the options: the effective configuration (``metriclang.toml`` as read, with its problems),
  ``--select``/``--ignore``, and the day C207 counts from (``--today``, else the real date: the
  only rule that reads the clock);
* the project: its root, and the path and text of every file read, with the problems of
  reading (a file added, removed, unreadable or linking out of the project misses).

No rule reads the environment or the warehouse; ``check --warehouse``/``--db`` is never
served from the cache. The report is rendered from the cached diagnostics and the files just
read, so every format prints the same bytes as an uncached run. Entries are written when the
process exits, after the report (:func:`~metriclang.cachefiles.write_at_exit`), atomically;
``METRICLANG_NO_CACHE=1`` turns the cache off; an entry that can't be read, or belongs to
another key, is ignored.
"""

from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path

from metriclang.cachefiles import code_digest, entry_path, read_entry, write_at_exit
from metriclang.diagnostics import Diagnostic, DiagnosticSet
from metriclang.load import Loaded, Read, check, checked, load_read, project_files, read_project
from metriclang.rules.settings import selected
from metriclang.semantic.model import Project
from metriclang.syntax.parser import grammar_text

#: The layout of an entry: the key, then the diagnostics (two pickles). Bump when it changes.
FORMAT = 1


def _key(read: Read, today: date, select: frozenset[str] | None,
         ignore: frozenset[str]) -> str:
    """The digest of everything a check's diagnostics depend on (see the module's text)."""
    digest = hashlib.sha256(code_digest())
    digest.update(f"{FORMAT}\0{grammar_text()}\0".encode())
    options = (str(read.root), repr(read.config), read.problems, today.isoformat(),
               None if select is None else sorted(select), sorted(ignore),
               bool(os.environ.get("METRICLANG_RERAISE")))
    digest.update(repr(options).encode("utf-8", "surrogatepass") + b"\0")
    for source in read.sources:
        digest.update(f"{len(source.path)}:{source.path}{len(source.text)}:".encode(
            "utf-8", "surrogatepass"))
        digest.update(source.text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _stored(entry: Path, key: str) -> tuple[Diagnostic, ...] | None:
    """The diagnostics kept under ``key``; None when there are none (missing, corrupt, other
    key or another layout). Another key's diagnostics are not read."""
    found = read_entry(entry, key)
    if isinstance(found, tuple) and all(isinstance(d, Diagnostic) for d in found):
        return found
    return None


def check_cached(path: Path, today: date | None = None, select: frozenset[str] | None = None,
                 ignore: frozenset[str] = frozenset()) -> Loaded:
    """:func:`metriclang.load.check` through the cache. On a hit the project holds the files
    and configuration only (what the reporters read), not a resolved model."""
    entry = entry_path("check", os.fsencode(path.resolve()))  # one per project path
    root, paths = project_files(path)
    if entry is None or not paths:  # no cache, or nothing to cache (check warns)
        return check(path, today, select, ignore)
    read = read_project(root, paths)
    day = today or date.today()
    key = _key(read, day, select, ignore)
    found = _stored(entry, key)
    if found is not None:
        files = tuple(sorted(read.sources, key=lambda f: f.path))
        config = selected(read.config, select, ignore) if select is not None or ignore \
            else read.config
        return Loaded(Project(str(root), files, config, {}, {}, {}, {}), DiagnosticSet(found))
    loaded = checked(load_read(read), day, select, ignore)
    write_at_exit(entry, key, loaded.diagnostics.items)
    return loaded
