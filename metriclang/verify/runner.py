"""Verify a project's declared links against series already fetched (pure, no I/O).

``verify(project, {name: Series, ...})`` aligns each link's two series at the coarser grain,
tests them (:mod:`metriclang.verify.evidence`), corrects across links and adds the vanity
signals; ``measure_evidence(report, name)`` is the slice a measure's docs page shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from metriclang.periods import coarser, lag_periods
from metriclang.progress import SILENT, Progress
from metriclang.semantic.model import Drive, Measure, Project
from metriclang.verify.evidence import (
    ALPHA,
    PairTest,
    assess_pair,
    failed,
    judge,
    needed_periods,
)
from metriclang.verify.result import LinkResult, MeasureEvidence, Report
from metriclang.verify.series import Pair, Series, align, without_weekday_pattern
from metriclang.verify.signals import vanity_signals
from metriclang.verify.stats import StatsError, make_stationary

if TYPE_CHECKING:
    import numpy as np


def declared_links(project: Project) -> list[tuple[Measure, Drive]]:
    """Every ``drives`` link to a known measure, by source measure name then declaration."""
    return [(m, d) for _, m in sorted(project.measures.items()) for d in m.drives
            if d.target in project.measures]


def verify(project: Project, series: Mapping[str, Series], alpha: float = ALPHA,
           missing: Mapping[str, str] | None = None, progress: Progress = SILENT) -> Report:
    """Test every declared link with the given series; ``missing`` explains absent ones;
    ``progress`` shows the link being tested."""
    missing = missing or {}
    links = declared_links(project)
    tests: list[PairTest] = []
    pairs: list[Pair | None] = []
    orders_seen: dict[tuple[str, str, date, date], int | StatsError] = {}
    for m, d in progress.track(links, "verify", name=lambda x: f"{x[0].name} -> {x[1].target}"):
        grain = coarser(m.grain, project.measures[d.target].grain)
        lag = lag_periods(d.lag.approx_days if d.lag else 0, grain)
        a, b = series.get(m.name), series.get(d.target)
        if a is None or b is None:
            name = m.name if a is None else d.target
            reason = missing.get(name, "no rows")
            tests.append(PairTest(lag, d.sign, 0, needed=needed_periods(lag),
                                  note=f"no data for `{name}`: {reason}"))
            pairs.append(None)
            continue
        pair = align(a, b)
        tested = without_weekday_pattern(pair)
        orders = None
        try:
            if len(tested.periods) >= needed_periods(lag):
                orders = (_order(m.name, tested, tested.driver, orders_seen),
                          _order(d.target, tested, tested.target, orders_seen))
        except StatsError as e:
            tests.append(failed(lag, d.sign, len(tested.periods), str(e)))
        else:
            tests.append(assess_pair(tested.driver, tested.target, lag, d.sign, orders))
        pairs.append(pair)
    judged = judge(tests, alpha)
    results = []
    for (m, d), j, shown in zip(links, judged, pairs, strict=True):
        t = j.test
        results.append(LinkResult(
            source=m.name, target=d.target,
            grain=shown.grain if shown else coarser(m.grain, project.measures[d.target].grain),
            declared_lag=t.declared_lag, lag_text=str(d.lag) if d.lag else None,
            effect=d.effect, verdict=j.verdict, periods=t.periods, span=d.span,
            best_lag=t.best_lag, estimate=t.estimate, p_value=j.p_value,
            p_unadjusted=t.p_raw, granger_p=t.granger_p, differenced=t.differenced,
            needed=t.needed, note=t.note, pair=shown, scan=t.scan, scan_pairs=t.scan_pairs))
    signals = vanity_signals(project, series, results)
    return Report(tuple(results), tuple(signals), alpha)


def _order(measure: str, pair: Pair, values: np.ndarray,
           seen: dict[tuple[str, str, date, date], int | StatsError]) -> int:
    """The differencing order of one measure over the pair's periods, computed once.

    Raises :class:`StatsError` (naming the measure) when its stationarity tests fail.
    """
    key = (measure, pair.grain, pair.periods[0], pair.periods[-1])
    if key not in seen:
        try:
            seen[key] = make_stationary(values).order
        except StatsError as e:
            seen[key] = e.on(f"`{measure}`")
    found = seen[key]
    if isinstance(found, StatsError):
        raise found
    return found


def measure_evidence(report: Report, measure: str) -> MeasureEvidence:
    """The evidence about one measure, with a small SVG per link that has data.

    This is what a docs page shows: links it drives, links driving it, its vanity signals.
    """
    from metriclang.verify.svg import link_chart, scan_chart

    drives = tuple(k for k in report.links if k.source == measure)
    driven_by = tuple(k for k in report.links if k.target == measure)
    charts = tuple((k, link_chart(k)) for k in (*drives, *driven_by)
                   if k.pair is not None and len(k.pair.periods) > 1)
    scans = tuple((k, scan_chart(k)) for k in (*drives, *driven_by) if k.scan)
    return MeasureEvidence(measure, drives, driven_by,
                           tuple(s for s in report.signals if s.measure == measure), charts,
                           scans)
