"""``osm compile``: every measure's SQL per dialect (or fused per source), written atomically.

Layout of the output directory::

    <dialect>/<measure>.sql           one query per measure (the output contract)
    <dialect>/fused/<group>.sql       with --fused: one query per source, grain and dimensions
    manifest.json                     measures, dialects, output columns, sha256 of every file

Files are written into a temporary sibling directory that then replaces ``out``; a run that
fails (any measure that can't be compiled) leaves the previous output untouched. ``out`` is
replaced only when it is osm's own previous output (:func:`metriclang.atomic.ensure_replaceable`).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from metriclang.atomic import output_dir, ownership, write_manifest
from metriclang.diagnostics import Diagnostic, Severity
from metriclang.progress import SILENT, Progress
from metriclang.semantic.model import Project
from metriclang.sqlgen import compile_fused, compile_sql, output_columns
from metriclang.sqlgen.plan import Strategy, plan_measure

MANIFEST = "manifest.json"
#: Codes meaning "this dialect can't express this measure": compiling several dialects, the
#: file is left out with a W182 warning; compiling one, they are errors like any other.
DIALECT_LIMITS = frozenset({"E182", "E185"})


def left_out(d: Diagnostic, measure: str, dialect: str) -> Diagnostic:
    """W182: the dialect limit ``d`` (E182, E185) when compiling several dialects."""
    return replace(d, code="W182", severity=Severity.WARNING,
                   message=f"measure `{measure}` left out of {dialect}: {d.message} ({d.code})")


@dataclass(frozen=True)
class Compiled:
    """All generated files (relative path -> SQL) and the problems found."""

    files: tuple[tuple[str, str], ...]
    manifest: str
    diagnostics: tuple[Diagnostic, ...]

    @property
    def failed(self) -> bool:
        """True when a measure could not be compiled for a reason other than its dialect."""
        return any(d.severity is Severity.ERROR for d in self.diagnostics)


def fusable_groups(project: Project) -> dict[str, tuple[str, ...]]:
    """Measures computable in one scan, by ``<source>.<grain>[.<dims>]`` group name.

    A measure fuses when its formula only aggregates one source per period (no window,
    cumulative, conversion or range leaves); its group is that source, grain and dimensions.
    """
    groups: dict[str, list[str]] = {}
    for name in sorted(project.measures):
        plan, problems = plan_measure(project, name)
        if plan is None or problems or len(plan.sources) != 1:
            continue
        if any(leaf.strategy is not Strategy.PERIOD for leaf in plan.leaves):
            continue
        key = ".".join((plan.sources[0], plan.grain, *plan.dimensions))
        groups.setdefault(key, []).append(name)
    return {k: tuple(v) for k, v in sorted(groups.items())}


#: Queries (measures x dialects) from which ``compile_project`` renders dialects in parallel.
PARALLEL_FROM = 4000
#: The project the forked workers render (set in the parent just before the fork).
_SHARED: list[Project] = []

_Rendered = tuple[tuple[str, str | None, tuple[Diagnostic, ...]], ...]


def _render_dialect(dialect: str, progress: Progress = SILENT) -> _Rendered:
    """Every measure of the shared project in one dialect (a worker's task)."""
    project = _SHARED[0]
    return tuple((n, *compile_sql(project, n, dialect))
                 for n in progress.track(sorted(project.measures), f"compile {dialect}"))


def _render_all(
    project: Project, dialects: tuple[str, ...], workers: int | None, progress: Progress
) -> list[_Rendered]:
    """Per dialect, every measure's SQL: one process per core for large projects, same output."""
    if workers is None:
        big = len(project.measures) * len(dialects) >= PARALLEL_FROM
        workers = min(os.cpu_count() or 1, len(dialects)) if big else 1
    _SHARED[:] = [project]
    try:
        if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            return [_render_dialect(d, progress) for d in dialects]
        with multiprocessing.get_context("fork").Pool(workers) as pool:  # a bar per dialect
            done = pool.imap(_render_dialect, dialects, chunksize=1)
            return [r for _, r in progress.track(zip(dialects, done, strict=True), "compile",
                                                 len(dialects), lambda x: x[0])]
    finally:
        _SHARED.clear()


def compile_project(
    project: Project, dialects: Iterable[str], fused: bool = False, workers: int | None = None,
    progress: Progress = SILENT,
) -> Compiled:
    """Every measure's SQL in each dialect (plus fused queries), and the manifest.

    ``workers``: processes rendering dialects side by side (default: one per core when the
    project is large, else 1); the result does not depend on it. ``progress`` shows the
    measure (with several workers, the dialect) being compiled.
    """
    files: list[tuple[str, str]] = []
    problems: list[Diagnostic] = []
    skipped: dict[str, dict[str, str]] = {}
    dialects = tuple(dialects)
    measures = sorted(project.measures)
    several = len(dialects) > 1
    for dialect, rendered in zip(dialects, _render_all(project, dialects, workers, progress),
                                  strict=True):
        for name, sql, diags in rendered:
            limits = [d for d in diags if several and d.code in DIALECT_LIMITS]
            for d in limits:
                skipped.setdefault(dialect, {})[name] = f"{d.code} {d.message}"
            problems += [left_out(d, name, dialect) for d in limits]
            problems += [d for d in diags if d not in limits]
            if sql is not None:
                files.append((f"{dialect}/{name}.sql", sql))
    groups = fusable_groups(project) if fused else {}
    fused_manifest: dict[str, dict[str, dict[str, list[str]]]] = {}
    for dialect in dialects:
        for group, names in groups.items():
            # A measure this dialect can't express stays out of its fused query (warned above).
            names = tuple(n for n in names if n not in skipped.get(dialect, {}))
            if not names:
                continue
            sql, diags = compile_fused(project, names, dialect)
            problems += [d for d in diags if d.code not in DIALECT_LIMITS]
            if sql is not None:
                files.append((f"{dialect}/fused/{group}.sql", sql))
                fused_manifest.setdefault(dialect, {})[group] = {
                    "measures": list(names),
                    "columns": ["period", *_dims(project, names), *names],
                }
    manifest = {
        "dialects": list(dialects),
        "measures": {
            n: {"columns": list(output_columns(project, n)), "grain": project.measures[n].grain}
            for n in measures
        },
        "fused": fused_manifest,
        "skipped": skipped,
        **ownership({path: hashlib.sha256(sql.encode()).hexdigest() for path, sql in files}),
    }
    text = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    return Compiled(tuple(sorted(files)), text, tuple(problems))


def _dims(project: Project, names: tuple[str, ...]) -> tuple[str, ...]:
    from metriclang.semantic.joins import column_name

    return tuple(map(column_name, project.measures[names[0]].dimensions))


def write_atomically(out: Path, compiled: Compiled) -> None:
    """Write into a temporary sibling directory, then swap it in place of ``out``.

    Only a previous output of ``osm compile`` (proved by its manifest) or an empty directory
    is replaced, checked again just before the swap; anything else is a :class:`UsageError`.
    """
    with output_dir(out, MANIFEST, "compile") as tmp:
        for rel, sql in compiled.files:
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(sql, encoding="utf-8")
        write_manifest(tmp / MANIFEST, compiled.manifest)
