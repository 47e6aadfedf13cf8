"""Formatting files on disk: find them, read them as UTF-8, write atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from metriclang.atomic import sweep, temp_name
from metriclang.diagnostics import Diagnostic, error
from metriclang.errors import UsageError
from metriclang.fmt import Formatted, format_text
from metriclang.reading import (
    MAX_FILE_BYTES,
    leaves,
    not_text,
    outside_warning,
    read_limited,
    too_large,
)
from metriclang.source import Span


def osm_files(paths: tuple[Path, ...]) -> tuple[list[Path], tuple[Diagnostic, ...]]:
    """Every ``.osm`` file named or below a named directory, sorted, without repeats.

    A file below a directory that is a symbolic link leaving that directory is not read
    (W101, as ``osm check`` does).
    """
    found: set[Path] = set()
    skipped: list[Diagnostic] = []
    for path in paths:
        if not path.exists():
            raise UsageError(f"path does not exist: {path}")
        if not path.is_dir():
            found.add(path)
            continue
        for file in path.rglob("*.osm"):
            if leaves(file, path):
                skipped.append(outside_warning(file.as_posix()))
            elif file.is_file():
                found.add(file)
    return sorted(found), tuple(sorted(skipped, key=lambda d: d.sort_key))


def format_file(path: Path) -> Formatted:
    """Read and format one file (unreadable or not UTF-8 text: an E105 diagnostic)."""
    name = path.as_posix()
    try:
        data = read_limited(path)
    except OSError as exc:
        return Formatted(name, "", None, (error(
            "E105", f"cannot read `{name}`: {exc.strerror or exc}", Span(name, 1, 1, 1, 1)),))
    return format_bytes(data, name)


def format_bytes(data: bytes, name: str) -> Formatted:
    """Format a file's bytes: E108 when too large, E105 when not UTF-8 text."""
    if len(data) > MAX_FILE_BYTES:
        return Formatted(name, "", None, (too_large(name),))
    problem = not_text(data, name)
    if problem:
        return Formatted(name, "", None, (problem,))
    return format_text(data.decode("utf-8"), name)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step, keeping its permissions (and symlinks)."""
    path = path.resolve()
    sweep(path)
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    fd, tmp = tempfile.mkstemp(prefix=temp_name(path, ""), suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
