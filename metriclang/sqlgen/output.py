"""``osm compile``: every measure's SQL per dialect (or fused per source), written atomically.

Layout of the output directory::

    <dialect>/<measure>.sql           one query per measure (the output contract)
    <dialect>/fused/<group>.sql       with --fused: one query per source, grain and dimensions
    manifest.json                     measures, dialects, output columns, sha256 of every file

The command compiles into the temporary sibling of :func:`metriclang.atomic.output_dir`
(``compile_project(into=...)``: each worker writes its dialects' files), which then replaces
``out``; a run that fails (any measure that can't be compiled) or is interrupted leaves the
previous output untouched. ``out`` is replaced only when it is osm's own previous output
(:func:`metriclang.atomic.ensure_replaceable`).
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import signal
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field, replace
from functools import cache, partial
from pathlib import Path

from metriclang.atomic import Signature, ownership, signals_held, signed, write_manifest, write_new
from metriclang.diagnostics import Diagnostic, Severity
from metriclang.forked import forked_map
from metriclang.gcpause import fewer_collections
from metriclang.progress import SILENT, Progress
from metriclang.semantic.model import Project
from metriclang.sqlgen import compile_fused, compile_planned, output_columns, sqlcache
from metriclang.sqlgen.plan import MeasurePlan, Strategy, plan_measure

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


#: A measure's plan, or why it has none (``plan_measure``'s result), by measure name.
Plans = dict[str, tuple[MeasurePlan | None, list[Diagnostic]]]


def fusable_groups(project: Project, plans: Plans | None = None) -> dict[str, tuple[str, ...]]:
    """Measures computable in one scan, by ``<source>.<grain>[.<dims>]`` group name.

    A measure fuses when its formula only aggregates one source per period (no window,
    cumulative, conversion or range leaves); its group is that source, grain and dimensions.
    ``plans``: the measures' plans when already made.
    """
    if plans is None:
        plans = {n: plan_measure(project, n) for n in project.measures}
    groups: dict[str, list[str]] = {}
    for name in sorted(project.measures):
        plan, problems = plans[name]
        if plan is None or problems or len(plan.sources) != 1:
            continue
        if any(leaf.strategy is not Strategy.PERIOD for leaf in plan.leaves):
            continue
        key = ".".join((plan.sources[0], plan.grain, *plan.dimensions))
        groups.setdefault(key, []).append(name)
    return {k: tuple(v) for k, v in sorted(groups.items())}


#: Dialects by their rendering cost, heaviest first (``bench/README.md``): workers take the
#: heavy ones first, so the last task left running is a light one.
BY_COST = ("tsql", "mysql", "redshift", "bigquery", "trino", "postgres", "databricks",
           "snowflake", "duckdb", "spark")


@dataclass(frozen=True)
class _Work:
    """What the forked workers render (set in the parent before the fork): the project, its
    plans and, when a previous compile kept texts (``sqlcache``), the project's path and the
    measures' digests."""

    project: Project
    plans: Plans
    root: Path | None = None
    digests: Mapping[str, bytes] = field(default_factory=dict)
    #: Each plan's ``made_of(project)`` once made (in this process): every dialect's memo
    #: key and the digests start from it, and making it costs as much as a lookup in the
    #: kept texts.
    made: dict[int, tuple[object, ...]] = field(default_factory=dict, compare=False)

    def made_of(self, plan: MeasurePlan) -> tuple[object, ...]:
        """``plan.made_of(self.project)`` for one of :attr:`plans`, made once."""
        found = self.made.get(id(plan))
        if found is None:
            found = self.made[id(plan)] = plan.made_of(self.project)
        return found


_SHARED: list[_Work] = []

#: Each measure's name, SQL (None: none) and problems.
_Rendered = tuple[tuple[str, str | None, tuple[Diagnostic, ...]], ...]
#: Each file's path (relative to the output), sha256 and stat signature (None: not written).
_Files = tuple[tuple[str, str, Signature | None], ...]


def _render_dialect(dialect: str, into: Path | None = None,
                    progress: Progress = SILENT) -> tuple[str, _Rendered, _Files]:
    """Every measure of the shared project in one dialect (a text kept by the previous compile
    where its digest is unchanged), its files written under ``into`` when given (a worker's
    task), hashed for the manifest."""
    work = _SHARED[0]
    project, plans, digests = work.project, work.plans, work.digests
    known = sqlcache.kept(work.root, dialect) if work.root and digests else {}

    def compiled(name: str) -> sqlcache.Compiled:
        plan = plans[name][0]
        if known and plan is not None:
            found = sqlcache.found(known, plan, digests[name])
            if found is not None:
                return found
        return compile_planned(project, plans[name], dialect, made_of=work.made_of)

    rendered = tuple((n, *compiled(n))
                     for n in progress.track(sorted(plans), f"compile {dialect}"))
    texts = [(f"{dialect}/{name}.sql", sql) for name, sql, _ in rendered if sql is not None]
    if into is not None and texts:
        (into / dialect).mkdir()
    files = tuple((path, hashlib.sha256(sql.encode()).hexdigest(),
                   None if into is None else write_new(f"{into}/{path}", sql))
                  for path, sql in texts)
    return dialect, rendered, files


def _quiet_worker() -> None:
    """A worker leaves Ctrl-C to the parent, which stops the workers (no traceback per one),
    and keeps the collector off what it inherited (the project, the plans): its full passes
    then scan only the worker's own objects."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()


def _render_all(work: _Work, dialects: tuple[str, ...], workers: int, into: Path | None,
                progress: Progress, idle: Iterable[object] = (),
                ) -> dict[str, tuple[_Rendered, _Files]]:
    """Per dialect, every measure's SQL: in ``workers`` forked processes (a dialect each in
    turn; ``idle``: steps of other work this one takes while it waits for them) or in this
    one; the same result either way."""
    workers = min(workers, len(dialects))
    _SHARED[:] = [work]
    try:
        with fewer_collections():  # the forked workers inherit its threshold
            if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
                return {d: (r, f) for d, r, f in
                        (_render_dialect(d, into, progress) for d in dialects)}
            tasks = sorted(dialects, key=BY_COST.index)
            # Ctrl-C stops the workers, then is raised (after the block) as KeyboardInterrupt.
            with signals_held((signal.SIGINT,)) as caught:
                done = forked_map(partial(_render_dialect, into=into), tasks, workers,
                                  _quiet_worker, stop=lambda: bool(caught), idle=idle)
                with closing(done):
                    rendered = {d: (r, f) for d, r, f in
                                progress.track(done, "compile", len(tasks), lambda x: x[0])}
            if len(rendered) < len(tasks):  # stopped, and SIGINT's own handler did not raise
                raise KeyboardInterrupt
            return rendered
    finally:
        _SHARED.clear()


def compile_project(
    project: Project, dialects: Iterable[str], fused: bool = False, workers: int = 1,
    progress: Progress = SILENT, into: Path | None = None, root: Path | None = None,
) -> Compiled:
    """Every measure's SQL in each dialect (plus fused queries), and the manifest.

    ``workers``: processes rendering dialects side by side (forked; 1 renders in this
    process); the result does not depend on it. ``into``: a directory to write the files and
    the manifest into (each worker writes its dialect's files). ``progress`` shows the
    measure (with several workers, the dialect done) being compiled. ``root``: the project's
    path, under which the texts are kept for the next compile (:mod:`~metriclang.sqlgen.
    sqlcache`); the result does not depend on it either.
    """
    files: list[tuple[str, str]] = []
    problems: list[Diagnostic] = []
    skipped: dict[str, dict[str, str]] = {}
    dialects = tuple(dialects)
    measures = sorted(project.measures)
    several = len(dialects) > 1
    plans = {n: plan_measure(project, n) for n in measures}  # one plan serves every dialect
    work = _Work(project, plans)
    digests: dict[str, bytes] = {}
    steps = _digesting(work, digests)
    if root is not None and sqlcache.any_kept(root, dialects):
        for _ in steps:  # the kept texts are found by digest
            pass
        work = replace(work, root=root, digests=digests)
    # Without kept texts, the digests are needed only at exit: made while the workers render.
    rendered_by = _render_all(work, dialects, workers, into, progress,
                              steps if root is not None else ())
    if root is not None:
        _keep(work, root, {d: rendered for d, (rendered, _) in rendered_by.items()},
              digests, steps)
    hashes: dict[str, str] = {}
    signatures: dict[str, Signature] = {}
    for dialect in dialects:
        rendered, written = rendered_by[dialect]
        for path, sha256, signature in written:
            hashes[path] = sha256
            if signature is not None:
                signatures[path] = signature
        for name, sql, diags in rendered:
            limits = [d for d in diags if several and d.code in DIALECT_LIMITS]
            for d in limits:
                skipped.setdefault(dialect, {})[name] = f"{d.code} {d.message}"
            problems += [left_out(d, name, dialect) for d in limits]
            problems += [d for d in diags if d not in limits]
            if sql is not None:
                files.append((f"{dialect}/{name}.sql", sql))
    groups = fusable_groups(project, plans) if fused else {}
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
                path = f"{dialect}/fused/{group}.sql"
                files.append((path, sql))
                hashes[path] = hashlib.sha256(sql.encode()).hexdigest()
                fused_manifest.setdefault(dialect, {})[group] = {
                    "measures": list(names),
                    "columns": ["period", *_dims(project, names), *names],
                }
                if into is not None:
                    (into / dialect / "fused").mkdir(parents=True, exist_ok=True)
                    signatures[path] = write_new(f"{into}/{path}", sql)
    manifest = {
        "dialects": list(dialects),
        "measures": {
            n: {"columns": list(output_columns(project, n)), "grain": project.measures[n].grain}
            for n in measures
        },
        "fused": fused_manifest,
        "skipped": skipped,
        **ownership(hashes),
    }
    text = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if into is not None:
        signed(into, signatures)
        write_manifest(into / MANIFEST, text)
    return Compiled(tuple(sorted(files)), text, tuple(problems))


def _digesting(work: _Work, into: dict[str, bytes]) -> Iterator[None]:
    """Put the digest of each planned measure's query (``sqlcache.digests``) in ``into``, in
    steps of 64 measures (about 8 ms)."""
    known: dict[tuple[object, ...], bytes] = {}
    planned = [(name, plan) for name, (plan, _) in work.plans.items() if plan is not None]
    for start in range(0, len(planned), 64):
        part = planned[start:start + 64]
        into.update(sqlcache.digests(((n, work.made_of(plan)) for n, plan in part), known))
        yield


def _keep(work: _Work, root: Path, rendered_by: Mapping[str, _Rendered],
          digests: Mapping[str, bytes], steps: Iterator[None]) -> None:
    """Keep each dialect's results for the next compile of ``root``, at exit (``steps``: what
    is left of making ``digests``, taken then)."""

    @cache
    def digested() -> Mapping[str, bytes]:
        for _ in steps:
            pass
        return digests

    def results(rendered: _Rendered) -> sqlcache.Kept:
        kept: sqlcache.Kept = {}
        for name, sql, problems in rendered:
            plan = work.plans[name][0]
            if plan is not None:
                kept.update(sqlcache.keeping(plan, digested()[name], (sql, problems)))
        return kept

    for dialect, rendered in rendered_by.items():
        sqlcache.keep_at_exit(root, dialect, partial(results, rendered))


def _dims(project: Project, names: tuple[str, ...]) -> tuple[str, ...]:
    from metriclang.semantic.joins import column_name

    return tuple(map(column_name, project.measures[names[0]].dimensions))
