"""Load a project from disk: find the files, read, parse and resolve them."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from metriclang.config import CONFIG_FILE, Config, load_config
from metriclang.diagnostics import Diagnostic, DiagnosticSet, Severity, error
from metriclang.semantic.model import Project
from metriclang.semantic.resolve import resolve
from metriclang.source import SourceFile, Span
from metriclang.syntax.cache import parse_cached

#: Largest ``.osm`` file read (bytes) and largest project (characters, all files together):
#: beyond them a file is not parsed and E108 says so (docs/language.md#limits).
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_PROJECT_CHARS = 100 * 1024 * 1024


class UsageError(Exception):
    """The command was used wrongly (PATH missing, unknown measure...): exit 2."""


@dataclass(frozen=True)
class Loaded:
    """A loaded project and everything found while loading it."""

    project: Project
    diagnostics: DiagnosticSet


def project_files(path: Path) -> tuple[Path, list[Path]]:
    """The project root and its ``.osm`` files (sorted) for a directory or a single file."""
    if not path.exists():
        raise UsageError(f"path does not exist: {path}")
    if path.is_file():
        return path.parent, [path]
    if not path.is_dir():
        raise UsageError(f"not a file or directory: {path}")
    try:
        files = sorted(p for p in path.rglob("*.osm") if p.is_file() or _dangling(p))
    except OSError as exc:
        raise UsageError(f"cannot list {path}: {exc}") from exc
    return path, files


def _dangling(path: Path) -> bool:
    """A symbolic link to nothing: a file of the project that can't be read (reported)."""
    return path.is_symlink() and not path.exists()


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


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while building the model.

    Loading allocates hundreds of thousands of small frozen objects and frees almost none;
    the collector's full passes over that growing heap made loading quadratic in practice.
    Afterwards the survivors are frozen (``gc.freeze``): the model lives as long as the
    command, so later collections need not scan it again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


def load_project(path: str | Path) -> Loaded:
    """Read, parse and resolve a project; every problem becomes a diagnostic.

    Raises :class:`UsageError` only when ``path`` itself is missing or unusable.
    """
    root, paths = project_files(Path(path))
    with _no_cycle_collection():
        return _load(root, paths)


def _load(root: Path, paths: list[Path]) -> Loaded:
    problems: tuple[Diagnostic, ...] = (outside_warning(CONFIG_FILE),)
    config = Config()
    if not leaves(root / CONFIG_FILE, root):
        config, problems = load_config(root)
    diagnostics: list[Diagnostic] = list(problems)
    sources, trees = [], []
    total = 0
    for file in paths:
        rel = file.relative_to(root).as_posix()
        if leaves(file, root):
            diagnostics.append(outside_warning(rel))
            continue
        source, problem = read_source(file, rel)
        if problem:
            diagnostics.append(problem)
        if source is None:
            continue
        total += len(source.text)
        if total > MAX_PROJECT_CHARS:
            diagnostics.append(error(
                "E108", f"the project's files hold more than {MAX_PROJECT_CHARS >> 20} million "
                f"characters: `{rel}` and the files after it were not read",
                Span(rel, 1, 1, 1, 1), "check the project in parts (one directory at a time)"))
            break
        tree, syntax = parse_cached(rel, source.text)
        sources.append(source)
        trees.append(tree)
        diagnostics.extend(syntax)
    project, semantic = resolve(trees, sources, str(root), config)
    diagnostics.extend(semantic)
    return Loaded(project, DiagnosticSet.of(diagnostics))
