"""Files in osm's cache directory, written when the process exits (after the report).

The cache lives in ``$METRICLANG_CACHE_DIR``, else ``$XDG_CACHE_HOME/metriclang``, else
``~/.cache/metriclang``; ``METRICLANG_NO_CACHE=1`` turns it off. An entry is one file of
pickles, written atomically (readers never see a partial one) when the process exits, once
the report is flushed: never while a command is working. Each directory of entries keeps the
:data:`MAX_ENTRIES` (or fewer, for large entries) most recently written or used (a reader may
touch the entry it uses). Entries are safe to lose: one that can't be written is skipped, one
that can't be read is a miss. The users: the parse cache (:mod:`metriclang.syntax.cache`),
``osm check``'s results (:mod:`metriclang.resultcache`), ``osm compile``'s queries
(:mod:`metriclang.sqlgen.sqlcache`) and the outputs' stat index (:mod:`metriclang.atomic`).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from importlib.util import find_spec
from pathlib import Path

MAX_ENTRIES = 1000
MAX_PENDING = 64
#: Whose behaviour cached results depend on besides metriclang's own code.
LIBRARIES = ("sqlglot", "lark")

#: Entries made in this process and not written yet: what to pickle, or a function giving it
#: at exit (``None``: nothing to write), and how many entries its directory keeps.
_PENDING: dict[Path, tuple[Callable[[], tuple[object, ...] | None], int | None]] = {}


def cache_dir() -> Path | None:
    """Where entries are kept, or None when caching is turned off."""
    if os.environ.get("METRICLANG_NO_CACHE", "") not in ("", "0"):
        return None
    if os.environ.get("METRICLANG_CACHE_DIR"):
        return Path(os.environ["METRICLANG_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "metriclang"


def entry_path(kind: str, identity: bytes) -> Path | None:
    """The entry of ``identity`` (a resolved path, say) among the entries of ``kind``
    (``check``, ``outputs``, ``sql``); None when caching is turned off."""
    where = cache_dir()
    if where is None:
        return None
    return where / kind / f"{hashlib.sha256(identity).hexdigest()[:32]}.pickle"


@cache
def code_digest() -> bytes:
    """A digest of the code that makes what is cached: metriclang's version and every module
    of the package (an edited module misses), Python, and the installed files of
    :data:`LIBRARIES` (their size and time, which an upgrade changes)."""
    from metriclang import __version__

    digest = hashlib.sha256(f"{__version__}\0{sys.version}\0".encode())
    package = Path(__file__).parent
    for module in sorted(package.rglob("*.py")):
        digest.update(module.relative_to(package).as_posix().encode() + b"\0")
        digest.update(module.read_bytes())
    for name in LIBRARIES:
        spec = find_spec(name)
        origin = spec.origin if spec else None
        stat = os.stat(origin) if origin else None
        digest.update(f"{name}\0{origin}\0{stat and (stat.st_size, stat.st_mtime_ns)}\0"
                      .encode())
    return digest.digest()


def write_at_exit(entry: Path, *values: object) -> None:
    """Pickle ``values`` one after the other to ``entry`` when the process exits (after the
    report), atomically; a reader may stop after the first (a key, say)."""
    compute_at_exit(entry, lambda: values)


def compute_at_exit(entry: Path, values: Callable[[], tuple[object, ...] | None],
                    keep: int | None = None) -> None:
    """As :func:`write_at_exit`, the values computed at exit by ``values()`` (work that
    belongs after the report; ``None``: write nothing); ``keep``: the entries its directory
    keeps (fewer for large entries; default :data:`MAX_ENTRIES`)."""
    if len(_PENDING) >= MAX_PENDING:  # a long-lived process: don't hold entries indefinitely
        write_pending()
    atexit.unregister(_write_at_exit)
    atexit.register(_write_at_exit)
    _PENDING[entry] = values, keep


def write_pending() -> None:
    """Write the entries made in this process (the report is flushed first)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # closed or replaced streams
            pass
    while _PENDING:
        entry, (values, keep) = _PENDING.popitem()
        try:
            computed = values()
        except Exception:  # a computation that fails: no entry, never a traceback
            continue
        if computed is not None:
            _store(entry, computed, keep)


def _write_at_exit() -> None:
    """:func:`write_pending` at exit: Ctrl-C meanwhile drops the entries not written yet,
    quietly (the command's work is done, its report out, its exit code kept)."""
    try:
        write_pending()
    except KeyboardInterrupt:
        _PENDING.clear()


def holds(entry: Path, key: object) -> bool:
    """Whether ``entry`` is stored under ``key`` (its value is not read)."""
    try:
        with entry.open("rb") as handle:
            return bool(pickle.load(handle) == key)
    except Exception:  # missing, truncated, foreign
        return False


def read_entry(entry: Path, key: object, touch: bool = False) -> object | None:
    """The value stored under ``key`` in ``entry`` (``touch``: marked as recently used);
    ``None`` when missing, unreadable, or another key's (whose value is not read)."""
    try:
        with entry.open("rb") as handle:  # two pickles, each with its own memo
            if pickle.load(handle) != key:
                return None
            found: object = pickle.load(handle)
        if touch:
            os.utime(entry)
    except Exception:  # missing, truncated, foreign or from classes that changed
        return None
    return found


def _store(entry: Path, values: tuple[object, ...], keep: int | None = None) -> None:
    """Write one entry atomically (readers never see a partial file); failures are ignored."""
    temporary: str | None = None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=entry.parent, suffix=".tmp", delete=False) as out:
            temporary = out.name
            for value in values:
                pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, entry)
        _prune(entry.parent, keep)
    except BaseException as exc:  # a very deep tree, a full disk, Ctrl-C: no entry
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        if not isinstance(exc, Exception):
            raise


def _prune(directory: Path, keep: int | None = None) -> None:
    """Delete the least recently used entries beyond ``keep`` (default :data:`MAX_ENTRIES`)."""
    keep = MAX_ENTRIES if keep is None else keep
    entries = list(directory.glob("*.pickle"))
    if len(entries) <= keep:
        return
    by_age = sorted(entries, key=lambda p: p.stat().st_mtime)
    for old in by_age[:len(entries) - keep]:
        old.unlink(missing_ok=True)
