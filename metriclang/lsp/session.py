"""One editing session over a project: the editor's unsaved buffers, the parses kept between
checks, the last check and the symbols of every file.

A re-check is :func:`metriclang.load.check` with the buffers as ``edits`` and the kept
``parses``: only a file whose text changed is parsed again; resolving and the rules run over
the whole project (a change in one file can break another that refers to it).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from metriclang.load import Loaded, check
from metriclang.lsp.symbols import Occurrence, occurrences
from metriclang.syntax.ast import FileAST
from metriclang.syntax.cache import Parsed


class Session:
    """The language server's memory of one project (mutable: it follows the editor)."""

    def __init__(self, root: Path, today: date | None = None) -> None:
        self.root = root
        self.today = today
        #: Unsaved texts of open files by path relative to the root.
        self.edits: dict[str, str] = {}
        self.parses: dict[str, tuple[str, Parsed]] = {}
        self.loaded: Loaded | None = None
        self._symbols: dict[str, tuple[FileAST, tuple[Occurrence, ...]]] = {}
        self._columns: tuple[object, dict[str, tuple[str, ...]]] | None = None

    def rel(self, path: Path) -> str | None:
        """``path`` relative to the root, or None when it is outside the project."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return None

    def recheck(self) -> Loaded:
        """Check the project again, reparsing only files whose text changed."""
        self.loaded = check(self.root, self.today, edits=self.edits, parses=self.parses)
        return self.loaded

    def current(self) -> Loaded:
        return self.loaded or self.recheck()

    def text(self, rel: str) -> str | None:
        """The file's text as the editor has it."""
        if rel in self.edits:
            return self.edits[rel]
        source = self.current().project.file(rel)
        return source.text if source else None

    def symbols(self) -> dict[str, tuple[Occurrence, ...]]:
        """Every file's symbols (recomputed only for files parsed again)."""
        out: dict[str, tuple[Occurrence, ...]] = {}
        for source in self.current().project.files:
            parsed = self.parses.get(source.path)
            if parsed is None:
                continue
            tree = parsed[1][0]
            kept = self._symbols.get(source.path)
            if kept is None or kept[0] is not tree:
                kept = tree, occurrences(tree)
                self._symbols[source.path] = kept
            out[source.path] = kept[1]
        return out

    def at(self, rel: str, line: int, column: int) -> Occurrence | None:
        """The symbol at a 1-based position of a file."""
        return next((o for o in self.symbols().get(rel, ()) if o.covers(line, column)), None)

    def all_of(self, kind: str, name: str) -> list[Occurrence]:
        """Every declaration and use of one symbol, across files."""
        return [o for found in self.symbols().values() for o in found
                if o.kind == kind and o.name == name]

    def columns(self) -> dict[str, tuple[str, ...]]:
        """The columns of each source's table when a warehouse is configured (read once per
        set of tables; nothing when there is no warehouse or it can't be opened)."""
        from metriclang import api
        from metriclang.errors import UsageError
        from metriclang.warehouse.result import EngineError

        project = self.current().project
        key = (project.config.warehouse, tuple((n, s.table) for n, s in project.sources.items()))
        if self._columns is None or self._columns[0] != key:
            try:
                found = api.columns(project)
            except (UsageError, EngineError):
                found = {}
            self._columns = key, found
        return self._columns[1]
