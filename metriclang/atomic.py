"""Atomic output: a run that dies at any moment leaves the previous output whole.

Writers build their output under a temporary sibling named :func:`temp_name` (it carries the
writer's process id) and then put it in place in one step: ``os.replace`` for a file, an
atomic exchange of the two directory entries for a directory (Linux ``renameat2``; elsewhere
two renames, with a window of two system calls). Temporaries of a run that was killed
(SIGKILL, power loss) are removed by the next run writing the same output, once their process
is gone (:func:`sweep`).

A directory is replaced only when it is missing, empty or provably osm's own previous output
(:func:`ensure_replaceable`): its manifest carries :data:`GENERATOR` and :data:`FORMAT` and the
sha256 of every file written, and the directory holds exactly those files, unmodified.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import shutil
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def sweep(target: Path) -> None:
    """Remove temporaries next to ``target`` left by writer processes that no longer run."""
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
        _remove(path)


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


def replace_dir(tmp: Path, out: Path) -> None:
    """Put the finished directory ``tmp`` in place of ``out`` and delete the old output.

    ``out`` is never missing: with an atomic exchange a reader (or a kill) sees either the
    old or the new directory.
    """
    if not out.exists():
        os.replace(tmp, out)
        return
    if _exchange(tmp, out):
        _remove(tmp)  # tmp now holds the old output
        return
    old = out.with_name(temp_name(out, ".old"))
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except OSError:
        os.replace(old, out)
        raise
    _remove(old)


@contextmanager
def output_dir(out: Path, manifest: str, command: str, mode: int | None = None
               ) -> Iterator[Path]:
    """A fresh temporary sibling of ``out`` to write into, put in place of ``out`` (then
    ``mode`` given to it, if any) when the block succeeds and deleted when it fails.

    ``out`` must be replaceable (:func:`ensure_replaceable` with the ``manifest`` of
    ``osm COMMAND``) on entry and again just before the swap, so the block must write that
    manifest; until the swap the previous output stays whole.
    """
    target = ensure_replaceable(out, manifest, command)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep(target)
    tmp = target.with_name(temp_name(target))
    tmp.mkdir()
    try:
        yield tmp
        if mode is not None:
            tmp.chmod(mode)
        ensure_replaceable(out, manifest, command)
        replace_dir(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _remove(path: Path) -> None:
    """Delete a file or a directory tree, as far as possible."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


#: The marker of a manifest written by osm (with :data:`FORMAT`, its layout's version).
GENERATOR = "metriclang"
FORMAT = 1


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ownership(files: Mapping[str, str]) -> dict[str, object]:
    """The fields proving a directory is osm's output: marker, format, sha256 per file.

    >>> ownership({"a.sql": "00"})
    {'generator': 'metriclang', 'format': 1, 'files': {'a.sql': '00'}}
    """
    return {"generator": GENERATOR, "format": FORMAT, "files": dict(sorted(files.items()))}


def tree_hashes(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root``, by POSIX path relative to it."""
    return {p.relative_to(root).as_posix(): file_sha256(p)
            for p in sorted(root.rglob("*")) if p.is_file()}


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


def _foreign(root: Path, manifest: str) -> str | None:
    """Why ``root`` is not osm's (its first foreign entry, sorted), ``None`` when it is."""
    files = _listed(root / manifest)
    if files is None:
        return f"it holds no `{manifest}` written by osm"
    folders = {parent for rel in files for parent in Path(rel).parents} - {Path(".")}
    pending = [root]
    while pending:
        folder = pending.pop()
        for entry in sorted(folder.iterdir(), reverse=True):
            rel = entry.relative_to(root)
            mode = entry.lstat().st_mode
            if stat.S_ISLNK(mode):
                return f"`{rel.as_posix()}` is a symbolic link"
            if stat.S_ISDIR(mode) and rel in folders:
                pending.append(entry)
            elif stat.S_ISDIR(mode):
                return f"osm did not write the directory `{rel.as_posix()}`"
            elif not stat.S_ISREG(mode) or (rel.as_posix() not in files
                                             and rel != Path(manifest)):
                return f"osm did not write `{rel.as_posix()}`"
            elif rel != Path(manifest) and _hash_or_none(entry) != files[rel.as_posix()]:
                return f"`{rel.as_posix()}` was changed since osm wrote it"
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


def _hash_or_none(path: Path) -> str | None:
    try:
        return file_sha256(path)
    except OSError:
        return None
