"""Deterministic demo data for the online-shop example (2025-01-01 .. 2026-12-31).

``tables()`` returns every table the specs read, as ``(qualified name, columns, rows)`` with
DuckDB column types; ``osm run`` loads them into ``demo.duckdb`` on first use
(``python3 generate.py OUT.duckdb`` does it by hand). The same seed gives the same rows.

The shop sells to about 45,000 customers; every order comes from a web session that
reached checkout. ``shop.customers`` keeps each customer's segment history (type 2: one row
per version, ``valid_from``..``valid_to``) and ``shop.products`` the catalogue; they are drawn
from a second seed, so the fact tables are the same as without them. Weekly and yearly
seasonality, lower-case country codes, a few custom products, refunds and returns make it
look like a real warehouse.

Relationships planted for ``osm verify`` (latent weekly AR(1) series drive the data):

* ``checkout_conversion -> repeat_purchase_rate`` (declared +, lag 30 days): **supported**.
  The weekly chance that a checkout session turns into an order follows ``q``; the share
  of sessions by customers who bought before follows ``q`` four weeks earlier, so the
  monthly repeat purchase rate trails checkout conversion by about four weeks, positively.
* ``search_success_rate -> checkout_conversion`` (declared +, lag 1 week): also planted,
  ``q`` follows the search success series ``s`` of the previous week.
* ``tickets_per_buyer -> repeat_purchase_rate`` (declared -, lag 6 weeks): **no
  relationship**: support contacts per order follow their own independent noise.
* ``delivery_days_p90 -> return_rate`` (declared +, lag 2 weeks): **the opposite way**:
  weeks with slow deliveries (series ``u``) are followed two weeks later by *fewer*
  returns (the data says negative).

The other links are not planted. ``osm verify`` finds them weak, except
``weekly_buyers_7d -> repeat_purchase_rate``, which comes out supported as a side effect:
the buyers of a week include the returning customers that ``q`` brings back.
"""

from __future__ import annotations

import math
import random
import sys
from bisect import bisect
from collections.abc import Callable
from datetime import date, datetime, timedelta
from itertools import accumulate

SEED = 20250101
START, END = date(2025, 1, 1), date(2026, 12, 31)
CHANNELS = (("web", 0.55), ("app", 0.3), ("marketplace", 0.15))
COUNTRIES = (("de", 0.3), ("fr", 0.18), ("nl", 0.1), ("es", 0.1), ("it", 0.1), ("cn", 0.12),
             ("us", 0.1))
TICKET_CATEGORIES = ("delivery", "payment", "product", "return", "account")
SEGMENTS = (("consumer", 0.7), ("smb", 0.22), ("enterprise", 0.08))
CATEGORIES = ("apparel", "home", "electronics", "beauty", "toys")
CUSTOM_PRODUCTS, PRODUCTS = 10, 60  # product ids 1..10 are custom-made
#: When every customer's first segment version starts (before any order).
EPOCH = datetime(2020, 1, 1)

Table = tuple[str, tuple[tuple[str, str], ...], list[tuple[object, ...]]]


def _ar1(rng: random.Random, n: int, phi: float) -> list[float]:
    """A stationary AR(1) series with unit variance."""
    x, out, scale = rng.gauss(0, 1), [], math.sqrt(1 - phi * phi)
    for _ in range(n):
        x = phi * x + scale * rng.gauss(0, 1)
        out.append(x)
    return out


def _picker(weighted: tuple[tuple[str, float], ...]) -> Callable[[random.Random], str]:
    """A fast weighted choice (one uniform draw and a bisection)."""
    names = [w for w, _ in weighted]
    bounds = list(accumulate(p for _, p in weighted))
    return lambda rng: names[min(bisect(bounds, rng.random() * bounds[-1]), len(names) - 1)]


def _clip(x: float, lo: float, hi: float) -> float:
    return min(hi, max(lo, x))


def tables(seed: int = SEED) -> list[Table]:
    """Every table of the shop example, generated from ``seed``."""
    rng = random.Random(seed)
    extra = random.Random(seed + 1)  # customers' segments and products: the rest is unchanged
    burn = 8  # weeks of latent history before the first day, for the lags
    weeks = (END - START).days // 7 + 2 + burn
    s = _ar1(rng, weeks, 0.6)                      # search success
    e = _ar1(rng, weeks, 0.5)
    q = [0.75 * s[i - 1] + 0.66 * e[i] if i else e[i] for i in range(weeks)]  # checkout
    u = _ar1(rng, weeks, 0.5)                      # delivery slowness
    v = _ar1(rng, weeks, 0.3)                      # support noise, independent

    def week(d: date) -> int:
        return (d - START).days // 7 + burn

    country_of, channel_of = _picker(COUNTRIES), _picker(CHANNELS)
    customers: dict[int, tuple[str, str]] = {}     # id -> (country, home channel)
    prospects: list[int] = []
    buyers: list[int] = []
    seq: dict[int, int] = {}
    sessions: list[tuple[object, ...]] = []
    orders: list[tuple[object, ...]] = []
    tickets: list[tuple[object, ...]] = []

    day = START
    while day <= END:
        w = week(day)
        yearly = 1 + 0.25 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 340) / 365)
        weekly = 1.15 if day.weekday() >= 5 else 0.95
        returning = _clip(0.42 + 0.14 * q[w - 4], 0.1, 0.9)
        search = _clip(0.62 + 0.08 * s[w], 0.2, 0.95)
        convert = _clip(0.58 + 0.1 * q[w], 0.1, 0.95)
        midnight = datetime.combine(day, datetime.min.time())
        for _ in range(int(rng.gauss(290, 20) * yearly * weekly)):
            if buyers and rng.random() < returning:
                cid = rng.choice(buyers)
            elif prospects and rng.random() < 0.3:
                cid = rng.choice(prospects)
            else:
                cid = len(customers) + 1
                customers[cid] = (country_of(rng), channel_of(rng))
                prospects.append(cid)
            country, home = customers[cid]
            channel = home if rng.random() < 0.8 else channel_of(rng)
            device = rng.choice(("mobile", "tablet")) if channel == "app" else (
                "mobile" if rng.random() < 0.55 else "desktop")
            hour = rng.gauss(14.5, 4.5)
            started = midnight + timedelta(seconds=int(min(23.99, max(0.0, hour)) * 3600))
            viewed = rng.random() < search
            checkout = rng.random() < (0.36 if viewed else 0.05)
            sessions.append((len(sessions) + 1, cid, started, channel, device, viewed, checkout))
            if not (checkout and rng.random() < convert):
                continue
            seq[cid] = seq.get(cid, 0) + 1
            if seq[cid] == 1:
                buyers.append(cid)
            ordered = started + timedelta(minutes=rng.randint(3, 120))
            if ordered.date() > END:
                continue
            custom = rng.random() < 0.12
            amount = round(math.exp(rng.gauss(3.8, 0.55)) * (1.8 if custom else 1), 2)
            status = "cancelled" if rng.random() < 0.04 else "paid"
            delivery = None if status == "cancelled" else max(
                1, round(rng.gammavariate(3, (0.9 + 0.3 * u[week(ordered.date())]) / 1.1)))
            returned = status == "paid" and rng.random() < _clip(
                0.09 - 0.035 * u[week(ordered.date()) - 2], 0.01, 0.3)
            if returned and rng.random() < 0.8:
                status = "refunded"
            product = extra.randint(1, CUSTOM_PRODUCTS) if custom else extra.randint(
                CUSTOM_PRODUCTS + 1, PRODUCTS)
            orders.append((len(orders) + 1, cid, ordered, amount, status, channel, country,
                           "custom" if custom else "standard", seq[cid], returned, delivery,
                           product))
            if rng.random() < _clip(0.16 + 0.05 * v[week(ordered.date())], 0.02, 0.5):
                opened = ordered + timedelta(hours=rng.randint(1, 24 * 9))
                if opened.date() <= END:
                    tickets.append((len(tickets) + 1, cid, opened, rng.choice(TICKET_CATEGORIES)))
        day += timedelta(days=1)

    orders.sort(key=lambda r: (r[2], r[0]))
    nth: dict[int, int] = {}
    for i, row in enumerate(orders):
        nth[row[1]] = nth.get(row[1], 0) + 1  # ids and order_seq in time order
        orders[i] = (i + 1, *row[1:8], nth[row[1]], *row[9:])
    tickets.sort(key=lambda r: (r[2], r[0]))
    tickets = [(i + 1, *row[1:]) for i, row in enumerate(tickets)]
    return [*_orders_and_more(orders, sessions, tickets), *_dimensions(extra, customers)]


def _dimensions(rng: random.Random, customers: dict[int, tuple[str, str]]) -> list[Table]:
    """``shop.customers``, a type-2 history (about one customer in seven changes segment once
    during the two years), and the product catalogue."""
    segment_of = _picker(SEGMENTS)
    rows: list[tuple[object, ...]] = []
    for cid, (country, channel) in sorted(customers.items()):
        first = segment_of(rng)
        if rng.random() < 0.15:
            changed = datetime.combine(START + timedelta(days=rng.randint(30, 700)),
                                       datetime.min.time())
            then = rng.choice([s for s, _ in SEGMENTS if s != first])
            rows.append((cid, first, country.upper(), channel, EPOCH, changed))
            rows.append((cid, then, country.upper(), channel, changed, None))
        else:
            rows.append((cid, first, country.upper(), channel, EPOCH, None))
    products = [(p, "custom" if p <= CUSTOM_PRODUCTS else CATEGORIES[p % len(CATEGORIES)])
                for p in range(1, PRODUCTS + 1)]
    return [
        ("shop.customers", (("customer_id", "BIGINT"), ("segment", "VARCHAR"),
                            ("country", "VARCHAR"), ("signup_channel", "VARCHAR"),
                            ("valid_from", "TIMESTAMP"), ("valid_to", "TIMESTAMP")), rows),
        ("shop.products", (("product_id", "BIGINT"), ("category", "VARCHAR")), products),
    ]


def _orders_and_more(orders: list[tuple[object, ...]], sessions: list[tuple[object, ...]],
                     tickets: list[tuple[object, ...]]) -> list[Table]:
    """The fact tables."""
    return [
        ("shop.orders", (("order_id", "BIGINT"), ("customer_id", "BIGINT"),
                         ("ordered_at", "TIMESTAMP"), ("amount", "DECIMAL(10,2)"),
                         ("status", "VARCHAR"), ("channel", "VARCHAR"),
                         ("country_code", "VARCHAR"), ("product_type", "VARCHAR"),
                         ("order_seq", "INTEGER"), ("returned", "BOOLEAN"),
                         ("delivery_days", "INTEGER"), ("product_id", "BIGINT")), orders),
        ("shop.sessions", (("session_id", "BIGINT"), ("customer_id", "BIGINT"),
                           ("started_at", "TIMESTAMP"), ("channel", "VARCHAR"),
                           ("device", "VARCHAR"), ("viewed_product", "BOOLEAN"),
                           ("reached_checkout", "BOOLEAN")), sessions),
        ("shop.support_tickets", (("ticket_id", "BIGINT"), ("customer_id", "BIGINT"),
                                  ("opened_at", "TIMESTAMP"), ("category", "VARCHAR")),
         tickets),
    ]


if __name__ == "__main__":
    from pathlib import Path

    from metriclang.engine import write_duckdb

    write_duckdb(Path(sys.argv[1] if len(sys.argv) > 1 else "demo.duckdb"), tables())
