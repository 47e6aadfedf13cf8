"""Demo data for the starter project: ``shop.orders``, 2025-01-01 .. 2026-12-31.

``osm run`` builds ``demo.duckdb`` from ``tables()`` on first use. Delete this folder (and
demo.duckdb) once metriclang.toml points at your own warehouse.

A customer whose last order arrived late comes back less often: on-time delivery drives
the repeat rate, as metrics.osm declares.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

START, END = date(2025, 1, 1), date(2026, 12, 31)
CHANNELS = ("web", "app", "marketplace")


Table = tuple[str, tuple[tuple[str, str], ...], list[tuple[object, ...]]]


def tables(seed: int = 16) -> list[Table]:
    """The demo tables as (qualified name, (column, DuckDB type) pairs, rows)."""
    rng = random.Random(seed)
    columns = (("order_id", "BIGINT"), ("customer_id", "BIGINT"), ("ordered_at", "TIMESTAMP"),
               ("channel", "VARCHAR"), ("amount", "DECIMAL(10,2)"), ("order_seq", "INTEGER"),
               ("delivered_late", "BOOLEAN"))
    rows: list[tuple[object, ...]] = []
    orders: list[int] = []           # customer -> orders so far (customer 1 at index 0)
    late_last: list[bool] = []       # customer -> was their last order late?
    lateness, day = 0.1, START
    while day <= END:
        if day.weekday() == 0:  # the share of late deliveries drifts week by week
            lateness = min(0.4, max(0.02, 0.1 + 0.85 * (lateness - 0.1) + rng.gauss(0, 0.03)))
        for _ in range(rng.randint(30, 50)):
            customer = rng.randrange(len(orders)) if orders and rng.random() < 0.45 else -1
            if customer >= 0 and late_last[customer] and rng.random() < 0.6:
                customer = -1  # an unhappy customer bought elsewhere: a new one instead
            if customer < 0:
                customer = len(orders)
                orders.append(0)
                late_last.append(False)
            orders[customer] += 1
            late = rng.random() < lateness
            late_last[customer] = late
            at = datetime.combine(day, datetime.min.time()) + timedelta(
                minutes=rng.randint(6 * 60, 23 * 60))
            rows.append((len(rows) + 1, customer + 1, at, rng.choice(CHANNELS),
                         round(rng.uniform(15, 120), 2), orders[customer], late))
        day += timedelta(days=1)
    return [("shop.orders", columns, rows)]

