"""Reading a project's files safely: size limits (E108), text only (E105), no link leaving the
project (W101). Shared by the loader and the formatter."""

from __future__ import annotations

from pathlib import Path

from metriclang.diagnostics import Diagnostic, Severity, error
from metriclang.source import SourceFile, Span

#: Largest ``.osm`` file read (bytes): beyond it the file is not parsed and E108 says so
#: (docs/language.md#limits).
MAX_FILE_BYTES = 20 * 1024 * 1024


def leaves(path: Path, root: Path) -> bool:
    """True when ``path`` is a symbolic link (or under one) to a file outside ``root``.

    Such a file is not read: ``env.osm -> /proc/self/environ`` must not print a CI runner's
    secrets as a source excerpt. A link to nothing is not: reading it fails (E105).
    """
    try:
        return path.exists() and not path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return True


def outside_warning(rel: str) -> Diagnostic:
    """W101: a project file linking out of the project, left unread."""
    return Diagnostic("W101", Severity.WARNING,
                      f"`{rel}` is a symbolic link to a file outside the project; it was not read",
                      Span(rel, 1, 1, 1, 1),
                      "copy the file into the project, or link to a file inside it")


def read_limited(path: Path) -> bytes:
    """At most ``MAX_FILE_BYTES + 1`` bytes of ``path`` (enough to tell it is too large)."""
    with path.open("rb") as handle:
        return handle.read(MAX_FILE_BYTES + 1)


def too_large(rel: str) -> Diagnostic:
    """E108 for a file over :data:`MAX_FILE_BYTES`."""
    return error("E108", f"`{rel}` is larger than {MAX_FILE_BYTES >> 20} MB and was not read",
                 Span(rel, 1, 1, 1, 1), "split it into several files")


def read_source(path: Path, rel: str) -> tuple[SourceFile | None, Diagnostic | None]:
    """Read one file as UTF-8 text (a byte-order mark is allowed); see :func:`not_text`."""
    try:
        data = read_limited(path)
    except OSError as exc:
        return None, error("E105", f"cannot read `{rel}`: {exc.strerror or exc}",
                           Span(rel, 1, 1, 1, 1))
    if len(data) > MAX_FILE_BYTES:
        return None, too_large(rel)
    problem = not_text(data, rel)
    return (None, problem) if problem else (SourceFile(rel, data.decode("utf-8-sig")), None)


def not_text(data: bytes, rel: str) -> Diagnostic | None:
    """E105 when ``data`` is not UTF-8 text: invalid UTF-8, or a NUL byte (binary data).

    Such a file gets no text at all, so no excerpt of its bytes is ever shown.
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        return error("E105", f"`{rel}` is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                     Span(rel, line, column, line, column + 1), "save the file as UTF-8")
    if b"\0" in data:
        line, column = _position(data, data.index(b"\0"))
        return error("E105", f"`{rel}` is not a text file (it holds a NUL byte)",
                     Span(rel, line, column, line, column + 1),
                     "a spec is UTF-8 text: remove the NUL bytes")
    return None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and byte column of ``offset`` in ``data``."""
    return data.count(b"\n", 0, offset) + 1, offset - (data.rfind(b"\n", 0, offset) + 1) + 1
