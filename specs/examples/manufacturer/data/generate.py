"""Deterministic demo data for the manufacturer example (2025-01-01 .. 2026-12-31).

``tables()`` returns ``crm.deals``, ``erp.orders`` and ``erp.returns`` as
``(qualified name, columns, rows)`` with DuckDB column types; ``osm run`` loads them into
``demo.duckdb`` on first use (``python3 generate.py OUT.duckdb`` does it by hand).

About 900 industrial customers in four regions and three segments ask for quotes
(deals); deals are won, lost (on price, on unmet customisation, to a competitor, on
timing) or still open near the end. Won deals and repeat business become orders of
standard or non-standard products; some non-standard products come back.

Relationships in the data, for ``osm verify`` (monthly latent series):

* demand for customisation ``c`` drifts upwards; ``lost_to_customisation`` follows the
  share of customers needing customisation one month earlier (declared +: supported),
  and ``win_rate`` falls with ``lost_to_customisation`` (declared -: supported);
* ``lost_on_price`` is independent noise around 14 % (its link to ``win_rate`` rests
  only on the shared denominator);
* non-standard quality ``r``: the non-standard return rate of a month lowers the share
  of reordering customers the next quarter (declared -: supported).
"""

from __future__ import annotations

import math
import random
import sys
from datetime import date, datetime, timedelta

SEED = 20250102
START, END = date(2025, 1, 1), date(2026, 12, 31)
REGIONS = (("EU", 0.4), ("NA", 0.25), ("CN", 0.2), ("APAC", 0.15))
SEGMENTS = (("OEM", 0.35), ("distributor", 0.4), ("end_user", 0.25))
INDUSTRIES = (("automotive", 0.3), ("machinery", 0.3), ("energy", 0.2), ("food", 0.2))
TIERS = (("key", 0.2), ("standard", 0.8))
ACCOUNTS = 240  # customers (1..900) belong to accounts 1..240; customer 900 has none

Table = tuple[str, tuple[tuple[str, str], ...], list[tuple[object, ...]]]


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([w for w, _ in weighted], [p for _, p in weighted])[0]


def _clip(x: float, lo: float, hi: float) -> float:
    return min(hi, max(lo, x))


def _at(rng: random.Random, day: date) -> datetime:
    """A time during office hours on ``day``."""
    return datetime.combine(day, datetime.min.time()) + timedelta(
        minutes=rng.randint(7 * 60, 18 * 60))


def tables(seed: int = SEED) -> list[Table]:
    """Every table of the manufacturer example, generated from ``seed``."""
    rng = random.Random(seed)
    months = (END.year - START.year) * 12 + END.month - START.month + 1
    custom, quality, x, y = [], [], 0.0, 0.0
    for i in range(months + 4):
        x = 0.6 * x + rng.gauss(0, 0.05)
        y = 0.5 * y + rng.gauss(0, 0.03)
        custom.append(_clip(0.22 + 0.006 * i + x, 0.05, 0.8))
        quality.append(_clip(0.06 + y, 0.01, 0.3))

    def month(d: date) -> int:
        return (d.year - START.year) * 12 + d.month - START.month + 1  # index 0 = a month before

    customers = {cid: (_pick(rng, REGIONS), _pick(rng, SEGMENTS)) for cid in range(1, 901)}
    deals: list[tuple[object, ...]] = []
    orders: list[tuple[object, ...]] = []
    returns: list[tuple[object, ...]] = []
    seq: dict[int, int] = {}
    ordered_before: list[int] = []

    def order(cid: int, day: date, nonstandard: bool) -> None:
        when = _at(rng, day)
        amount = round(math.exp(rng.gauss(9.3, 0.7)) * (1.6 if nonstandard else 1), 2)
        seq[cid] = seq.get(cid, 0) + 1
        if seq[cid] == 1:
            ordered_before.append(cid)
        product = "non_standard" if nonstandard else "standard"
        orders.append((len(orders) + 1, cid, when, customers[cid][0], product, amount, seq[cid]))
        if rng.random() < (quality[month(day)] * 2.2 if nonstandard else 0.02):
            back = day + timedelta(days=rng.randint(7, 40))
            if back <= END:
                returns.append((len(returns) + 1, cid, _at(rng, back), product))

    day = START
    while day <= END:
        if day.weekday() < 5:
            m = month(day)
            for _ in range(rng.randint(3, 9)):
                cid = rng.randint(1, 900)
                region, segment = customers[cid]
                needs = rng.random() < custom[m]
                lost_custom = needs and rng.random() < _clip(0.3 + 1.2 * (custom[m - 1] - 0.22),
                                                             0.05, 0.9)
                when = _at(rng, day)
                if (END - day).days < rng.randint(0, 75):
                    status, reason = "open", None
                elif lost_custom:
                    status, reason = "lost", "customisation"
                elif rng.random() < _clip(rng.gauss(0.14, 0.04), 0.0, 0.5):
                    status, reason = "lost", "price"
                elif rng.random() < 0.3:
                    status, reason = "lost", rng.choice(("competitor", "timing"))
                else:
                    status, reason = "won", None
                deals.append((len(deals) + 1, cid, when, region, segment, status, reason, needs))
                if status == "won":
                    close = day + timedelta(days=rng.randint(5, 30))
                    if close <= END:
                        order(cid, close, needs or rng.random() < 0.15)
            # repeat business: fewer reorders after months with many non-standard returns
            loyal = _clip(0.8 - 4.0 * (quality[max(m - 3, 0)] - 0.06), 0.2, 1.0)
            for _ in range(rng.randint(0, 4)):
                if ordered_before and rng.random() < loyal:
                    cid = rng.choice(ordered_before)
                    order(cid, day, rng.random() < 0.3)
        day += timedelta(days=1)

    orders.sort(key=lambda r: (r[2], r[0]))
    nth: dict[int, int] = {}
    for i, row in enumerate(orders):
        nth[row[1]] = nth.get(row[1], 0) + 1  # ids and order_seq in time order
        orders[i] = (i + 1, *row[1:6], nth[row[1]])
    returns.sort(key=lambda r: (r[2], r[0]))
    returns = [(i + 1, *row[1:]) for i, row in enumerate(returns)]
    return [*_facts(deals, orders, returns), *_dimensions(random.Random(seed + 1), customers)]


def _dimensions(rng: random.Random, customers: dict[int, tuple[str, str]]) -> list[Table]:
    """``crm.customers`` (industry, region, account) and ``crm.accounts`` (tier), from their
    own seed so the fact tables stay as they were."""
    rows = [(cid, None if cid == 900 else rng.randint(1, ACCOUNTS), _pick(rng, INDUSTRIES),
             region) for cid, (region, _) in sorted(customers.items())]
    accounts = [(a, _pick(rng, TIERS)) for a in range(1, ACCOUNTS + 1)]
    return [
        ("crm.customers", (("customer_id", "BIGINT"), ("account_id", "BIGINT"),
                           ("industry", "VARCHAR"), ("region", "VARCHAR")), rows),
        ("crm.accounts", (("account_id", "BIGINT"), ("tier", "VARCHAR")), accounts),
    ]


def _facts(deals: list[tuple[object, ...]], orders: list[tuple[object, ...]],
           returns: list[tuple[object, ...]]) -> list[Table]:
    """The fact tables."""
    return [
        ("crm.deals", (("deal_id", "BIGINT"), ("customer_id", "BIGINT"),
                       ("created_at", "TIMESTAMP"), ("region", "VARCHAR"),
                       ("segment", "VARCHAR"), ("status", "VARCHAR"),
                       ("lost_reason", "VARCHAR"), ("needs_custom", "BOOLEAN")), deals),
        ("erp.orders", (("order_id", "BIGINT"), ("customer_id", "BIGINT"),
                        ("ordered_at", "TIMESTAMP"), ("region", "VARCHAR"),
                        ("product_type", "VARCHAR"), ("amount", "DECIMAL(12,2)"),
                        ("order_seq", "INTEGER")), orders),
        ("erp.returns", (("return_id", "BIGINT"), ("customer_id", "BIGINT"),
                         ("returned_at", "TIMESTAMP"), ("product_type", "VARCHAR")), returns),
    ]


if __name__ == "__main__":
    from pathlib import Path

    from metriclang.engine import write_duckdb

    write_duckdb(Path(sys.argv[1] if len(sys.argv) > 1 else "demo.duckdb"), tables())
