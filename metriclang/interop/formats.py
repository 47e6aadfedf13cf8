"""The formats ``osm export`` and ``osm import`` know, and the one entry per direction."""

from __future__ import annotations

from pathlib import Path

from metriclang.errors import UsageError
from metriclang.interop.output import Converted
from metriclang.semantic.model import Project

#: ``osm export --to`` and ``osm import --from`` choices.
EXPORTS = ("metricflow", "osi", "cube")
IMPORTS = ("metricflow", "osi")


def export_project(project: Project, to: str) -> Converted:
    """The files of ``project`` in format ``to``, and what could not be expressed."""
    if to == "metricflow":
        from metriclang.interop.metricflow_export import export

        return export(project)
    if to == "osi":
        from metriclang.interop.osi_export import export as osi

        return osi(project)
    if to == "cube":
        from metriclang.interop.cube_export import export as cube

        return cube(project)
    raise UsageError(f"unknown export format `{to}`; choose one of {', '.join(EXPORTS)}")


def import_files(paths: tuple[Path, ...], source: str) -> Converted:
    """``.osm`` files (and ``metriclang.toml``) for files of format ``source``."""
    if source == "metricflow":
        from metriclang.interop.metricflow_import import import_paths

        return import_paths(paths)
    if source == "osi":
        from metriclang.interop.osi_import import import_paths as osi

        return osi(paths)
    raise UsageError(f"unknown import format `{source}`; choose one of {', '.join(IMPORTS)}")
