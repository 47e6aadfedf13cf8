"""Stable JSON dumps of the syntax tree and of the resolved model (for goldens and debugging).

Both dumps are plain data: every dataclass becomes an object whose first key ``"node"`` names
its class, spans become ``"file:line:col-end_line:end_col"`` strings, numbers keep their exact
decimal text and SQL trees are rendered by sqlglot in the project's input dialect. The same
input always gives byte-identical output.

>>> from metriclang.syntax.parser import parse_file
>>> tree, _ = parse_file("a.osm", 'journey j "J" { stage s }')
>>> print(dump_ast(tree))  # doctest: +ELLIPSIS
{
  "node": "FileAST",
  "path": "a.osm",
  "declarations": [
    {
      "node": "JourneyDecl",
      "name": {
        "node": "Name",
        "value": "j",
        "span": "a.osm:1:9-1:10"
...
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from metriclang.source import LineIndex, SourceFile, Span
from metriclang.syntax import ast

if TYPE_CHECKING:
    from metriclang.semantic.model import Project


def span_text(span: Span) -> str:
    """``file:line:col-end_line:end_col``."""
    return f"{span.file}:{span.line}:{span.column}-{span.end_line}:{span.end_column}"


def to_data(value: Any, dialect: str = "duckdb") -> Any:
    """Any AST or model value as JSON-ready plain data (deterministic)."""
    from sqlglot import exp

    match value:
        case None | bool() | int() | str():
            return value
        case Span():
            return span_text(value)
        case SourceFile(path=path, text=text):
            return {"node": "SourceFile", "path": path, "lines": LineIndex.of(text).count}
        case Decimal():
            return str(value)
        case date():
            return value.isoformat()
        case Enum():
            return value.value
        case exp.Expression():
            return {"node": "Sql", "sql": value.sql(dialect=dialect),
                    "tree": type(value).__name__}
        case Mapping():
            return {str(k): to_data(v, dialect) for k, v in sorted(value.items())}
        case tuple() | list():
            return [to_data(v, dialect) for v in value]
        case _ if dataclasses.is_dataclass(value) and not isinstance(value, type):
            out: dict[str, Any] = {"node": type(value).__name__}
            for f in dataclasses.fields(value):
                if not f.metadata.get("dump", True):
                    continue
                out[f.name] = to_data(getattr(value, f.name), dialect)
            return out
    raise TypeError(f"cannot dump {type(value).__name__}")


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def dump_ast(tree: ast.FileAST) -> str:
    """One file's syntax tree (declarations and comments) as JSON text."""
    return _json(to_data(tree))


def dump_model(project: Project) -> str:
    """A resolved project as JSON text; the root directory is left out (it is machine-specific).

    SQL fragments are rendered in the project's input dialect.
    """
    data = {f.name: to_data(getattr(project, f.name), project.config.dialect)
            for f in dataclasses.fields(project) if f.name != "root"}
    return _json({"node": "Project", **data})


def main(argv: list[str] | None = None) -> int:
    """``python3 -m metriclang.dump [--ast] PATH``: print a dump; exit 1 when loading found
    errors (printed to stderr), 2 when PATH is unusable."""
    import argparse
    import sys

    from metriclang.errors import UsageError
    from metriclang.load import load_project
    from metriclang.syntax.parser import parse_file

    parser = argparse.ArgumentParser(prog="python3 -m metriclang.dump", description=main.__doc__)
    parser.add_argument("--ast", action="store_true", help="dump syntax trees, not the model")
    parser.add_argument("path")
    args = parser.parse_args(argv)
    try:
        loaded = load_project(args.path)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.ast:
        for source in loaded.project.files:
            sys.stdout.write(dump_ast(parse_file(source.path, source.text)[0]))
    else:
        sys.stdout.write(dump_model(loaded.project))
    for d in loaded.diagnostics:
        print(f"{d.span}: {d.severity.value}[{d.code}] {d.message}", file=sys.stderr)
    return 1 if loaded.diagnostics.has_errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
