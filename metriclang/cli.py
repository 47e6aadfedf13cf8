"""The ``osm`` command line: parse options, call the API, report, choose the exit code.

Exit codes: 0 success, 1 the project has errors, 2 usage error (PATH missing, bad option).
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import click

from metriclang import __version__
from metriclang.api import ProjectError
from metriclang.atomic import deferred_removals
from metriclang.diagnostics import Severity
from metriclang.dialects import OUTPUT_DIALECTS
from metriclang.errors import EmptyProject, UsageError
from metriclang.interop.formats import EXPORTS, IMPORTS
from metriclang.progress import progress_bar
from metriclang.report import FORMATS, reporter
from metriclang.semantic.model import Project
from metriclang.warehouse.result import Unreachable

PATH = click.argument("path", type=click.Path(path_type=Path))
TIMEOUT = click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=300,
                       show_default=True, metavar="SECONDS",
                       help="Cancel a query that runs longer than this (statement timeout).")

LIMIT = click.option("--limit", type=click.IntRange(min=0), metavar="N",
                     help="At most N rows (per measure), in the output's order.")


def _day(ctx: click.Context, param: click.Parameter, value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _day_option(*names: str, help: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A ``YYYY-MM-DD`` option whose value is a :class:`~datetime.date` (click checks it)."""
    return click.option(*names, type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
                        callback=_day, help=help)


#: ``--as-of`` of ``osm run`` and ``osm query``.
AS_OF_HELP = ("Judge periods complete up to this day (excluded) instead of the data's last "
              "event.")


def _period(first: date | None, last: date | None) -> None:
    """``--from`` after ``--to`` is a usage error (exit 2), like a malformed date."""
    if first and last and first > last:
        raise click.BadParameter(f"{first} is after --to {last}", click.get_current_context(),
                                 param_hint="'--from'")


def _color(stream: IO[str]) -> bool:
    """Whether to colour what goes to ``stream``, as rich decides: on a terminal (or with
    ``FORCE_COLOR`` / ``TTY_COMPATIBLE=1``), never with ``NO_COLOR``; piped text stays plain."""
    from rich.console import Console

    console = Console(file=stream)
    return console.is_terminal and not console.no_color


class Group(click.Group):
    """Turns :class:`UsageError` and a warehouse that can't be opened (:class:`Unreachable`)
    into exit code 2 with a one-line message; shows the loading
    stage's :class:`EmptyProject` warning (once) whatever the command; deletes a previous
    output the command replaced after its report (:func:`metriclang.atomic.deferred_removals`)."""

    def invoke(self, ctx: click.Context) -> object:
        shown: set[str] = set()
        other = warnings.showwarning

        def show(message: Warning | str, category: type[Warning], *rest: Any) -> None:
            if not issubclass(category, EmptyProject):
                other(message, category, *rest)
            elif str(message) not in shown:
                shown.add(str(message))
                click.echo(f"warning: {message}", err=True)

        try:
            with warnings.catch_warnings(), deferred_removals():
                warnings.simplefilter("always", EmptyProject)
                warnings.showwarning = show  # type: ignore[assignment]
                return super().invoke(ctx)
        except UsageError as exc:
            click.echo(f"error: {_usage_message(exc)}", err=True)
            sys.exit(2)
        except ProjectError as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
        except Unreachable as exc:  # an environment error, as a missing warehouse setting
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


def _split(args: tuple[str, ...], at_most: int | None = None) -> tuple[Path, list[str]]:
    """``[PATH] NAME...``: the first argument is PATH when it is not a name (a measure is an
    identifier) or names an existing file or directory; otherwise PATH is the current
    directory, as ruff and dbt do. ``osm run orders`` runs the measure `orders` of ``.``
    unless a file or directory ``orders`` is there (then write ``osm run . orders``)."""
    first = args[0] if args else None
    if first is not None and (not first.isidentifier() or Path(first).exists()):
        path, names = Path(first), list(args[1:])
    else:
        path, names = Path("."), list(args)
    if at_most is not None and len(names) > at_most:
        raise UsageError(f"unexpected argument `{names[at_most]}`")
    return path, names


def _as_path(args: tuple[str, ...]) -> str:
    """Why a lone argument that could be a measure name was read as PATH, if it was."""
    if len(args) == 1 and args[0].isidentifier() and Path(args[0]).exists():
        return (f": `{args[0]}` was read as PATH, since a file or directory of that name is "
                f"here; for the measure `{args[0]}` of this project write `osm run . {args[0]}`")
    return ""


def _usage_message(exc: UsageError) -> str:
    """The message of a usage error; a warehouse setting's diagnostic rendered in full."""
    from metriclang.warehouse.urls import SettingError

    if isinstance(exc, SettingError):
        from metriclang.report.text import render_one

        return render_one(exc.project, exc.diagnostic)
    return str(exc)


@click.group(cls=Group)
@click.version_option(__version__, prog_name="osm")
def main() -> None:
    """metriclang: define business metrics as code (OSM: objective, strategy, measure)."""


@main.command()
@PATH
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--strict", is_flag=True, help="Warnings fail the check too (exit 1).")
@_day_option("--today", help="Date to measure lag chains from (C207).")
@click.option("--quiet", "-q", is_flag=True,
              help="Print the errors and the summary only (--format text).")
@click.option("--select", multiple=True, metavar="CODE",
              help="Report only these rule codes or prefixes (`V`, `S303`; repeat or "
              "separate with commas); overrides [rules] in metriclang.toml.")
@click.option("--ignore", multiple=True, metavar="CODE",
              help="Do not report these rule codes or prefixes; overrides [rules] and --select.")
@click.option("--warehouse", "against", is_flag=True,
              help="Also check tables, columns and types against the warehouse's catalogue "
              "($OSM_DB_URL, else `warehouse` in metriclang.toml).")
@click.option("--db", help="Check against the catalogue of this warehouse URL (implies "
              "--warehouse).")
def check(path: Path, fmt: str, strict: bool, today: date | None, quiet: bool,
          select: tuple[str, ...], ignore: tuple[str, ...], against: bool,
          db: str | None) -> None:
    """Parse, resolve, validate and lint the project at PATH.

    With --warehouse or --db, every table and column the specs use is looked up in the
    warehouse's catalogue (never its rows). Exit 1 when there are errors, 2 when the
    warehouse can't be opened (as with no warehouse configured, and as `osm verify`).
    """
    from metriclang.load import check as run_check
    from metriclang.report import text
    from metriclang.resultcache import check_cached
    from metriclang.rules.settings import expand
    from metriclang.warehouse.result import EngineError

    if quiet and fmt != "text":
        raise UsageError("--quiet goes with --format text")
    chosen = expand(select, "--select") if select else None
    loaded = (run_check if against or db else check_cached)(
        path, today, chosen, expand(ignore, "--ignore"))
    diagnostics, unreachable = loaded.diagnostics, False
    if against or db:
        from metriclang.diagnostics import DiagnosticSet
        from metriclang.warehouse.schema import check_warehouse

        try:
            found, note = check_warehouse(loaded.project, db)
            diagnostics = DiagnosticSet.of([*diagnostics, *found])
            if note:
                click.echo(note, err=True)
        except EngineError as exc:  # the specs' own diagnostics are still reported
            click.echo(f"error: {exc}", err=True)
            unreachable = True
    color = fmt == "text" and _color(sys.stdout)
    click.echo(text.render(loaded.project, diagnostics, color, quiet) if fmt == "text"
               else reporter(fmt)(loaded.project, diagnostics, color), nl=False)
    failed = diagnostics.has_errors or (strict and diagnostics.count(Severity.WARNING) > 0)
    sys.exit(2 if unreachable else 1 if failed else 0)


@main.command("init")
@click.argument("folder", required=False, default=Path("."), type=click.Path(path_type=Path))
def init_command(folder: Path) -> None:
    """Write a starter project into FOLDER (default: .; created when missing).

    A journey, a source, a leading and a lagging measure linked by `drives`, an objective
    with a strategy, metriclang.toml and a demo data generator: it checks clean and runs.
    Never overwrites a file: exit 2, and nothing is written, when one exists.
    """
    from metriclang.starter import init_project

    for name in init_project(folder):
        click.echo(f"created {folder / name}")
    where = "" if folder == Path(".") else f" {folder}"
    click.echo(f"next: osm check{where or ' .'}, then osm run{where} --all", err=True)


@main.command("fmt")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 when a file would be reformatted.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Write nothing; print what would change as a unified diff.")
def fmt_command(paths: tuple[Path, ...], check_only: bool, show_diff: bool) -> None:
    """Rewrite .osm files (PATHS: files or directories; - for stdin) in the canonical layout.

    Comments are kept and meaning never changes. A file with syntax errors is not touched:
    its errors are reported and the exit code is 1.
    """
    from metriclang.config import Config
    from metriclang.fmt import FormatterBug
    from metriclang.fmt.files import format_bytes, format_file, osm_files, write_atomic
    from metriclang.report.text import render_one
    from metriclang.semantic.model import Project
    from metriclang.source import SourceFile

    stdin = paths == (Path("-"),)
    files, skipped = ([], ()) if stdin else osm_files(paths)
    for d in skipped:
        click.echo(render_one(Project(".", (), Config(), {}, {}, {}, {}), d,
                              _color(sys.stderr)) + "\n", err=True)
    data = click.get_binary_stream("stdin").read() if stdin else b""
    failed = changed = 0
    for file in [Path("-")] if stdin else files:
        try:
            result = format_bytes(data, "<stdin>") if stdin else format_file(file)
        except FormatterBug as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        if result.text is None:
            failed += 1
            shown = Project(".", (SourceFile(result.path, result.original),), Config(),
                            {}, {}, {}, {})
            for d in result.diagnostics:
                click.echo(render_one(shown, d, _color(sys.stderr)) + "\n", err=True)
            if stdin:  # the input unchanged, even when it is not text
                click.get_binary_stream("stdout").write(data)
            continue
        changed += result.changed
        if show_diff:
            click.echo(result.unified_diff(), nl=False)
        elif stdin:
            click.echo(result.text, nl=False)
        elif check_only and result.changed:
            click.echo(f"would reformat {result.path}", err=True)
        elif result.changed:
            write_atomic(file, result.text)
            click.echo(f"reformatted {result.path}", err=True)
    if not stdin:
        verb = "would be reformatted" if check_only or show_diff else "reformatted"
        click.echo(f"{changed} file{'s' * (changed != 1)} {verb}, "
                   f"{len(files) - changed - failed} unchanged"
                   + (f", {failed} with errors (not formatted)" if failed else ""), err=True)
    sys.exit(1 if failed or (check_only and changed) else 0)


@main.command("verify")
@PATH
@click.option("--db", help="Warehouse URL (default: $OSM_DB_URL, else `warehouse` in "
              "metriclang.toml).")
@_day_option("--from", "date_from", help="First day of history to use.")
@_day_option("--to", "date_to", help="Last day of history to use.")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text",
              show_default=True)
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=0.05, show_default=True, help="False-discovery rate across links.")
@TIMEOUT
def verify_command(path: Path, db: str | None, date_from: date | None, date_to: date | None,
                   fmt: str, alpha: float, timeout: float) -> None:
    """Test every `drives` link of PATH against the data (evidence, not proof of causation).

    Exit 1 when a link is contradicted (or the project has errors), else 0.
    """
    from metriclang.verify import verify_path
    from metriclang.verify.render import render

    _period(date_from, date_to)
    with progress_bar(fmt == "text") as progress:
        report = verify_path(path, db, date_from, date_to, alpha, timeout, progress)
    click.echo(render(report, fmt), nl=False)
    failed = bool(report.contradicted) or any(
        d.severity == Severity.ERROR for d in report.diagnostics if not d.suppressed)
    sys.exit(1 if failed else 0)


@main.command()
@PATH
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Directory to write the site to (replaced atomically).")
@click.option("--format", "fmt", type=click.Choice(("html", "markdown")), default="html",
              show_default=True)
@click.option("--dialect", "dialects", multiple=True,
              type=click.Choice(OUTPUT_DIALECTS),
              help="SQL dialect shown on measure pages (repeatable; default: all).")
@click.option("--no-sql", is_flag=True, help="Leave SQL out of measure pages (faster).")
@_day_option("--today", help="Date to measure lag chains from (C207).")
@click.option("--evidence", is_flag=True,
              help="Add `osm verify` evidence from the warehouse to the measure pages.")
@click.option("--db", help="Warehouse URL: show the measures' values (charts, statuses) "
              "and take --evidence from it (default for --values and --evidence: "
              "$OSM_DB_URL, else `warehouse` in metriclang.toml).")
@click.option("--values", "with_values", is_flag=True,
              help="Show the measures' values from the project's warehouse (as --db).")
@_day_option("--as-of", "as_of", help="Judge the values' periods complete as of this day.")
@_day_option("--from", "date_from", help="First day of history for --evidence.")
@_day_option("--to", "date_to", help="Last day of history for --evidence.")
def docs(path: Path, out: Path, fmt: str, dialects: tuple[str, ...], no_sql: bool,
         today: date | None, evidence: bool, db: str | None, with_values: bool,
         as_of: date | None, date_from: date | None, date_to: date | None) -> None:
    """Write the documentation site of the project at PATH to --out."""
    from metriclang.docgen.evidence import EvidenceOptions, summary
    from metriclang.docgen.site import build_site
    from metriclang.docgen.values import ValuesOptions

    if no_sql and dialects:
        raise UsageError("--no-sql and --dialect exclude each other")
    if not evidence and (date_from or date_to):
        raise UsageError("--from and --to go with --evidence")
    show = with_values or db is not None
    if as_of and not show:
        raise UsageError("--as-of goes with --db or --values")
    _period(date_from, date_to)
    chosen = () if no_sql else dialects or OUTPUT_DIALECTS
    options = EvidenceOptions(db, date_from, date_to) if evidence else None
    values = ValuesOptions(db, as_of) if show else None
    with progress_bar() as progress:
        result = build_site(path, out, fmt, today, chosen, options, progress, values)
    errors = result.diagnostics.count(Severity.ERROR)
    click.echo(f"wrote {result.pages} pages to {out}"
               + (f" ({errors} error{'s' * (errors != 1)} in the project)" if errors else ""),
               err=True)
    if evidence:
        click.echo(f"evidence: {summary(result.evidence)}" if result.evidence else
                   "evidence left out: the project has errors", err=True)
    failed = False
    if result.values is not None:
        for note in result.values.notes:
            click.echo(note, err=True)
        failed = bool(result.values.notes) and not result.values.series
    elif show:
        click.echo("values left out: the project has errors", err=True)
    sys.exit(1 if errors or failed else 0)


@main.command("run")
@click.argument("args", nargs=-1, metavar="[PATH] [MEASURE]")
@click.option("--all", "run_all", is_flag=True, help="Compute every measure of the project.")
@click.option("--db", help="Warehouse URL: duckdb:///FILE, postgresql://USER:PW@HOST:PORT/DB or "
              "spark://local[2] (default: $OSM_DB_URL, else `warehouse` in metriclang.toml).")
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "json")), default="table",
              show_default=True)
@_day_option("--from", "date_from", help="First day to compute.")
@_day_option("--to", "date_to", help="Last day to compute.")
@_day_option("--as-of", "as_of", help=AS_OF_HELP)
@LIMIT
@TIMEOUT
def run_command(args: tuple[str, ...], run_all: bool, db: str | None, fmt: str,
                date_from: date | None, date_to: date | None, as_of: date | None,
                limit: int | None, timeout: float) -> None:
    """Compute MEASURE (or every measure with --all) of PATH (default: .) on a warehouse.

    The example projects' DuckDB file is generated from data/generate.py on first use.
    Measures without errors are computed even when others have some; exit 1 when the
    project has errors or a query fails (also: runs past --timeout).
    """
    from metriclang.report.results import to_csv, to_json, to_table
    from metriclang.report.text import render_one
    from metriclang.warehouse.compute import compute

    _period(date_from, date_to)
    if run_all and len(args) == 1:
        path, names = Path(args[0]), list[str]()
    else:
        path, names = _split(args, 1)
    measure = names[0] if names else None
    if run_all == (measure is not None):
        raise UsageError("give either a MEASURE or --all" + _as_path(args))
    if measure is not None and len(args) == 1:
        click.echo(f"note: computing measure `{measure}` of the project in . (PATH omitted; "
                   f"`osm run PATH {measure}` for another project)", err=True)
    with progress_bar(run_all and fmt != "json") as progress:
        computed = compute(path, measure, db, date_from, date_to, timeout, progress,
                           as_of, limit)
    for notice in computed.notices:
        click.echo(notice if isinstance(notice, str) else render_one(computed.project, notice),
                   err=True)
    if computed.results:
        single = not run_all
        text = (to_table(computed.results, _color(sys.stdout)) if fmt == "table" else
                to_json(computed.results, single) if fmt == "json" else
                to_csv(computed.results, single))
        click.echo(text, nl=False)
    sys.exit(1 if computed.failed else 0)


def _problems(project: object, problems: object) -> None:
    """Print diagnostics (no summary line) to stderr."""
    from metriclang.diagnostics import DiagnosticSet
    from metriclang.report.text import render_one

    items = DiagnosticSet.of(problems).items  # type: ignore[arg-type]
    color = _color(sys.stderr)
    click.echo("\n\n".join(render_one(project, d, color) for d in items),  # type: ignore[arg-type]
               err=True)


def _loaded_for_sql(path: Path) -> Project:
    """Load a project for SQL generation; errors in it are reported and exit 1."""
    from metriclang.load import load_project

    loaded = load_project(path)
    if loaded.diagnostics.has_errors:
        _problems(loaded.project, [d for d in loaded.diagnostics.active()
                                   if d.severity is Severity.ERROR])
        sys.exit(1)
    return loaded.project


def _dialect_choice(with_all: bool) -> click.Choice[str]:
    from metriclang.dialects import OUTPUT_DIALECTS

    return click.Choice((*OUTPUT_DIALECTS, "all") if with_all else OUTPUT_DIALECTS)


@main.command("sql")
@click.argument("args", nargs=-1, required=True, metavar="[PATH] MEASURE")
@click.option("--dialect", type=_dialect_choice(False), default=None,
              help="Output SQL dialect (default: the project's dialect, else duckdb).")
@_day_option("--from", "date_from", help="First period to include.")
@_day_option("--to", "date_to", help="Last period to include.")
@click.option("--plan", "show_plan", is_flag=True,
              help="Print the dialect-free plan (JSON) instead of the SQL.")
def sql_command(args: tuple[str, ...], dialect: str | None, date_from: date | None,
                date_to: date | None, show_plan: bool) -> None:
    """Print the SQL of one MEASURE of the project at PATH (default: .)."""
    from metriclang.dialects import OUTPUT_DIALECTS
    from metriclang.errors import did_you_mean
    from metriclang.sqlgen import compile_sql

    _period(date_from, date_to)
    path, names = _split(args, 1)
    if not names:
        raise UsageError("give a MEASURE")
    measure = names[0]
    project = _loaded_for_sql(path)
    if measure not in project.measures:
        hint = did_you_mean(measure, project.measures)
        raise UsageError(f"unknown measure `{measure}`" + (f"; {hint}" if hint else ""))
    if dialect is None:
        configured = project.config.dialect
        dialect = configured if configured in OUTPUT_DIALECTS else "duckdb"
    if show_plan:
        from metriclang.sqlgen.plan import dump_plan, plan_measure

        plan, problems = plan_measure(project, measure)
        if plan is None:
            _problems(project, problems)
            sys.exit(1)
        click.echo(dump_plan(plan, dialect), nl=False)
        return
    text, found = compile_sql(project, measure, dialect, date_from=date_from, date_to=date_to)
    if text is None:
        _problems(project, found)
        sys.exit(1)
    click.echo(text, nl=False)


@main.command("compile")
@PATH
@click.option("--dialect", "dialect", type=_dialect_choice(True), required=True,
              help="Output dialect, or `all` for every one.")
@click.option("--out", "out", type=click.Path(path_type=Path), default=Path("build/sql"),
              show_default=True, help="Output directory (replaced atomically).")
@click.option("--fused", is_flag=True,
              help="Also write one query per source, grain and dimensions computing all its "
                   "simple measures in one scan.")
@click.option("--jobs", "jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1,
              show_default="the number of cores",
              help="Processes compiling dialects side by side (1: in this process); the "
                   "output is the same.")
def compile_command(path: Path, dialect: str, out: Path, fused: bool, jobs: int) -> None:
    """Write every measure's SQL per dialect, with a manifest.json.

    A compile again renders only the queries whose measure or sources changed: the others
    come from the previous compile's results, kept in the cache directory
    (METRICLANG_NO_CACHE=1 renders every query)."""
    from metriclang.atomic import checked_ahead, output_dir
    from metriclang.dialects import OUTPUT_DIALECTS
    from metriclang.sqlgen.output import MANIFEST, compile_project

    dialects = OUTPUT_DIALECTS if dialect == "all" else (dialect,)
    try:
        # Refused before the work (checked while the project loads); the files go to a
        # temporary sibling, swapped in at the end.
        with checked_ahead(out, MANIFEST, "compile") as replaceable:
            project = _loaded_for_sql(path)
            checked = replaceable()
        with output_dir(out, MANIFEST, "compile", checked=checked) as tmp:
            with progress_bar() as progress:
                compiled = compile_project(project, dialects, fused, jobs, progress, into=tmp,
                                           root=path)
            if compiled.diagnostics:
                _problems(project, compiled.diagnostics)
            if compiled.failed:
                click.echo(f"error: nothing written; {out} is unchanged", err=True)
                sys.exit(1)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc}") from exc
    click.echo(f"wrote {len(compiled.files)} files for {len(dialects)} dialect(s) to {out}")


def _converted(converted: object, out: Path, command: str, fmt: str, strict: bool) -> None:
    """Print the loss report; write ``out`` unless ``--strict`` found losses (exit 1)."""
    from metriclang.interop.losses import report
    from metriclang.interop.output import Converted, write

    assert isinstance(converted, Converted)
    click.echo(report(converted.losses, fmt), err=True, nl=False)
    if strict and converted.losses:
        click.echo(f"error: --strict and something was lost; {out} is unchanged", err=True)
        sys.exit(1)
    try:
        write(out, converted, command)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc}") from exc
    click.echo(f"wrote {len(converted.files)} files to {out}")


@main.command("export")
@PATH
@click.option("--to", "to", type=click.Choice(EXPORTS), required=True,
              help="The semantic layer to write.")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True,
              help="Output directory (replaced atomically).")
@click.option("--strict", is_flag=True, help="Exit 1, writing nothing, when anything is lost.")
def export_command(path: Path, to: str, out: Path, strict: bool) -> None:
    """Write the project at PATH as another semantic layer's files, with a loss report."""
    from metriclang.api import export
    from metriclang.atomic import ensure_replaceable
    from metriclang.interop.output import MANIFEST

    ensure_replaceable(out, MANIFEST, "export")
    _converted(export(_loaded_for_sql(path), to), out, "export", to, strict)


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--from", "source", type=click.Choice(IMPORTS), required=True,
              help="The semantic layer the files are written for.")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True,
              help="Output directory for the .osm files (replaced atomically).")
@click.option("--strict", is_flag=True, help="Exit 1, writing nothing, when anything is lost.")
def import_command(paths: tuple[Path, ...], source: str, out: Path, strict: bool) -> None:
    """Write .osm files and a metriclang.toml for FILES_OR_DIRS of another semantic layer;
    the result is then checked (exit 1 on errors)."""
    from metriclang.api import import_files
    from metriclang.atomic import ensure_replaceable
    from metriclang.interop.output import MANIFEST
    from metriclang.load import load_project

    ensure_replaceable(out, MANIFEST, "import")
    _converted(import_files(paths, source), out, "import", ".osm", strict)
    loaded = load_project(out)
    errors = [d for d in loaded.diagnostics.active() if d.severity is Severity.ERROR]
    if errors:
        _problems(loaded.project, errors)
        sys.exit(1)


@main.command("query")
@click.argument("args", nargs=-1, required=True, metavar="[PATH] MEASURE...")
@click.option("--by", "by", multiple=True, metavar="DIM",
              help="Group by this dimension (repeat for several; `customer.segment`).")
@click.option("--grain", type=click.Choice(("day", "week", "month", "quarter", "year")),
              help="Period grain (default: the finest grain every measure allows).")
@click.option("--where", "where", metavar="COND",
              help="A SQL condition over dimensions, applied to every measure's rows.")
@_day_option("--from", "date_from", help="First period to include.")
@_day_option("--to", "date_to", help="Last period to include.")
@click.option("--compare", type=click.Choice(("previous_period", "previous_year")),
              help="Add MEASURE__previous and MEASURE__change (relative change) columns.")
@click.option("--order", metavar="COL[ desc]", help="Order rows by this output column first.")
@LIMIT
@_day_option("--as-of", "as_of", help=AS_OF_HELP)
@click.option("--db", help="Warehouse URL (default: $OSM_DB_URL, else `warehouse` in "
              "metriclang.toml).")
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "json")), default="table",
              show_default=True)
@click.option("--sql", "show_sql", is_flag=True, help="Print the query instead of running it.")
@click.option("--dialect", type=_dialect_choice(False), default=None,
              help="Dialect of --sql (default: the project's dialect, else duckdb).")
@TIMEOUT
def query_command(args: tuple[str, ...], by: tuple[str, ...], grain: str | None,
                  where: str | None, date_from: date | None, date_to: date | None,
                  compare: str | None, order: str | None, limit: int | None,
                  as_of: date | None, db: str | None, fmt: str, show_sql: bool,
                  dialect: str | None, timeout: float) -> None:
    """Ask MEASUREs of PATH (default: .) by dimensions, at a grain, filtered, compared.

    Columns: period, each --by dimension (`.` written `__`), each measure (see docs/query.md).
    Exit 1 when the project or the query has errors or the query fails.
    """
    from metriclang import api
    from metriclang.report.results import to_csv, to_rows_json, to_table
    from metriclang.warehouse.result import Named, Result

    _period(date_from, date_to)
    path, measures = _split(args)
    if dialect is not None and not show_sql:
        raise UsageError("--dialect goes with --sql")
    if as_of is not None and show_sql:
        raise UsageError("--as-of goes with running the query, not with --sql")
    project = _loaded_for_sql(path)
    options = {"by": by, "grain": grain, "where": where, "date_from": date_from,
               "date_to": date_to, "compare": compare, "order": order, "limit": limit}
    if show_sql:
        click.echo(api.query_sql(project, measures, dialect=dialect, **options),  # type: ignore[arg-type]
                   nl=False)
        return
    got = api.query(project, measures, db=db, timeout=timeout, as_of=as_of,
                    **options)  # type: ignore[arg-type]
    for note in got.notes:
        click.echo(note, err=True)
    result = Result(got.columns, got.rows)
    click.echo(to_table([Named(", ".join(measures), None, result, got.coverage)],
                        _color(sys.stdout))
               if fmt == "table" else to_rows_json(result, got.coverage) if fmt == "json" else
               to_csv([Named("", None, result)], True), nl=False)


@main.command("status")
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option("--db", help="Warehouse URL (default: $OSM_DB_URL, else `warehouse` in "
              "metriclang.toml).")
@_day_option("--as-of", "as_of", help="The data is complete up to this day's midnight "
             "(default: its last event).")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text",
              show_default=True)
@TIMEOUT
def status_command(path: Path, db: str | None, as_of: date | None, fmt: str,
                   timeout: float) -> None:
    """Where each measure of PATH (default: .) stands: the objective tree with each
    measure's latest complete period, value, change, target, status and sparkline.

    Exit 0 once it has reported (it does not judge); 1 when the project has errors or no
    measure could be computed; see docs/status.md.
    """
    from metriclang import api
    from metriclang.report.status import to_json, to_text
    from metriclang.warehouse.result import EngineError

    project = _loaded_for_sql(path)
    try:
        got = api.status(project, as_of=as_of, db=db, timeout=timeout)
    except Unreachable:
        raise
    except EngineError as exc:  # no measure computed
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for note in got.notes:
        click.echo(note, err=True)
    click.echo(to_json(got.as_of, got.measures) if fmt == "json" else
               to_text(project, got.measures, _color(sys.stdout)), nl=False)


@main.command("ls")
@click.argument("path", required=False, default=Path("."), type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text",
              show_default=True)
def ls_command(path: Path, fmt: str) -> None:
    """List the measures of PATH (default: .): kind, grain, dimensions, owner, stage."""
    from metriclang import api
    from metriclang.report.catalog import listing, listing_json

    infos = api.measures(_loaded_for_sql(path))
    click.echo(listing(infos) if fmt == "text" else listing_json(infos), nl=False)


@main.command("show")
@click.argument("args", nargs=-1, required=True, metavar="[PATH] MEASURE")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text",
              show_default=True)
def show_command(args: tuple[str, ...], fmt: str) -> None:
    """Everything about one MEASURE of PATH (default: .), with what drives it, what it
    drives and the measures whose formulas use it."""
    from metriclang import api
    from metriclang.report.catalog import details, details_json

    path, names = _split(args, 1)
    if not names:
        raise UsageError("give a MEASURE")
    info = api.describe(_loaded_for_sql(path), names[0])
    click.echo(details(info) if fmt == "text" else details_json(info), nl=False)


@main.command("rules")
def rules_command() -> None:
    """List every rule code with its default severity and summary."""
    from metriclang.rules.docs import table

    click.echo(table(), nl=False)


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print the documentation page of a rule CODE (or its name, e.g. drives-cycle)."""
    from metriclang.errors import did_you_mean
    from metriclang.rules.docs import page
    from metriclang.rules.registry import DOCUMENTED, by_code

    rule = by_code(code) or next((r for r in DOCUMENTED if r.name == code.lower()), None)
    if rule is None:
        hint = did_you_mean(code.upper(), [r.code for r in DOCUMENTED]) or "see `osm rules`"
        raise UsageError(f"no rule `{code}`: {hint}")
    click.echo(page(rule), nl=False)


@main.command()
@PATH
@click.option("--format", "fmt", type=click.Choice(("mermaid", "dot", "json")),
              default="mermaid", show_default=True)
def graph(path: Path, fmt: str) -> None:
    """Draw the objective tree and the causal graph of the project at PATH.

    Leading and lagging measures are styled apart; `drives` edges in a cycle or on a
    sign-conflicting chain are highlighted. Exits 1 (and draws nothing) when the project
    does not load without errors.
    """
    from metriclang.load import load_project
    from metriclang.report import graph as graph_report
    from metriclang.report import text

    loaded = load_project(path)
    if loaded.diagnostics.has_errors:
        click.echo(text.render(loaded.project, loaded.diagnostics, _color(sys.stderr)),
                   err=True, nl=False)
        sys.exit(1)
    click.echo(graph_report.render(loaded.project, fmt), nl=False)


@main.command("diff")
@click.argument("old")
@click.argument("new", required=False)
@click.option("--project", "project", type=click.Path(path_type=Path), default=Path("."),
              show_default=True, help="The project directory (inside the repository for "
              "revisions; the NEW side when NEW is not given).")
@click.option("--format", "fmt", type=click.Choice(("text", "json", "markdown")),
              default="text", show_default=True)
@click.option("--fail-on", "fail_on", type=click.Choice(("breaking", "any", "never")),
              default="never", show_default=True,
              help="Exit 1 on breaking changes, on any change in meaning, or never.")
@click.option("--run", "run", is_flag=True,
              help="Compute changed measures old versus new on the warehouse.")
@click.option("--periods", type=click.IntRange(min=1), default=6, show_default=True,
              help="How many of the latest periods --run shows.")
@click.option("--db", help="Warehouse URL for --run (default: $OSM_DB_URL, else `warehouse` "
              "in metriclang.toml).")
@_day_option("--today", help="Date to measure lag chains from (C207).")
@TIMEOUT
def diff_command(old: str, new: str | None, project: Path, fmt: str, fail_on: str, run: bool,
                 periods: int, db: str | None, today: date | None, timeout: float) -> None:
    """Compare the meaning of two versions of a project.

    OLD and NEW are directories or git revisions; `main` compares the revision with the
    project on disk, `main..HEAD` two revisions, `main...HEAD` HEAD with its merge base.
    Revisions are read with git into a temporary directory; the working tree is not touched.
    """
    from contextlib import ExitStack

    from metriclang.diff import diff_sides, failed, measures_to_run, run_measures
    from metriclang.diff.report import RENDERERS
    from metriclang.diff.run import MeasureRun
    from metriclang.diff.sides import resolve_sides

    with ExitStack() as stack:
        old_side, new_side = resolve_sides(old, new, project, stack)
        result, before, after = diff_sides(old_side, new_side, today)
        runs: tuple[MeasureRun, ...] = ()
        if run and measures_to_run(result):
            runs, note = run_measures(before, after, project, db, measures_to_run(result),
                                      periods, timeout)
            if note:
                click.echo(note, err=True)
    click.echo(RENDERERS[fmt](result, runs), nl=False)
    sys.exit(1 if failed(result, fail_on) else 0)


@main.command("lsp")
def lsp_command() -> None:
    """Run the language server over stdio, for an editor to start (see docs/editor.md).

    The project is the editor's workspace folder.
    """
    try:
        from metriclang.lsp.server import serve
    except ImportError as exc:
        raise UsageError(f"osm lsp needs the pygls package ({exc}): "
                         "pip install 'metriclang[lsp]'") from None
    serve()


@main.command("mcp")
@PATH
@click.option("--db", help="Warehouse URL (default: $OSM_DB_URL, else `warehouse` in "
              "metriclang.toml).")
@click.option("--transport", type=click.Choice(("stdio", "http")), default="stdio",
              show_default=True, help="stdio for a client that starts the server; http for "
              "streamable HTTP at /mcp.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="Port of --transport http.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address of --transport http; anything but loopback exposes the project.")
@click.option("--max-rows", type=click.IntRange(min=1), default=1000, show_default=True,
              help="The most rows one `query` call returns.")
@TIMEOUT
def mcp_command(path: Path, db: str | None, transport: str, port: int, host: str,
                max_rows: int, timeout: float) -> None:
    """Serve the measures of PATH to AI agents over the Model Context Protocol (read-only).

    Tools: list_measures, describe_measure, get_drivers, get_sql, query, check_project,
    verify_links; resources osm://measure/NAME (see docs/agents.md).
    """
    from metriclang.load import project_files

    project_files(path)
    try:
        from metriclang.mcp.server import serve
        from metriclang.mcp.tools import Tools
    except ImportError as exc:
        raise UsageError(f"osm mcp needs the mcp package ({exc}): "
                         "pip install 'metriclang[mcp]'") from None
    serve(Tools(path.resolve(), db, timeout, max_rows), transport, host, port)


#: Libraries whose objects hold a warehouse (files, sockets, a JVM): closed by a full exit.
_ENGINES = ("duckdb", "psycopg", "pyspark")


def run() -> None:
    """The ``osm`` command: :func:`main`, then, when no warehouse library was loaded, a quick
    exit: the at-exit work done (cache entries, after the report) and the output flushed, the
    process ends without freeing its objects one by one (0.4 s after compiling 10,000
    measures). Otherwise, and on an error escaping ``main``, the usual exit."""
    import atexit

    try:
        main()
        status: str | int | None = 0
    except SystemExit as exc:
        status = exc.code
    if any(name in sys.modules for name in _ENGINES):
        sys.exit(status)
    if status is None:
        status = 0
    elif not isinstance(status, int):  # as Python's exit does with a message
        print(status, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed, or a pipe the reader left
            pass
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    run()
