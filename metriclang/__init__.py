"""metriclang: business metrics as code (OSM specs -> checks, SQL and documentation)."""

from __future__ import annotations

from metriclang.check import check
from metriclang.project import load_project

__version__ = "0.1.0"
__all__ = ["__version__", "check", "load_project"]
