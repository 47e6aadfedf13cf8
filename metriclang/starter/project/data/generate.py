"""Demo data for the starter project: ``shop.orders``, 2025-01-01 .. 2026-12-31.

``osm run`` builds ``demo.duckdb`` from ``tables()`` on first use. Delete this folder (and
demo.duckdb) once metriclang.toml points at your own warehouse.

After a month of late deliveries, fewer customers come back the next month: on-time
delivery drives the repeat rate, as metrics.osm declares.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

START, END = date(2025, 1, 1), date(2026, 12, 31)
CHANNELS = ("web", "app", "marketplace")


Table = tuple[str, tuple[tuple[str, str], ...], list[tuple[object, ...]]]


def tables(seed: int = 3) -> list[Table]:
    """The demo tables as (qualified name, (column, DuckDB type) pairs, rows)."""
    rng = random.Random(seed)
    columns = (("order_id", "BIGINT"), ("customer_id", "BIGINT"), ("ordered_at", "TIMESTAMP"),
               ("channel", "VARCHAR"), ("amount", "DECIMAL(10,2)"), ("order_seq", "INTEGER"),
               ("delivered_late", "BOOLEAN"))
    rows: list[tuple[object, ...]] = []
    orders: list[int] = []           # customer -> orders so far (customer 1 at index 0)
    lateness, day, month, late_then = 0.12, START, START.month, [0.12]
    while day <= END:
        if day.weekday() == 0:  # the share of late deliveries drifts week by week
            lateness = min(0.4, max(0.02, 0.12 + 0.8 * (lateness - 0.12) + rng.gauss(0, 0.04)))
        if day.month != month:  # customers remember last month's deliveries
            month = day.month
            late_then.append(lateness)
        back = min(0.8, max(0.1, 0.5 - 2.5 * (late_then[-1] - 0.12)))
        for _ in range(rng.randint(30, 50)):
            customer = rng.randrange(len(orders)) if orders and rng.random() < back else -1
            if customer < 0:
                customer = len(orders)
                orders.append(0)
            orders[customer] += 1
            late = rng.random() < lateness
            at = datetime.combine(day, datetime.min.time()) + timedelta(
                minutes=rng.randint(6 * 60, 23 * 60))
            rows.append((len(rows) + 1, customer + 1, at, rng.choice(CHANNELS),
                         round(rng.uniform(15, 120), 2), orders[customer], late))
        day += timedelta(days=1)
    return [("shop.orders", columns, rows)]

