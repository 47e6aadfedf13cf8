"""Demo data: the example projects' DuckDB file, generated from ``data/generate.py``.

``duckdb`` is imported when a file is written, never when this module is.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlglot import exp

from metriclang.warehouse.result import EngineError
from metriclang.warehouse.urls import safe_message

#: A table to load: qualified name, ``(column, DuckDB type)`` pairs, rows.
Table = tuple[str, tuple[tuple[str, str], ...], list[tuple[Any, ...]]]


def write_duckdb(path: Path, tables: Sequence[Table]) -> None:
    """Create the DuckDB file ``path`` holding ``tables`` (atomically: all or nothing)."""
    import csv
    import os
    import tempfile

    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="osm-demo-", dir=path.parent) as tmp:
        build = Path(tmp) / "osm_build.duckdb"  # a catalog name no schema uses
        con = duckdb.connect(str(build))
        try:
            for name, columns, rows in tables:
                schema = exp.to_table(name).db
                if schema:
                    con.execute(exp.Create(this=exp.to_identifier(schema), kind="SCHEMA",
                                           exists=True).sql("duckdb"))
                file = Path(tmp) / f"{name}.csv"
                with file.open("w", newline="", encoding="utf-8") as out:
                    csv.writer(out).writerows(rows)
                types = ", ".join(f"'{c}': '{t}'" for c, t in columns)
                con.execute(f"CREATE TABLE {exp.to_table(name).sql('duckdb')} AS "
                            f"SELECT * FROM read_csv(?, header = false, columns = {{{types}}})",
                            [str(file)])
        finally:
            con.close()
        os.replace(build, path)


def ensure_demo_data(path: Path, root: Path) -> bool:
    """Build ``path`` from ``root/data/generate.py`` when the file is missing.

    Returns True when it built the file; a project without a generator is left alone.
    """
    import importlib.util

    generator = root / "data" / "generate.py"
    if path.exists() or not generator.is_file():
        return False
    spec = importlib.util.spec_from_file_location(f"osm_demo_{root.name}", generator)
    if spec is None or spec.loader is None:
        raise EngineError(f"cannot load the demo data generator {generator}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        write_duckdb(path, module.tables())
    except Exception as exc:  # a generator is user code: report it, never a traceback
        raise EngineError(f"cannot build {path.name} with {generator}: "
                          f"{type(exc).__name__}: {safe_message(exc)}") from None
    return True
