"""Compiled SQL kept between runs of ``osm compile``: a project compiled again renders only
the queries whose inputs changed.

A measure's query (over all periods of the data) is a function of its plan's key and inputs
(:attr:`~metriclang.sqlgen.plan.MeasurePlan.key`, :meth:`~metriclang.sqlgen.plan.
MeasurePlan.inputs`: no source positions, no measure name), the dialect and the code. Each
project path and dialect has one entry in ``<cache dir>/sql/``, keyed by the dialect and the
code (:func:`~metriclang.cachefiles.code_digest`: an edited module or another sqlglot misses
every query), holding each text under the digest of its plan's key and inputs.

A measure the dialect can't express is kept too, as its diagnostics, filed under the digest,
the measure's name and its position (the diagnostics point at it).

A compile reads its dialects' entries before rendering and renders only what they don't hold;
at exit, after the report, it replaces them with the results of this run (a removed
measure's drop out). A first compile pays nothing before the report: its digests are
computed at exit. ``METRICLANG_NO_CACHE=1`` turns it off, like every cache.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from metriclang.cachefiles import code_digest, compute_at_exit, entry_path, holds, read_entry
from metriclang.diagnostics import Diagnostic
from metriclang.sqlgen.plan import MeasurePlan

#: The layout of an entry: its key, then :data:`Kept`. Bump when it changes.
FORMAT = 1
#: Entries ``sql/`` keeps (one per project path and dialect; 5 MB for 10,000 measures).
KEEP = 200

#: A measure's query, or why the dialect can't express it (``compile_planned``'s result).
Compiled = tuple[str | None, tuple[Diagnostic, ...]]
#: What an entry keeps: texts by digest, diagnostics by :func:`_placed` digest.
Kept = dict[bytes, str | tuple[Diagnostic, ...]]


def digests(made: Iterable[tuple[str, tuple[object, ...]]],
            known: dict[tuple[object, ...], bytes] | None = None) -> dict[str, bytes]:
    """By measure name, a digest of what its query over all periods is made of besides the
    dialect and the code (``made``: each measure's ``plan.made_of(project)``; measures with
    equal ones share a digest, computed once; ``known``: digests by ``made_of`` computed
    before, for a project's measures digested in parts)."""
    known = {} if known is None else known
    by_name = {}
    for name, made_of in made:
        if made_of not in known:
            text = repr(made_of).encode("utf-8", "surrogatepass")
            known[made_of] = hashlib.blake2b(text, digest_size=16).digest()
        by_name[name] = known[made_of]
    return by_name


def _placed(digest: bytes, plan: MeasurePlan) -> bytes:
    """``digest`` with the measure's name and position, for what points at the measure."""
    where = repr((plan.name, plan.span)).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(digest + where, digest_size=16).digest()


def found(kept: Kept, plan: MeasurePlan, digest: bytes) -> Compiled | None:
    """The measure's result kept in ``kept`` (``None``: not kept)."""
    text = kept.get(digest)
    if isinstance(text, str):
        return text, ()
    problems = kept.get(_placed(digest, plan))
    return (None, problems) if isinstance(problems, tuple) and problems else None


def keeping(plan: MeasurePlan, digest: bytes, compiled: Compiled) -> Kept:
    """What to keep of a measure's result (its text, or the problems that stopped it)."""
    sql, problems = compiled
    if sql is not None:
        return {digest: sql}
    return {_placed(digest, plan): problems} if problems else {}


def _entry(root: Path, dialect: str) -> Path | None:
    return entry_path("sql", os.fsencode(root.resolve()) + b"\0" + dialect.encode())


def _key(root: Path, dialect: str) -> tuple[object, ...]:
    return FORMAT, code_digest(), str(root.resolve()), dialect


def any_kept(root: Path, dialects: tuple[str, ...]) -> bool:
    """Whether a compile of ``root`` by this code kept results in one of ``dialects``."""
    return any((entry := _entry(root, d)) is not None and holds(entry, _key(root, d))
               for d in dialects)


def kept(root: Path, dialect: str) -> Kept:
    """What the last compile of ``root`` in ``dialect`` by this code kept (nothing when there
    was none, or it can't be read)."""
    entry = _entry(root, dialect)
    value = read_entry(entry, _key(root, dialect)) if entry is not None else None
    return value if isinstance(value, dict) else {}


def keep_at_exit(root: Path, dialect: str, results: Callable[[], Kept]) -> None:
    """Replace the entry of ``root`` in ``dialect`` at exit by ``results()`` (computed then,
    from :func:`keeping`)."""
    entry = _entry(root, dialect)
    if entry is not None:
        compute_at_exit(entry, lambda: (_key(root, dialect), results()), keep=KEEP)
