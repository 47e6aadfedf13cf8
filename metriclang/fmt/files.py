"""Formatting files on disk: find them, read them as UTF-8, write atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from metriclang.atomic import sweep, temp_name
from metriclang.diagnostics import error
from metriclang.fmt import Formatted, format_text
from metriclang.project import MAX_FILE_BYTES, UsageError, read_limited, too_large
from metriclang.source import Span


def osm_files(paths: tuple[Path, ...]) -> list[Path]:
    """Every ``.osm`` file named or below a named directory, sorted, without repeats."""
    found: set[Path] = set()
    for path in paths:
        if not path.exists():
            raise UsageError(f"path does not exist: {path}")
        if path.is_dir():
            found.update(p for p in path.rglob("*.osm") if p.is_file())
        else:
            found.add(path)
    return sorted(found)


def format_file(path: Path) -> Formatted:
    """Read and format one file (an unreadable or non-UTF-8 file gives an E105 diagnostic)."""
    name = path.as_posix()
    try:
        data = read_limited(path)
    except OSError as exc:
        return Formatted(name, "", None, (error(
            "E105", f"cannot read `{name}`: {exc.strerror or exc}", Span(name, 1, 1, 1, 1)),))
    return format_bytes(data, name)


def format_bytes(data: bytes, name: str) -> Formatted:
    """Format a file's bytes: E108 when too large, E105 when not UTF-8."""
    if len(data) > MAX_FILE_BYTES:
        return Formatted(name, "", None, (too_large(name),))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return Formatted(name, "", None, (error(
            "E105", f"`{name}` is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
            Span(name, line, 1, line, 2), "save the file as UTF-8"),))
    return format_text(text, name)


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
