"""Atomic output: a run that dies at any moment leaves the previous output whole.

Writers build their output under a temporary sibling named :func:`temp_name` (it carries the
writer's process id) and then put it in place in one step: ``os.replace`` for a file, an
atomic exchange of the two directory entries for a directory (Linux ``renameat2``; elsewhere
two renames, SIGINT and SIGTERM held off between them). The previous output, put aside under
a temporary name by the swap, is deleted after the swap: at once, or, inside
:func:`deferred_removals` (the CLI's commands), when the command has printed its report, by a
detached process when it holds :data:`BACKGROUND_FILES` files or more (the command exits
without waiting for the file system).

Every temporary directory is recognisable: its name starts with ``.<output name>.osm-<pid>-``
and it holds the output's ownership manifest from its creation (a provisional one, listing no
file, until the writer writes the real one) until its deletion, which removes the manifest
last. So an interrupted run (SIGINT twice, SIGKILL, power loss) leaves at most such siblings,
never a missing or partial output, and the next run writing the same output removes them once
their process is gone (:func:`sweep`); a directory without an osm manifest is never deleted.

A directory is replaced only when it is missing, empty or provably osm's own previous output
(:func:`ensure_replaceable`): its manifest carries :data:`GENERATOR` and :data:`FORMAT` and the
sha256 of every file written, and the directory holds exactly those files, unmodified.

Proving "unmodified" without reading every file: when osm puts an output in place it keeps,
in the cache directory (:mod:`metriclang.cachefiles`, written at exit, after the report), the
stat signature (device, inode, size, mtime, ctime) of each of its files whose timestamps are
older than the swap by more than :data:`_SETTLED_NS`, under the digest of the manifest it
wrote. The next check trusts a file whose signature is still the same while the manifest is
the one osm wrote, as git trusts its index. Any change to a file after the swap sets its
ctime to the time of the change (the kernel's clock, not settable by the user), which is
after the swap and so differs from every signature kept: such a file is read and hashed.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from metriclang.cachefiles import compute_at_exit, entry_path, read_entry
from metriclang.errors import UsageError

_TAG = "osm-"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def temp_name(target: Path, suffix: str = ".tmp") -> str:
    """Name for a temporary sibling of ``target`` owned by this process.

    >>> temp_name(Path("out/sql"), ".tmp").startswith(".sql.osm-")
    True
    """
    return f".{target.name}.{_TAG}{os.getpid()}-{os.urandom(4).hex()}{suffix}"


def create_file(target: Path, data: bytes) -> None:
    """A new file ``target`` holding ``data``, appearing whole in one step (written to a
    temporary sibling, then linked into place); raises ``FileExistsError`` instead of
    replacing a file that exists."""
    tmp = target.parent / temp_name(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.link(tmp, target)
    finally:
        tmp.unlink()


def write_new(path: str, text: str) -> Signature:
    """Write the new file ``path`` (inside a temporary output) in UTF-8, with plain system
    calls: ``osm compile`` writes 88,668 of them, and ``Path.write_text`` costs 1.6x more.
    Returns the file's stat signature once written (for :func:`signed`)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
    try:
        data = memoryview(text.encode("utf-8"))
        while data:
            data = data[os.write(fd, data):]
        return _signature(os.fstat(fd))
    finally:
        os.close(fd)


#: Stat signatures of files written into temporary outputs, by output and relative path.
_signed: dict[Path, dict[str, Signature]] = {}


def signed(tmp: Path, signatures: Mapping[str, Signature]) -> None:
    """Record the signatures :func:`write_new` returned for files under the temporary output
    ``tmp`` (by relative POSIX path; written in any process): the index kept at exit takes
    them instead of a stat of each file. A file changed since has another ctime: its kept
    signature then never matches, and the next check reads it."""
    _signed.setdefault(tmp, {}).update(signatures)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def sweep(target: Path, manifest: str | None = None) -> None:
    """Remove temporaries next to ``target`` left by writer processes that no longer run:
    regular files, and directories holding an osm ``manifest`` (or nothing at all). Anything
    else with a temporary's name (a link, a directory without osm's manifest) is left alone."""
    prefix = f".{target.name}.{_TAG}"
    try:
        siblings = list(target.parent.iterdir())
    except OSError:
        return
    for path in siblings:
        if not path.name.startswith(prefix):
            continue
        pid = path.name[len(prefix):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        try:
            mode = path.lstat().st_mode
        except OSError:
            continue
        if stat.S_ISREG(mode):
            path.unlink(missing_ok=True)
        elif stat.S_ISDIR(mode) and manifest is not None:
            _remove_owned(path, manifest)


def _remove_owned(path: Path, manifest: str, ours: bool = False) -> None:
    """Delete the temporary directory ``path`` if it holds osm's ``manifest`` (or is empty,
    or is this process's own: ``ours``), the manifest last: a deletion cut short leaves it
    recognisable for :func:`sweep`."""
    try:
        if not ours and _listed(path / manifest) is None:
            path.rmdir()  # only ever an empty directory
            return
        for entry in path.iterdir():
            if entry.name != manifest:
                _remove(entry)
        if any(entry.name != manifest for entry in path.iterdir()):
            return  # something could not be deleted: keep it recognisable
        _remove(path / manifest)
        path.rmdir()
    except OSError:  # gone already, not empty, or not ours to delete
        pass


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step; False when the system can't."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # an old kernel or a file system without exchange
    raise OSError(code, os.strerror(code), str(b))


@contextmanager
def signals_held(held: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)
                 ) -> Iterator[list[int]]:
    """The ``held`` signals that arrive in the block are acted on after it (main thread only;
    elsewhere Python runs no signal handler anyway; an ignored signal stays ignored). The
    block sees them in the list it gets, to cut its work short. A process forked in the
    block inherits the handler: it must set its own for these signals."""
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    previous = {sig: signal.signal(sig, lambda num, _frame: caught.append(num))
                for sig in held if signal.getsignal(sig) is not signal.SIG_IGN}
    try:
        yield caught
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for num in caught:
            signal.raise_signal(num)


def replace_dir(tmp: Path, out: Path) -> Path | None:
    """Put the finished directory ``tmp`` in place of ``out``; the directory now holding the
    previous output (a temporary sibling), or ``None`` when there was none.

    ``out`` is never missing: with an atomic exchange a reader (or a kill) sees either the
    old or the new directory; with two renames, SIGINT and SIGTERM wait until both are done.
    """
    if not out.exists():
        os.replace(tmp, out)
        return None
    if _exchange(tmp, out):
        return tmp  # tmp now holds the old output
    old = out.with_name(temp_name(out, ".old"))
    with signals_held():
        os.replace(out, old)
        try:
            os.replace(tmp, out)
        except OSError:
            os.replace(old, out)
            raise
    return old


#: Old outputs waiting for the end of :func:`deferred_removals` (``None``: delete at once).
_pending: list[tuple[Path, str]] | None = None
#: An old output listing this many files or more is deleted by a detached process: deleting
#: the 88,668 files of a 10,000-measure compile takes about 10 s here (``bench/README.md``).
BACKGROUND_FILES = 1000


@contextmanager
def deferred_removals() -> Iterator[None]:
    """Within the block, a previous output replaced by :func:`output_dir` is deleted when the
    block ends (after the command's report), not on the path to the new output: a large one
    (:data:`BACKGROUND_FILES`) by a detached process, so the command need not wait for it."""
    global _pending
    outer, _pending = _pending, []
    try:
        yield
    finally:
        pending, _pending = _pending, outer
        for path, manifest in pending:
            if len(_listed(path / manifest) or ()) < BACKGROUND_FILES \
                    or not _remove_detached(path, manifest):
                _remove_owned(path, manifest)


def _remove_detached(path: Path, manifest: str) -> bool:
    """Start a process of its own session deleting the old output ``path`` (as
    :func:`_remove_owned`) and outliving this one; False when none could be started. One
    that dies first leaves a temporary of a dead process, which the next run sweeps."""
    if os.name != "posix":
        return False
    try:
        subprocess.Popen([sys.executable, "-m", "metriclang.atomic", str(path), manifest],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        return False
    return True


def _discard(path: Path, manifest: str) -> None:
    """Delete the put-aside previous output now, or at the end of :func:`deferred_removals`."""
    if _pending is None:
        _remove_owned(path, manifest)
    else:
        _pending.append((path, manifest))


class Watch:
    """Whether anything changed in a directory tree since the watch began: each of its
    folders watched with Linux's inotify, begun before the tree's first check, so that a
    change after that check shows. Not seen: writes through a memory map or through a hard
    link outside the tree, and another machine's writes on a network file system. Where
    inotify is missing or can't watch (not a directory, too many watches), :meth:`quiet`
    is False: the caller checks the tree again."""

    def __init__(self, root: Path) -> None:
        self._fd = _inotify(root)
        self._changed = self._fd is None

    def quiet(self) -> bool:
        """Whether no change was seen since the watch began."""
        if self._fd is not None and not self._changed:
            try:
                self._changed = bool(os.read(self._fd, 1 << 16))
            except BlockingIOError:  # no event queued
                pass
            except OSError:
                self._changed = True
        return not self._changed

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


#: inotify events of a change in a watched folder (<sys/inotify.h>): modify, attributes,
#: close after writing, moved from and to, create, delete, the folder deleted or moved.
_IN_CHANGES = 0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800
_IN_ONLYDIR_DONT_FOLLOW = 0x01000000 | 0x02000000


def _inotify(root: Path) -> int | None:
    """An inotify descriptor watching ``root`` and every folder under it; None when that
    can't be done (another system, not a directory, the watches' limits)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fd = int(libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC))
    except (AttributeError, OSError):
        return None
    if fd < 0:
        return None
    try:
        pending = [os.fsencode(root)]
        while pending:  # a folder made after its parent's watch began shows as a change
            folder = pending.pop()
            if libc.inotify_add_watch(fd, folder, _IN_CHANGES | _IN_ONLYDIR_DONT_FOLLOW) < 0:
                raise OSError(ctypes.get_errno(), "inotify_add_watch")
            with os.scandir(folder) as listing:
                pending += [entry.path for entry in listing if entry.is_dir(follow_symlinks=False)]
    except OSError:
        os.close(fd)
        return None
    return fd


#: ``out`` found replaceable (resolved) and the watch begun before that check.
Checked = tuple[Path, Watch]


@contextmanager
def output_dir(out: Path, manifest: str, command: str, mode: int | None = None,
               checked: Checked | None = None) -> Iterator[Path]:
    """A fresh temporary sibling of ``out`` to write into, put in place of ``out`` (then
    ``mode`` given to it, if any) when the block succeeds and deleted when it fails.

    ``out`` must be replaceable (:func:`ensure_replaceable` with the ``manifest`` of
    ``osm COMMAND``) on entry, unless the caller found it so (``checked``, from
    :func:`checked_ahead`), and still just before the swap: checked again then unless its
    :class:`Watch`, begun before the first check, saw no change. So the block must write
    that manifest (the sibling holds a provisional one, listing no file, until then); until
    the swap the previous output stays whole. Temporaries of dead runs are swept on entry.
    """
    watch = checked[1] if checked else Watch(out.resolve())  # begun before the first check
    try:
        target = checked[0] if checked else ensure_replaceable(out, manifest, command)
        target.parent.mkdir(parents=True, exist_ok=True)
        sweep(target, manifest)
        tmp = target.with_name(temp_name(target))
        tmp.mkdir()
        aside = None
        try:
            write_manifest(tmp / manifest, json.dumps(ownership({})) + "\n")
            yield tmp
            if mode is not None:
                tmp.chmod(mode)
            if not watch.quiet():  # changed since the first check, or not watched
                ensure_replaceable(out, manifest, command)
            aside = replace_dir(tmp, target)
        except BaseException:
            _written.pop(tmp / manifest, None)
            _signed.pop(tmp, None)
            _remove_owned(tmp, manifest, ours=True)  # the unfinished output, or the old one
            raise
    finally:
        watch.close()
    _index_at_exit(target, manifest, _written.pop(tmp / manifest, None), time.time_ns(),
                   _signed.pop(tmp, {}))
    if aside is not None:
        _discard(aside, manifest)


def _remove(path: Path) -> None:
    """Delete a file or a directory tree, as far as possible."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


#: The marker of a manifest written by osm (with :data:`FORMAT`, its layout's version).
GENERATOR = "metriclang"
FORMAT = 1


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The sha256 of a file's bytes, read in blocks with plain system calls (the ownership
    check hashes every file of a previous output: 88,668 for a large compile)."""
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY)
    try:
        while block := os.read(fd, 1 << 20):
            digest.update(block)
    finally:
        os.close(fd)
    return digest.hexdigest()


def ownership(files: Mapping[str, str]) -> dict[str, object]:
    """The fields proving a directory is osm's output: marker, format, sha256 per file.

    >>> ownership({"a.sql": "00"})
    {'generator': 'metriclang', 'format': 1, 'files': {'a.sql': '00'}}
    """
    return {"generator": GENERATOR, "format": FORMAT, "files": dict(sorted(files.items()))}


def tree_hashes(root: Path, skip: str) -> dict[str, str]:
    """sha256 of every file under ``root`` but ``skip`` (the manifest), by POSIX path
    relative to it."""
    hashes = {p.relative_to(root).as_posix(): file_sha256(p)
              for p in sorted(root.rglob("*")) if p.is_file()}
    hashes.pop(skip, None)
    return hashes


#: The sha256 of the manifests this process wrote, by path (see :func:`_index_at_exit`).
_written: dict[Path, str] = {}


def write_manifest(path: Path, text: str) -> None:
    """Write a manifest in one step (a partial manifest would make its directory foreign)."""
    part = path.with_name(path.name + ".part")
    data = text.encode("utf-8")
    part.write_bytes(data)
    os.replace(part, path)
    _written[path] = hashlib.sha256(data).hexdigest()


def ensure_replaceable(out: Path, manifest: str, command: str) -> Path:
    """``out`` resolved, when osm may replace it; else :class:`UsageError` and nothing touched.

    Replaceable: a path that does not exist yet (under directories), an empty directory, or
    a directory holding the manifest ``manifest`` written by ``osm COMMAND`` (see
    :func:`ownership`) and nothing but the files it lists, each with its recorded sha256. A
    symbolic link, an extra file or directory, or a listed file edited since is the user's:
    refused rather than lost.
    """
    target = out.resolve()
    for parent in [target, *target.parents]:
        if os.path.lexists(parent):
            if parent != target and not parent.is_dir():
                raise UsageError(f"--out {out}: {parent} is a file, not a directory")
            break
    if not target.exists():
        return target
    if not target.is_dir():
        raise UsageError(f"--out {out} is a file, not a directory; choose a directory")
    try:
        foreign = _foreign(target, manifest) if any(target.iterdir()) else None
    except OSError as exc:
        raise UsageError(f"cannot read --out {out}: {exc.strerror or exc}") from exc
    if foreign is not None:
        raise UsageError(f"--out {out} is not the previous output of `osm {command}` "
                         f"({foreign}); nothing was changed: choose an empty or new directory")
    return target


@contextmanager
def checked_ahead(out: Path, manifest: str, command: str) -> Iterator[Callable[[], Checked]]:
    """:func:`ensure_replaceable` begun now in a forked process, while this one loads the
    project on one core (the check of a large previous output stats every file: about 1 s
    for 88,668); the block gets a function that returns its result, with the :class:`Watch`
    begun before it, for :func:`output_dir` (which closes it), or raises its error; it keeps
    the hashes the check computed. Without ``fork``, the function checks when called."""
    import multiprocessing

    from metriclang.forked import started

    watch = Watch(out.resolve())
    if "fork" not in multiprocessing.get_all_start_methods():
        yield lambda: (ensure_replaceable(out, manifest, command), watch)
        return
    with started(partial(_checked, out, manifest, command)) as checked:
        def result() -> Checked:
            target, hashed = checked()
            _hashed.update(hashed)
            return target, watch

        yield result


def _checked(out: Path, manifest: str, command: str
             ) -> tuple[Path, dict[str, tuple[Signature, str]]]:
    """:func:`ensure_replaceable`'s result and the hashes it computed (in a forked process)."""
    return ensure_replaceable(out, manifest, command), _hashed


def _foreign(root: Path, manifest: str) -> str | None:
    """Why ``root`` is not osm's (its first foreign entry, sorted), ``None`` when it is."""
    files = _listed(root / manifest)
    if files is None:
        return f"it holds no `{manifest}` written by osm"
    kept = _kept_signatures(root, manifest)
    folders = set()
    for rel in files:
        while "/" in rel:
            rel = rel.rpartition("/")[0]
            folders.add(rel)
    pending = [("", str(root))]
    while pending:
        prefix, folder = pending.pop()
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name, reverse=True)
        for entry in entries:
            rel = prefix + entry.name
            info = entry.stat(follow_symlinks=False)
            mode = info.st_mode
            if stat.S_ISLNK(mode):
                return f"`{rel}` is a symbolic link"
            if stat.S_ISDIR(mode) and rel in folders:
                pending.append((rel + "/", entry.path))
            elif stat.S_ISDIR(mode):
                return f"osm did not write the directory `{rel}`"
            elif not stat.S_ISREG(mode) or (rel not in files and rel != manifest):
                return f"osm did not write `{rel}`"
            elif rel != manifest and kept.get(rel) != _signature(info) \
                    and _known_hash(entry.path, info) != files[rel]:
                return f"`{rel}` was changed since osm wrote it"
    return None


def _listed(path: Path) -> dict[str, str] | None:
    """The files (path -> sha256) an osm manifest lists; ``None`` if it is not osm's."""
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("generator") != GENERATOR \
            or data.get("format") != FORMAT or not isinstance(data.get("files"), dict):
        return None
    files = {k: v for k, v in data["files"].items() if isinstance(v, str)}
    return files if len(files) == len(data["files"]) else None


#: The stat signature of a file: device, inode, size, mtime and ctime (ns).
Signature = tuple[int, int, int, int, int]


def _signature(info: os.stat_result) -> Signature:
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


#: Hashes this process computed, by path: the file's stat signature and the sha256.
_hashed: dict[str, tuple[Signature, str]] = {}
#: How long after a file's last change its stat signature is trusted (timestamps are coarse).
_SETTLED_NS = 2_000_000_000


def _settled(signature: Signature, at: int) -> bool:
    """Whether the file's mtime and ctime (both set) are older than ``at`` (ns) by more than
    :data:`_SETTLED_NS`: a change after ``at`` can't share its timestamps."""
    settled = at - _SETTLED_NS
    return 0 < signature[3] < settled and 0 < signature[4] < settled


#: The layout of a kept index entry (its key, then path -> signature). Bump when it changes.
_INDEX_FORMAT = 1


def _index_entry(root: Path) -> Path | None:
    """The one index entry of the output directory ``root`` (resolved); None without a
    cache."""
    return entry_path("outputs", os.fsencode(root))


def _index_at_exit(root: Path, manifest: str, digest: str | None, swapped: int,
                   known: Mapping[str, Signature]) -> None:
    """Keep, at exit, the signatures of the files of ``root``, put in place at ``swapped``
    (ns) with the manifest whose sha256 is ``digest`` (``known``: those :func:`signed`);
    nothing without a cache or a digest."""
    entry = _index_entry(root)
    if entry is None or digest is None:
        return
    compute_at_exit(entry, lambda: _settled_signatures(root, manifest, digest, swapped, known))


def _settled_signatures(root: Path, manifest: str, digest: str, swapped: int,
                        known: Mapping[str, Signature]
                        ) -> tuple[object, dict[str, Signature]] | None:
    """The index entry of ``root``: its key, and the signature of each regular file settled
    at the swap (:func:`_settled`; ``known``: signatures taken when the files were written,
    used instead of a stat); ``None`` when the manifest is no longer the one written."""
    if file_sha256(root / manifest) != digest:
        return None
    kept: dict[str, Signature] = {}
    pending = [("", str(root))]
    while pending:
        prefix, folder = pending.pop()
        with os.scandir(folder) as listing:
            for entry in listing:
                rel = prefix + entry.name
                signature = known.get(rel)
                if signature is None or not entry.is_file(follow_symlinks=False):
                    info = entry.stat(follow_symlinks=False)
                    if stat.S_ISDIR(info.st_mode):
                        pending.append((rel + "/", entry.path))
                    if not stat.S_ISREG(info.st_mode):
                        continue
                    signature = _signature(info)
                if _settled(signature, swapped):
                    kept[rel] = signature
    kept.pop(manifest, None)
    return (_INDEX_FORMAT, str(root), digest), kept


def _kept_signatures(root: Path, manifest: str) -> dict[str, Signature]:
    """The signatures kept when osm put ``root`` in place, if its manifest is still the one
    osm wrote then (else, or without a cache, none)."""
    entry = _index_entry(root)
    if entry is None:
        return {}
    path = root / manifest
    try:
        digest = _known_hash(str(path), path.lstat())
    except OSError:
        return {}
    kept = read_entry(entry, (_INDEX_FORMAT, str(root), digest))
    return kept if isinstance(kept, dict) else {}


def _known_hash(path: str, info: os.stat_result) -> str | None:
    """The sha256 of the regular file ``path`` whose ``lstat`` is ``info`` (``None`` when it
    can't be read), computed once per process:
    a later call (the output's ownership is checked before the work and again before the
    swap) reuses it while the file's inode, size, mtime and ctime are unchanged and were
    already settled when it was hashed, as git trusts its index (a change within the
    timestamps' granularity of the hash is re-hashed)."""
    signature = _signature(info)
    known = _hashed.get(path)
    if known is not None and known[0] == signature:
        return known[1]
    started = time.time_ns()
    try:
        digest = file_sha256(path)
    except OSError:
        return None
    if _settled(signature, started):
        _hashed[path] = (signature, digest)
    return digest


if __name__ == "__main__":  # the detached deletion of :func:`_remove_detached`
    _remove_owned(Path(sys.argv[1]), sys.argv[2])
