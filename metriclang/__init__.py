"""metriclang: business metrics as code (OSM specs -> checks, SQL and documentation).

The public API is imported lazily, on first use, so that ``osm`` commands start fast:

>>> import metriclang, sys
>>> "metriclang.load" in sys.modules or callable(metriclang.check)
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from metriclang.load import check, load_project
    from metriclang.sqlgen import compile_sql

__version__ = "0.1.0"
__all__ = ["__version__", "check", "compile_sql", "load_project"]

_LAZY = {"check": "metriclang.load", "load_project": "metriclang.load",
         "compile_sql": "metriclang.sqlgen"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'metriclang' has no attribute {name!r}")
