"""Data-driven vanity signals: a measure that only grows, or moves with nothing downstream.

The V4xx rules of ``osm check`` find vanity metrics from the definition; these look at the
history: a series that never decreases cannot tell a team whether anything it does works, and
a leading measure whose every tested link is ``weak`` moves without anything it claims to
drive moving with it, over a history long enough for a real relationship to have shown
(links too short to test, or whose statistics failed, say nothing either way).

>>> only_grows((1.0, 1.0, 2.0, 5.0, 5.0, 9.0))
True
>>> only_grows((1.0, 2.0, 1.5, 3.0, 4.0, 5.0)), only_grows((2.0,) * 8), only_grows((1.0, 2.0))
(False, False, False)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise

from metriclang.semantic.model import Project
from metriclang.verify.result import LinkResult, Signal
from metriclang.verify.series import Series

#: Fewest periods before "never decreased" means anything.
MIN_HISTORY = 6
#: Fewest periods for silence to mean something; with fewer, a weak verdict is only a lack of
#: data. No power is claimed: what the test finds at a given length is measured by the
#: calibration suite (docs/verify.md), not computed from a formula that ignores the lag
#: window and the agreement with the Granger test.
MIN_PERIODS_FOR_SILENCE = 64


def only_grows(values: Sequence[float]) -> bool:
    """True when ``values`` (at least :data:`MIN_HISTORY`) never decrease and do increase."""
    if len(values) < MIN_HISTORY:
        return False
    steps = [b - a for a, b in pairwise(values)]
    return all(s >= 0 for s in steps) and any(s > 0 for s in steps)


def vanity_signals(project: Project, series: Mapping[str, Series],
                   links: Iterable[LinkResult]) -> list[Signal]:
    """Signals for every measure with a history, sorted by measure then kind."""
    out = []
    for name, s in sorted(series.items()):
        if name in project.measures and only_grows(s.values):
            out.append(Signal(
                "never-decreases", name,
                f"`{name}` never decreased over its {len(s)} {s.grain} periods: a number "
                "that only grows cannot show whether anything works (vanity signal)",
                project.measures[name].name_span))
    by_source: dict[str, list[LinkResult]] = {}
    for link in links:
        by_source.setdefault(link.source, []).append(link)
    for name, own in sorted(by_source.items()):
        tested = [k for k in own if k.p_unadjusted is not None]  # not too short, not failed
        if (tested and all(k.verdict == "weak" for k in tested)
                and min(k.periods for k in tested) >= MIN_PERIODS_FOR_SILENCE
                and _moves(series.get(name))):
            targets = ", ".join(f"`{k.target}`" for k in tested)
            out.append(Signal(
                "moves-with-nothing-downstream", name,
                f"`{name}` moves, but nothing it drives moves with it ({targets}: no "
                f"significant lagged relationship in {min(k.periods for k in tested)} or more "
                "periods)",
                project.measures[name].name_span))
    return sorted(out, key=lambda s: (s.measure, s.kind))


def _moves(s: Series | None) -> bool:
    return s is not None and len(set(s.values)) > 1
