"""The ``osm`` command line: parse options, call the API, report, choose the exit code.

Exit codes: 0 success, 1 the project has errors, 2 usage error (PATH missing, bad option).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from metriclang import __version__
from metriclang.diagnostics import Severity
from metriclang.project import UsageError
from metriclang.report import FORMATS, reporter

PATH = click.argument("path", type=click.Path(path_type=Path))


def _today(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"`{value}` is not a date (YYYY-MM-DD)") from None


def _color(stream: object) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in __import__(
        "os").environ


class Group(click.Group):
    """Turns :class:`UsageError` into exit code 2 with a one-line message."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=Group)
@click.version_option(__version__, prog_name="osm")
def main() -> None:
    """metriclang: define business metrics as code (OSM: objective, strategy, measure)."""


@main.command()
@PATH
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--strict", is_flag=True, help="Warnings fail the check too (exit 1).")
@click.option("--today", help="Date to measure lag chains from (C207), YYYY-MM-DD.")
def check(path: Path, fmt: str, strict: bool, today: str | None) -> None:
    """Parse, resolve, validate and lint the project at PATH."""
    from metriclang.check import check as run_check

    loaded = run_check(path, _today(today))
    color = fmt == "text" and _color(sys.stdout)
    click.echo(reporter(fmt)(loaded.project, loaded.diagnostics, color), nl=False)
    failed = loaded.diagnostics.has_errors or (
        strict and loaded.diagnostics.count(Severity.WARNING) > 0)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
