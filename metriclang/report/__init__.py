"""Reporters: pure functions from diagnostics to text for terminals, CI systems and editors."""

from __future__ import annotations

from collections.abc import Callable

from metriclang.diagnostics import DiagnosticSet
from metriclang.semantic.model import Project

#: A reporter turns a project's diagnostics into the text to print.
Reporter = Callable[[Project, DiagnosticSet, bool], str]


def reporter(name: str) -> Reporter:
    """The reporter for a ``--format`` value."""
    from importlib import import_module

    return import_module(f"metriclang.report.{name}").render  # type: ignore[no-any-return]


FORMATS = ("text", "json", "sarif", "github")
