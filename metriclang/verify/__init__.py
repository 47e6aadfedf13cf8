"""``osm verify``: test the declared causal links against warehouse data.

Public API:

* :func:`verify_path` — load a project, fetch its series, verify (what the CLI runs);
* :func:`verify_project` — the same for a project already loaded (the docs site);
* :func:`~metriclang.verify.runner.verify` — the pure core on series already in memory;
* :func:`~metriclang.verify.runner.measure_evidence` — one measure's evidence and SVG charts
  for its docs page.

numpy, scipy and statsmodels are imported lazily, inside the functions that need them, so
``osm check`` never pays for them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from metriclang.progress import SILENT, Progress
from metriclang.semantic.model import Project
from metriclang.verify.evidence import ALPHA, CAVEAT, NEXT_STEPS, VERDICTS
from metriclang.verify.result import LinkResult, MeasureEvidence, Report, Signal
from metriclang.verify.runner import measure_evidence, verify
from metriclang.verify.series import Series

__all__ = ["ALPHA", "CAVEAT", "NEXT_STEPS", "VERDICTS", "LinkResult", "MeasureEvidence",
           "Report", "Series", "Signal", "measure_evidence", "verify", "verify_path",
           "verify_project"]


def verify_path(path: str | Path, db: str | None = None, date_from: date | None = None,
                date_to: date | None = None, alpha: float = ALPHA,
                timeout: float | None = None, progress: Progress = SILENT) -> Report:
    """Verify the project at ``path`` on the warehouse ``db`` (else the configured one).

    A project with errors is not verified: the report then holds only its diagnostics.
    Raises :class:`~metriclang.errors.UsageError` when no warehouse can be opened.
    """
    from metriclang.diagnostics import Severity
    from metriclang.load import load_project

    loaded = load_project(path)
    errors = tuple(d for d in loaded.diagnostics
                   if d.severity == Severity.ERROR and not d.suppressed)
    if errors:
        return Report((), (), alpha, errors, date_from, date_to)
    return verify_project(loaded.project, db, date_from, date_to, alpha, timeout, progress)


def verify_project(project: Project, db: str | None = None, date_from: date | None = None,
                   date_to: date | None = None, alpha: float = ALPHA,
                   timeout: float | None = None, progress: Progress = SILENT) -> Report:
    """Verify a loaded project (for callers that already hold one, such as the docs site).

    Every measure is fetched (vanity signals look at all of them, linked or not). The
    warehouse is chosen as for ``osm run`` (:func:`metriclang.warehouse.urls.choose`): ``db``,
    ``$OSM_DB_URL``, then the project's (a demo project's data is generated on first use).
    """
    from dataclasses import replace

    from metriclang.errors import UsageError
    from metriclang.verify.warehouse import fetch_series
    from metriclang.warehouse import opened
    from metriclang.warehouse.result import EngineError

    try:
        with opened(project, db, timeout) as (engine, _):
            fetched = fetch_series(project, engine, sorted(project.measures), date_from, date_to,
                                   progress)
    except EngineError as exc:
        raise UsageError(str(exc)) from None
    report = verify(project, fetched.series, alpha, fetched.missing, progress)
    diagnostics = tuple(sorted(set(fetched.diagnostics), key=lambda d: d.sort_key))
    return replace(report, diagnostics=diagnostics, date_from=date_from, date_to=date_to)
