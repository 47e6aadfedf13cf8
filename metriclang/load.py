"""The loading stage: find a project's files, read, parse and resolve them; ``check`` adds the
rules (severities and ``allow`` clauses applied)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from metriclang.config import CONFIG_FILE, Config, load_config
from metriclang.diagnostics import Diagnostic, DiagnosticSet, error
from metriclang.errors import EmptyProject, UsageError
from metriclang.gcpause import collector_paused
from metriclang.reading import leaves, outside_warning, read_source
from metriclang.rules import run_rules
from metriclang.rules.settings import configurable, selected, unknown_codes
from metriclang.semantic.model import Project
from metriclang.semantic.resolve import resolve
from metriclang.source import SourceFile, Span
from metriclang.syntax.cache import Parsed, parse_cached
from metriclang.syntax.incremental import reparse

#: Largest project (characters, all files together): beyond it the remaining files are not
#: parsed and E108 says so (docs/language.md#limits).
MAX_PROJECT_CHARS = 100 * 1024 * 1024


#: Texts of files not yet saved (an editor's buffers), by path relative to the root.
Edits = Mapping[str, str]
#: Parsed files kept between loads by a long-lived caller (the language server): relative
#: path -> (text, parse). A file whose text is unchanged is not parsed again.
Parses = MutableMapping[str, tuple[str, Parsed]]


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


def load_project(path: str | Path, shown: str | None = None, edits: Edits | None = None,
                 parses: Parses | None = None) -> Loaded:
    """Read, parse and resolve a project; every problem becomes a diagnostic.

    ``edits`` replace the text of files on disk (or add files); with ``parses``, a file
    parsed before with the same text is not parsed again, and the garbage collector is not
    frozen (the caller lives on, its models don't). Raises :class:`UsageError` only when
    ``path`` itself is missing or unusable; warns :class:`~metriclang.errors.EmptyProject`
    when a directory holds no ``.osm`` file (naming it ``shown``, by default ``path``).
    """
    root, paths = project_files(Path(path))
    if edits and Path(path).is_dir():
        paths = sorted({*paths, *(root / rel for rel in edits)})
    if not paths:
        warnings.warn(EmptyProject(f"no .osm files found under {shown or path}"),
                      stacklevel=2)
    return load_read(read_project(root, paths, edits), parses)


def _parse(rel: str, text: str, parses: Parses | None) -> Parsed:
    """The file's parse, kept in ``parses``: the same when its text is unchanged, else
    parsed again where it changed (:func:`~metriclang.syntax.incremental.reparse`)."""
    if parses is None:
        return parse_cached(rel, text)
    known = parses.get(rel)
    if known is None:
        known = text, parse_cached(rel, text)
    elif known[0] != text:
        known = text, reparse(rel, known[0], known[1], text)
    parses[rel] = known
    return known[1]


@dataclass(frozen=True)
class Read:
    """A project's files as read, before parsing: the root, the effective configuration, the
    texts of the files that could be read (path order) and the problems found reading."""

    root: Path
    config: Config
    sources: tuple[SourceFile, ...]
    problems: tuple[Diagnostic, ...]


def read_project(root: Path, paths: list[Path], edits: Edits | None = None) -> Read:
    """Read ``metriclang.toml`` and the files ``paths`` (``edits`` replace texts on disk);
    a file that can't be read, links out of the project or is one too many is a problem."""
    problems: tuple[Diagnostic, ...] = (outside_warning(CONFIG_FILE),)
    config = Config()
    if not leaves(root / CONFIG_FILE, root):
        config, problems = load_config(root)
        problems = (*problems, *unknown_codes(config))
        config = configurable(config)
    diagnostics: list[Diagnostic] = list(problems)
    sources: list[SourceFile] = []
    total = 0
    for file in paths:
        rel = file.relative_to(root).as_posix()
        if leaves(file, root):
            diagnostics.append(outside_warning(rel))
            continue
        source, problem = ((SourceFile(rel, edits[rel]), None) if edits and rel in edits
                           else read_source(file, rel))
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
        sources.append(source)
    return Read(root, config, tuple(sources), tuple(diagnostics))


def load_read(read: Read, parses: Parses | None = None) -> Loaded:
    """Parse and resolve the files of ``read`` (see :func:`load_project`)."""
    with collector_paused(freeze=parses is None):  # a command's model lives as long as it
        diagnostics = list(read.problems)
        trees = []
        for source in read.sources:
            tree, syntax = _parse(source.path, source.text, parses)
            trees.append(tree)
            diagnostics.extend(syntax)
        project, semantic = resolve(trees, read.sources, str(read.root), read.config)
        diagnostics.extend(semantic)
        return Loaded(project, DiagnosticSet.of(diagnostics))


def check(path: str | Path, today: date | None = None, select: frozenset[str] | None = None,
          ignore: frozenset[str] = frozenset(), shown: str | None = None,
          edits: Edits | None = None, parses: Parses | None = None) -> Loaded:
    """Everything ``osm check`` reports for a project; ``select`` and ``ignore`` (rule codes,
    from the command line) override ``[rules]`` (:func:`~metriclang.rules.settings.selected`);
    ``shown`` names the project in the empty-project warning, ``edits`` and ``parses`` are
    the editor's (see :func:`load_project`).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "a.osm").write_text("measure m { }")
    >>> [x.code for x in check(d).diagnostics if x.severity.value == "error"]
    ['E123']
    """
    return checked(load_project(path, shown, edits, parses), today, select, ignore)


def checked(loaded: Loaded, today: date | None = None, select: frozenset[str] | None = None,
            ignore: frozenset[str] = frozenset()) -> Loaded:
    """``loaded`` with the rules run (see :func:`check`)."""
    project = loaded.project
    if select is not None or ignore:
        project = replace(project, config=selected(project.config, select, ignore))
    return Loaded(project, run_rules(project, loaded.diagnostics, today))
