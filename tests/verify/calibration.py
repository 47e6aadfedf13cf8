"""Calibration scenarios for ``osm verify``'s statistics, generated in code (issue 18).

Each scenario makes, from a seed, an aligned :class:`~metriclang.verify.series.Pair` on a real
calendar, a declared lag and a declared sign; :func:`rates` runs the stats layer on it
(prepare → test → judge, as ``osm verify`` does for one link) over many seeds and counts the
verdicts. The bounds the issue asks for are in :data:`BOUNDS`; the tests assert them
(``tests/verify/test_calibration.py``), and ``python3 -m tests.verify.calibration --seeds 200``
prints the table docs/verify.md shows.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np

from metriclang.periods import add
from metriclang.verify.evidence import assess, judge
from metriclang.verify.series import Pair
from tests.verify.synthetic import ar1, planted

Made = tuple[Pair, int, int]  # the pair, the declared lag in periods, the declared sign
START = {"day": date(2024, 1, 1), "week": date(2024, 1, 1), "month": date(2024, 1, 1)}


def pair(grain: str, x: np.ndarray, y: np.ndarray) -> Pair:
    """``x`` (driver) and ``y`` (target) on consecutive periods of ``grain``."""
    periods = tuple(add(START[grain], i, grain) for i in range(len(x)))
    return Pair(grain, periods, np.asarray(x, dtype=float), np.asarray(y, dtype=float))


def null_ar(rng: np.random.Generator) -> Made:
    """Independent AR(1) pairs, two years weekly, lag 4 declared."""
    return pair("week", 50 + ar1(rng, 104, 0.5), 80 + ar1(rng, 104, 0.5)), 4, +1


def null_walk(rng: np.random.Generator) -> Made:
    """Independent random walks with drift."""
    x = 100 + np.cumsum(0.2 + rng.normal(size=104))
    y = 200 + np.cumsum(0.5 + rng.normal(size=104))
    return pair("week", x, y), 2, +1


def null_season(rng: np.random.Generator) -> Made:
    """Independent noise sharing a strong annual season (three years weekly)."""
    t = np.arange(156)
    season = 2.0 * np.sin(2 * np.pi * t / 52.18) + np.cos(4 * np.pi * t / 52.18)
    x = 50 + season + ar1(rng, 156, 0.5)
    y = 80 + 2 * season + ar1(rng, 156, 0.5)
    return pair("week", x, y), 4, +1


def null_confounder(rng: np.random.Generator) -> Made:
    """A common cause in the same week moves both (no lead), no lag declared."""
    z = rng.normal(size=104)
    return pair("week", 50 + z + ar1(rng, 104, 0.5), 80 + z + ar1(rng, 104, 0.5)), 0, +1


def null_weekday(rng: np.random.Generator) -> Made:
    """Daily series with a weekday pattern growing with the level (multiplicative)."""
    n = 364
    days = np.arange(n)
    pattern = np.tile([1.3, 1.2, 1.1, 1.0, 0.9, 0.7, 0.6], n // 7)
    x = (100 + 0.1 * days + 3 * ar1(rng, n, 0.5)) * pattern
    y = (300 + 0.3 * days + 9 * ar1(rng, n, 0.5)) * pattern
    return pair("day", x, y), 3, +1


def lead(rng: np.random.Generator) -> Made:
    """The driver leads by 4 weeks, beta 0.5, two years weekly (the sign alternates)."""
    sign = 1 if rng.integers(2) else -1
    x, y = planted(rng, 104, 4, sign * 0.5)
    return pair("week", 50 + x, 80 + y), 4, sign


def flow_stock(rng: np.random.Generator) -> Made:
    """Sign-ups (a flow) drive the active base (a stock accumulating them) 2 weeks later."""
    x = ar1(rng, 106, 0.5)
    y = 1000 + np.cumsum(0.5 * x[:104] + rng.normal(size=104))
    return pair("week", 50 + x[2:], y), 2, +1


def reverse(rng: np.random.Generator) -> Made:
    """The declared target leads the declared driver by 2 weeks."""
    first, second = planted(rng, 104, 2, 0.5)
    return pair("week", 50 + second, 80 + first), 2, +1


def negative(rng: np.random.Generator) -> Made:
    """A negative effect declared positive."""
    x, y = planted(rng, 104, 3, -0.5)
    return pair("week", 50 + x, 80 + y), 3, +1


def monthly(rng: np.random.Generator) -> Made:
    """Three years of monthly data, lag 1 month, beta 0.5."""
    x, y = planted(rng, 36, 1, 0.5)
    return pair("month", 50 + x, 80 + y), 1, +1


def missing(rng: np.random.Generator) -> Made:
    """A planted lead where 10% of the weeks have no rows: both sums are 0 there."""
    x, y = planted(rng, 104, 4, 0.5)
    x, y = 50 + 3 * x, 80 + 3 * y
    empty = rng.choice(104, size=10, replace=False)
    x[empty] = 0.0
    y[empty] = 0.0
    return pair("week", x, y), 4, +1


def sparse(rng: np.random.Generator) -> Made:
    """Sparse counts (mostly zero): KPSS overflows on some; no seed may crash."""
    return pair("week", rng.poisson(0.05, 104).astype(float),
                rng.poisson(3.0, 104).astype(float)), 2, +1


@dataclass(frozen=True)
class Bound:
    """A rate over seeds: the share of seeds with ``verdict`` (or ``lag``: best lag within
    one of the planted ``lag``), at most or at least ``limit``."""

    what: str
    at_most: bool
    limit: float


SCENARIOS: dict[str, tuple[Callable[[np.random.Generator], Made], tuple[Bound, ...]]] = {
    "null: independent AR(1)": (null_ar, (Bound("supported", True, 0.05),
                                          Bound("contradicted", True, 0.05))),
    "null: random walks": (null_walk, (Bound("supported", True, 0.05),
                                       Bound("contradicted", True, 0.05))),
    "null: shared annual season": (null_season, (Bound("supported", True, 0.05),
                                                 Bound("contradicted", True, 0.05))),
    "null: same-week common cause, no lag": (null_confounder,
                                             (Bound("supported", True, 0.05),
                                              Bound("contradicted", True, 0.05))),
    "null: multiplicative weekday (daily)": (null_weekday, (Bound("supported", True, 0.05),
                                                            Bound("contradicted", True, 0.05))),
    "lead 4 weeks, beta 0.5, 104 weeks": (lead, (Bound("supported", False, 0.90),
                                                 Bound("lag 4", False, 0.95))),
    "flow -> stock": (flow_stock, (Bound("supported", False, 0.80),
                                   Bound("contradicted", True, 0.02))),
    "target leads driver": (reverse, (Bound("reversed", False, 0.80),)),
    "negative effect declared positive": (negative, (Bound("contradicted", False, 0.90),)),
    "monthly, 36 periods, beta 0.5": (monthly, (Bound("supported", False, 0.60),)),
    "10% of weeks without rows": (missing, (Bound("supported", False, 0.80),)),
    "sparse counts": (sparse, ()),
}


def rates(make: Callable[[np.random.Generator], Made], seeds: range) -> dict[str, float]:
    """Share of seeds per verdict, and ``lag N``: best lag within one of the declared ``N``."""
    counts: Counter[str] = Counter()
    for seed in seeds:
        p, lag, sign = make(np.random.default_rng(seed))
        test, _ = assess(p, lag, sign)
        counts[judge([test])[0].verdict] += 1
        counts[f"lag {lag}"] += test.best_lag is not None and abs(test.best_lag - lag) <= 1
    return {k: v / len(seeds) for k, v in counts.items()}


#: How much the bounded (CI) run loosens the bounds: rates that must be high, low.
LOOSE_HIGH, LOOSE_LOW = 0.10, 0.04


def failures(name: str, found: dict[str, float], loose: bool = False) -> list[str]:
    """The bounds of scenario ``name`` that ``found`` misses (loosened when ``loose``)."""
    out = []
    for b in SCENARIOS[name][1]:
        rate = found.get(b.what, 0.0)
        ok = (rate <= b.limit + LOOSE_LOW * loose if b.at_most
              else rate >= b.limit - LOOSE_HIGH * loose)
        if not ok:
            out.append(f"{name}: {b.what} {rate:.1%} ({'≤' if b.at_most else '≥'} "
                       f"{b.limit:.0%})")
    return out


def table(seeds: range) -> str:
    """The calibration table as Markdown (the one docs/verify.md shows)."""
    lines = ["| scenario | supported | contradicted | reversed | weak | insufficient | "
             "best lag ±1 | required |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for name, (make, bounds) in SCENARIOS.items():
        r = rates(make, seeds)
        lag = next((v for k, v in r.items() if k.startswith("lag ")), 0.0)
        need = ", ".join(f"{b.what} {'≤' if b.at_most else '≥'} {b.limit:.0%}" for b in bounds)
        cells = [f"{r.get(v, 0.0):.1%}" for v in ("supported", "contradicted", "reversed", "weak",
                                                    "insufficient-data")]
        lines.append(f"| {name} | {' | '.join(cells)} | {lag:.1%} | {need or 'no crash'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    print(table(range(parser.parse_args().seeds)), end="")
