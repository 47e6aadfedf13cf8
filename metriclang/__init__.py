"""metriclang: business metrics as code (OSM specs -> checks, SQL and documentation).

The public API is imported lazily, so that ``osm`` commands start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from metriclang.project import load_project
    from metriclang.sqlgen import compile_sql

__version__ = "0.1.0"
__all__ = ["__version__", "check", "compile_sql", "load_project"]

_LAZY = {"load_project": "metriclang.project", "compile_sql": "metriclang.sqlgen"}

# The submodule ``metriclang.check`` shares the function's name: importing it binds the package
# attribute to the module, so bind the function explicitly, after that import.
from metriclang.check import check  # noqa: E402


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'metriclang' has no attribute {name!r}")
