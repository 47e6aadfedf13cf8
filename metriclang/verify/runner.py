"""Verify a project's declared links against series already fetched (pure, no I/O).

``verify(project, {name: Series, ...})`` aligns each link's two series at the coarser grain,
tests them (:mod:`metriclang.verify.evidence`), corrects across links and adds the vanity
signals; ``measure_evidence(report, name)`` is the slice a measure's docs page shows.
"""

from __future__ import annotations

from collections.abc import Mapping

from metriclang.periods import coarser, lag_periods
from metriclang.progress import SILENT, Progress
from metriclang.semantic.model import Drive, Measure, Project
from metriclang.verify.adjust import Prepared
from metriclang.verify.evidence import (
    ALPHA,
    NEXT_STEPS,
    Judged,
    PairTest,
    assess,
    judge,
    needed_periods,
)
from metriclang.verify.result import LinkResult, MeasureEvidence, Report
from metriclang.verify.series import Pair, Series, align
from metriclang.verify.signals import vanity_signals


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
    found: list[tuple[Pair, Prepared] | None] = []
    for m, d in progress.track(links, "verify", name=lambda x: f"{x[0].name} -> {x[1].target}"):
        grain = coarser(m.grain, project.measures[d.target].grain)
        lag = lag_periods(d.lag.approx_days if d.lag else 0, grain)
        a, b = series.get(m.name), series.get(d.target)
        if a is None or b is None:
            name = m.name if a is None else d.target
            reason = missing.get(name, "no rows")
            tests.append(PairTest(lag, d.sign, 0, needed=needed_periods(lag),
                                  note=f"no data for `{name}`: {reason}"))
            found.append(None)
            continue
        pair = align(a, b)
        test, prepared = assess(pair, lag, d.sign, (f"`{m.name}`", f"`{d.target}`"))
        tests.append(test)
        found.append((pair, prepared))
    judged = judge(tests, alpha)
    results = [_result(m, d, j, f, project, alpha)
               for (m, d), j, f in zip(links, judged, found, strict=True)]
    signals = vanity_signals(project, series, results)
    return Report(tuple(results), tuple(signals), alpha)


def _lag_zero(d: Drive, grain: str) -> str:
    """The note on a link whose lag is 0 periods at the compared grain."""
    said = f"lag {d.lag} is 0 {grain}s" if d.lag else "no lag declared"
    return (f"{said}: a movement in the same period is no evidence of a lead, so only lags "
            "of 1 period and more are tested")


def _result(m: Measure, d: Drive, j: Judged, found: tuple[Pair, Prepared] | None,
            project: Project, alpha: float) -> LinkResult:
    """One link's result from its judged test and what preparing its pair did."""
    t, f, r = j.test, j.test.forward, j.test.reverse
    pair, prepared = found if found else (None, None)
    grain = pair.grain if pair else coarser(m.grain, project.measures[d.target].grain)
    notes = [n for n in (t.note, j.reason) if n]
    if t.declared_lag == 0 and t.needed is None:
        notes.append(_lag_zero(d, grain))
    correlations = tuple((-k, c) for k, c in zip(r.lags, r.correlations, strict=True))[::-1] \
        if r else ()
    if f:
        correlations += tuple(zip(f.lags, f.correlations, strict=True))
    return LinkResult(
        source=m.name, target=d.target, grain=grain,
        declared_lag=t.declared_lag, lag_text=str(d.lag) if d.lag else None,
        effect=d.effect, verdict=j.verdict, periods=t.periods, span=d.span,
        best_lag=t.best_lag, estimate=t.estimate, p_value=j.p_value,
        p_unadjusted=t.p_raw, granger_p=t.granger_p, differenced=t.differenced,
        needed=t.needed, note="; ".join(notes) or None, pair=pair,
        observed_effect=None if f is None else ("positive" if f.estimate > 0 else "negative"),
        interval=f.interval if f else None, scan=correlations,
        scan_pairs=f.pairs if f else 0, ar_order=t.ar_order,
        differenced_driver=t.orders[0], differenced_target=t.orders[1],
        periods_available=prepared.available if prepared else 0,
        gaps=prepared.gaps if prepared else (), filled=prepared.filled if prepared else 0,
        granger_agrees=f.agrees(alpha) if f else None,
        reverse_lag=r.best_lag if r else None, reverse_estimate=r.estimate if r else None,
        reverse_p_value=j.reverse_p,
        reverse_granger_p=r.granger.p_value if r and r.granger else None,
        correlation="spearman" if t.robust else "pearson",
        adjustments=prepared.steps if prepared else (), next_step=NEXT_STEPS[j.verdict])


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
