"""What ``osm verify`` found: one :class:`LinkResult` per ``drives`` link, vanity signals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from metriclang.diagnostics import Diagnostic
from metriclang.source import Span
from metriclang.verify.series import Pair


@dataclass(frozen=True)
class LinkResult:
    """The evidence for one declared link ``source drives target``.

    Lags are whole periods of ``grain`` (the coarser grain of the two measures).
    ``p_value`` is Benjamini–Hochberg adjusted across the run's tests (the verdict uses it);
    ``p_unadjusted`` is the lag-window p-value of this link alone. ``periods`` is the number
    of periods used; ``scan`` holds ``(lag, r)`` pairs, a negative lag meaning the target
    leads (``reverse_*``: the best of those).
    """

    source: str
    target: str
    grain: str
    declared_lag: int
    lag_text: str | None  # as declared ("30 days"); None when the link declares no lag
    effect: str
    verdict: str
    periods: int
    span: Span
    best_lag: int | None = None
    estimate: float | None = None
    p_value: float | None = None
    p_unadjusted: float | None = None
    granger_p: float | None = None
    differenced: int = 0  # the larger of differenced_driver, differenced_target
    needed: int | None = None
    note: str | None = None
    pair: Pair | None = field(default=None, compare=False, repr=False)
    observed_effect: str | None = None  # "positive" / "negative": the sign at the best lag
    interval: tuple[float, float] | None = None  # 95% CI of the estimate
    ar_order: int = 0
    differenced_driver: int = 0
    differenced_target: int = 0
    periods_available: int = 0
    gaps: tuple[tuple[date, date], ...] = ()
    filled: int = 0
    granger_agrees: bool | None = None
    reverse_lag: int | None = None
    reverse_estimate: float | None = None
    reverse_p_value: float | None = None
    reverse_granger_p: float | None = None
    correlation: str = "pearson"  # or "spearman" when outliers dominate
    adjustments: tuple[str, ...] = ()
    next_step: str = ""
    #: The cross-correlation by lag ``(lag, r)``, negative lags the target leading, and the
    #: pairs behind the best forward lag (docs charts, JSON ``correlations``).
    scan: tuple[tuple[int, float], ...] = field(default=(), compare=False, repr=False)
    scan_pairs: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Signal:
    """A data-driven vanity signal on one measure (``never-decreases``, ...)."""

    kind: str
    measure: str
    message: str
    span: Span


@dataclass(frozen=True)
class Report:
    """Everything one ``osm verify`` run found, sorted for stable output."""

    links: tuple[LinkResult, ...]
    signals: tuple[Signal, ...]
    alpha: float
    diagnostics: tuple[Diagnostic, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    @property
    def contradicted(self) -> tuple[LinkResult, ...]:
        return tuple(link for link in self.links if link.verdict == "contradicted")


@dataclass(frozen=True)
class MeasureEvidence:
    """The evidence section of one measure's docs page: its links out and in, its signals."""

    measure: str
    drives: tuple[LinkResult, ...]
    driven_by: tuple[LinkResult, ...]
    signals: tuple[Signal, ...]
    charts: tuple[tuple[LinkResult, str], ...]
    #: Each tested link's lagged cross-correlation chart (``osm docs --evidence``, HTML).
    scans: tuple[tuple[LinkResult, str], ...] = ()
