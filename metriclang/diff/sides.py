"""The two sides of ``osm diff``: directories or git revisions.

A revision is read with git itself (``git ls-tree`` and ``git cat-file --batch``) into a
temporary directory; the working tree, the index and ``HEAD`` are never touched.

``OLD [NEW]`` is read as: ``A..B`` (B defaults to HEAD), ``A...B`` (from the merge base of
A and B), an existing directory, or a revision; without NEW the other side is the project
as it is on disk.
"""

from __future__ import annotations

import subprocess
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from metriclang.config import CONFIG_FILE
from metriclang.errors import UsageError


@dataclass(frozen=True)
class Side:
    """One side: a label for reports and the directory holding its project."""

    label: str
    root: Path
    #: How messages name the project (a revision's is read into a temporary directory).
    shown: str | None = None


def git(cwd: Path, *args: str, data: bytes | None = None) -> bytes:
    """Run git in ``cwd``; a failure is a usage error with git's own message."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=data, capture_output=True,
                              check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed; compare two directories instead") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {args[0]} failed: {message[-1] if message else 'unknown error'}")
    return done.stdout


def _is_revision(cwd: Path, rev: str) -> bool:
    if rev.startswith("-"):
        return False
    try:
        git(cwd, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    except UsageError:
        return False
    return True


def _repository(project: Path) -> tuple[Path, str]:
    """The repository's top directory and the project's path inside it."""
    cwd = project if project.is_dir() else project.parent
    if not cwd.is_dir():
        raise UsageError(f"path does not exist: {project}")
    top = Path(git(cwd, "rev-parse", "--show-toplevel").decode().strip())
    try:
        inside = project.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        raise UsageError(f"{project} is not inside the git repository at {top}") from None
    return top, "" if inside == "." else inside


def safe_parts(path: str, rev: str) -> tuple[str, ...]:
    """The parts of a path read from git, refused unless it stays below its directory.

    A crafted tree (built with ``git mktree``) can hold names such as ``../../x.osm`` or
    ``/etc/x.osm`` that a checkout would refuse; ``osm diff`` refuses them too.

    >>> safe_parts("specs/a.osm", "HEAD")
    ('specs', 'a.osm')
    """
    parts = tuple(path.split("/"))
    if any(p in ("", ".", "..") or "\\" in p or "\0" in p for p in parts):
        raise UsageError(f"the git tree of `{rev}` holds an unsafe path {path!r}; "
                         "refusing to read that revision")
    return parts


def materialise(project: Path, rev: str, into: Path) -> Path:
    """Write the project's ``.osm`` files and config at ``rev`` under ``into``.

    Every path read from git is checked with :func:`safe_parts`: nothing is written
    outside ``into``. A revision without the project is an empty project (``into`` is
    created empty; loading it warns).
    """
    into.mkdir(parents=True, exist_ok=True)
    top, prefix = _repository(project)
    listing = git(top, "ls-tree", "-r", "-z", "--full-tree", rev, "--", prefix or ".")
    wanted: list[tuple[str, str]] = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, raw = entry.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        path = raw.decode("utf-8", "surrogateescape")
        rel = path[len(prefix) + 1:] if prefix else path
        if kind == "blob" and mode != "120000" and (rel.endswith(".osm") or rel == CONFIG_FILE):
            safe_parts(path, rev)
            wanted.append((sha, rel))
    if wanted:
        blobs = git(top, "cat-file", "--batch", data="".join(f"{s}\n" for s, _ in wanted).encode())
        offset = 0
        for _, rel in wanted:
            header_end = blobs.index(b"\n", offset)
            size = int(blobs[offset:header_end].split()[2])
            target = into.joinpath(*safe_parts(rel, rev))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blobs[header_end + 1:header_end + 1 + size])
            offset = header_end + 1 + size + 1
    return into


def _revision_side(project: Path, rev: str, stack: ExitStack) -> Side:
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="osm-diff-")))
    return Side(rev, materialise(project, rev, tmp / "project"), f"{project} at {rev}")


def resolve_sides(old: str, new: str | None, project: Path, stack: ExitStack) -> tuple[Side,
                                                                                        Side]:
    """Read ``OLD [NEW]`` into two sides; temporary directories live as long as ``stack``."""
    if project.is_file():
        raise UsageError(f"--project must be the project's directory, not a file: {project}")
    cwd = project if project.is_dir() else project.parent
    if new is None and not Path(old).exists() and ".." in old:
        three = "..." in old
        a, b = old.split("..." if three else "..", 1)
        a, b = a or "HEAD", b or "HEAD"
        for rev in (a, b):
            if not _is_revision(cwd, rev):
                raise UsageError(f"`{rev}` is not a git revision")
        if three:
            a = git(cwd, "merge-base", a, b).decode().strip()
            base = _revision_side(project, a, stack)
            label = f"merge-base({old.split('...')[0] or 'HEAD'}, {b})"
            return (Side(label, base.root, f"{project} at {label}"),
                    _revision_side(project, b, stack))
        return _revision_side(project, a, stack), _revision_side(project, b, stack)
    sides = []
    for arg in (old, new):
        if arg is None:
            if not project.exists():
                raise UsageError(f"path does not exist: {project}")
            sides.append(Side("working tree", project))
        elif Path(arg).is_dir():
            sides.append(Side(arg, Path(arg)))
        elif _is_revision(cwd, arg):
            sides.append(_revision_side(project, arg, stack))
        else:
            raise UsageError(f"`{arg}` is neither a directory nor a git revision")
    return sides[0], sides[1]
