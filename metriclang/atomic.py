"""Atomic output: a run that dies at any moment leaves the previous output whole.

Writers build their output under a temporary sibling named :func:`temp_name` (it carries the
writer's process id) and then put it in place in one step: ``os.replace`` for a file, an
atomic exchange of the two directory entries for a directory (Linux ``renameat2``; elsewhere
two renames, with a window of two system calls). Temporaries of a run that was killed
(SIGKILL, power loss) are removed by the next run writing the same output, once their process
is gone (:func:`sweep`).
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
from pathlib import Path

_TAG = "osm-"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def temp_name(target: Path, suffix: str = ".tmp") -> str:
    """Name for a temporary sibling of ``target`` owned by this process.

    >>> temp_name(Path("out/sql"), ".tmp").startswith(".sql.osm-")
    True
    """
    return f".{target.name}.{_TAG}{os.getpid()}-{os.urandom(4).hex()}{suffix}"


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


def _remove(path: Path) -> None:
    """Delete a file or a directory tree, as far as possible."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
