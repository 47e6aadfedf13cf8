"""One description of the benchmark metric set, and hand-written SQL for each metric.

The set is built from groups of seven metrics over the same three tables; group ``g`` uses the
amount threshold ``T = g % 100`` and the conversion window ``W = g % 3 + 1`` days, so every
metric is distinct while each kind keeps the same cost. The seven kinds, in order (a prefix of
a group is self-contained, so any size works):

===========  ====================================================================
kind         meaning (daily grain, all history)
===========  ====================================================================
count        paid orders with amount >= T
sum          paid revenue of those orders
ratio        sum / count (average order value)
derived      revenue - 5 * orders (net of a 5 EUR fee), from the two metrics above
window7      paid revenue over the trailing 7 calendar days (today included)
cumulative   running total of paid revenue since the first day
conversion   share of customers who reached checkout on the day whose first such session
             is followed by an order within W days
===========  ====================================================================

This module is imported by every side (also inside the MetricFlow/Sidemantic venv), so it
only uses the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS: tuple[str, ...] = (
    "count", "sum", "ratio", "derived", "window7", "cumulative", "conversion")
_SUFFIX = {
    "count": "paid_orders", "sum": "paid_revenue", "ratio": "avg_order_value",
    "derived": "net_revenue", "window7": "revenue_7d", "cumulative": "revenue_total",
    "conversion": "checkout_conversion",
}


@dataclass(frozen=True)
class Metric:
    """One metric of the set: its kind and the parameters of its group."""

    group: int
    kind: str

    @property
    def name(self) -> str:
        """Identifier shared by all three renderings, e.g. ``g12_paid_revenue``."""
        return f"g{self.group}_{_SUFFIX[self.kind]}"

    @property
    def threshold(self) -> int:
        """Minimal order amount (EUR) counted by this group."""
        return self.group % 100

    @property
    def window_days(self) -> int:
        """Conversion window in days."""
        return self.group % 3 + 1

    def sibling(self, kind: str) -> str:
        """Name of the metric of ``kind`` in the same group."""
        return Metric(self.group, kind).name


def metric_set(size: int) -> tuple[Metric, ...]:
    """The first ``size`` metrics: whole groups of seven, then a prefix of one more."""
    return tuple(Metric(i // len(KINDS), KINDS[i % len(KINDS)]) for i in range(size))


def representatives(metrics: tuple[Metric, ...]) -> dict[str, Metric]:
    """The first metric of each kind (the ones whose queries are run and compared)."""
    found: dict[str, Metric] = {}
    for m in metrics:
        found.setdefault(m.kind, m)
    return found


def paid_filter(m: Metric) -> str:
    """The row condition of a group, in plain SQL over the orders table."""
    return f"status = 'paid' AND amount >= {m.threshold}"


def _daily(m: Metric, select: str) -> str:
    return (f"SELECT CAST(ordered_at AS DATE) AS period, {select} AS value\n"
            f"FROM bench.orders WHERE {paid_filter(m)}\nGROUP BY 1")


#: The kinds ``hand_sql`` writes as one grouped scan (no row for a day without orders) and
#: the value of such a day in the output contract (``hand_dense_sql``; a ratio's is NULL).
SPARSE = {"count": ("count(*)", "coalesce(daily.value, 0)"),
          "sum": ("sum(amount)", "coalesce(daily.value, 0)"),
          "ratio": ("sum(amount) / count(*)", "daily.value"),
          "derived": ("sum(amount) - 5 * count(*)", "coalesce(daily.value, 0)")}

#: Every day from the first to the last of ``daily`` (the calendar of the windowed kinds).
_DAYS = ("days AS (\n  SELECT CAST(d AS DATE) AS period FROM range(\n"
         "    (SELECT min(period) FROM daily),\n"
         "    (SELECT max(period) FROM daily) + INTERVAL 1 DAY, INTERVAL 1 DAY) t(d)\n)\n")


def hand_dense_sql(m: Metric) -> str | None:
    """``hand_sql`` of a one-scan kind keeping the output contract as the window and
    cumulative ones do: every day between the first and the last listed, an empty one with
    its value (0, a ratio NULL), through the same calendar LEFT JOIN; None for other kinds."""
    if m.kind not in SPARSE:
        return None
    select, value = SPARSE[m.kind]
    return (f"WITH daily AS (\n{_daily(m, select)}\n),\n{_DAYS}"
            f"SELECT days.period, {value} AS value\n"
            "FROM days LEFT JOIN daily USING (period)\nORDER BY 1")


def _over_calendar(m: Metric, frame: str) -> str:
    return (f"WITH daily AS (\n{_daily(m, 'sum(amount)')}\n),\n{_DAYS}"
            "SELECT days.period, sum(coalesce(daily.value, 0)) OVER (\n"
            f"  ORDER BY days.period {frame}) AS value\n"
            "FROM days LEFT JOIN daily USING (period)\nORDER BY 1")


def hand_sql(m: Metric) -> str:
    """What an analyst would write by hand for ``m`` on DuckDB: columns ``period``, ``value``."""
    match m.kind:
        case "count":
            return _daily(m, "count(*)") + "\nORDER BY 1"
        case "sum":
            return _daily(m, "sum(amount)") + "\nORDER BY 1"
        case "ratio":
            return _daily(m, "sum(amount) / count(*)") + "\nORDER BY 1"
        case "derived":
            return _daily(m, "sum(amount) - 5 * count(*)") + "\nORDER BY 1"
        case "window7":
            return _over_calendar(m, "ROWS BETWEEN 6 PRECEDING AND CURRENT ROW")
        case "cumulative":
            return _over_calendar(m, "ROWS UNBOUNDED PRECEDING")
        case "conversion":
            return conversion_sql(m, f"INTERVAL {m.window_days} DAY",
                                  "count(c.customer_id) / count(*)") + " ORDER BY 1"
    raise ValueError(m.kind)


def conversion_sql(m: Metric, window: str, rate: str) -> str:
    """The conversion rate (``rate``) per day of first checkout, an order within ``window``
    (an interval literal in the dialect's syntax) of it; unordered."""
    return ("WITH first_checkout AS (\n"
            "  SELECT customer_id, CAST(started_at AS DATE) AS period,\n"
            "         min(started_at) AS first_at\n"
            "  FROM bench.sessions WHERE reached_checkout GROUP BY 1, 2\n),\n"
            "converted AS (\n"
            "  SELECT DISTINCT f.customer_id, f.period FROM first_checkout f\n"
            "  JOIN bench.orders o ON o.customer_id = f.customer_id\n"
            "   AND o.ordered_at >= f.first_at\n"
            f"   AND o.ordered_at <= f.first_at + {window}\n)\n"
            f"SELECT f.period, {rate} AS value\n"
            "FROM first_checkout f LEFT JOIN converted c USING (customer_id, period)\n"
            "GROUP BY 1")
