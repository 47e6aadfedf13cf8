"""Reading the YAML files of another semantic layer: every document, with its file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped,unused-ignore]

from metriclang.errors import UsageError
from metriclang.interop.losses import Loss
from metriclang.interop.yamlio import Located, load_all
from metriclang.reading import read_limited


@dataclass(frozen=True)
class Element:
    """One element of another format (a mapping) and the file it was written in."""

    file: str
    data: dict[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def loss(self, element: str, what: str, at: Any = None) -> Loss:
        where = at if isinstance(at, Located) else self.data
        return Loss(self.file, getattr(where, "line", 1), getattr(where, "column", 1), element,
                    what)


def yaml_files(paths: tuple[Path, ...]) -> list[tuple[Path, str]]:
    """Every ``.yml``/``.yaml`` file named or under a named directory, with a display name;
    :class:`UsageError` when there is none (nothing to import)."""
    found: dict[Path, str] = {}
    for path in paths:
        if not path.exists():
            raise UsageError(f"path does not exist: {path}")
        if path.is_dir():
            for file in sorted([*path.rglob("*.yml"), *path.rglob("*.yaml")]):
                if file.is_file():
                    found[file] = file.relative_to(path).as_posix()
        else:
            found[path] = path.name
    if not found:
        raise UsageError("no .yml or .yaml file in " + ", ".join(str(p) for p in paths)
                         + ": nothing to import")
    return sorted(found.items(), key=lambda item: item[1])


def documents(paths: tuple[Path, ...]) -> list[tuple[str, Any]]:
    """``(display name, document)`` for every YAML document; bad YAML is a positioned error."""
    out: list[tuple[str, Any]] = []
    for path, name in yaml_files(paths):
        try:
            text = read_limited(path).decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{name}: cannot read: {exc}") from None
        try:
            out += [(name, doc) for doc in load_all(text)]
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
            problem = getattr(exc, "problem", None) or str(exc)
            raise UsageError(f"{where}: not valid YAML: {problem}") from None
    return out
