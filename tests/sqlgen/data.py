"""Hand-made tables for the SQL corpus: small enough to work values out by hand.

Edge cases in the rows: a week across New Year (Tue 2024-12-31 and Thu 2025-01-02 share the
week of Mon 2024-12-30), 29 February, a month with no rows (April 2024), NULL amounts,
customers and dimension values, a Unicode channel, columns named `order` and `select`, and an
empty `tickets` table.
"""

from __future__ import annotations

from typing import Any

ORDERS = [
    # order_id, customer_id, ordered_at, status, amount, channel, order, select
    (1, 1, "2023-12-31 10:00:00", "paid", 10, "web", 1, "a"),
    (2, 2, "2024-01-01 09:00:00", "paid", 20, "app", 2, "b"),
    (3, 1, "2024-01-02 12:00:00", "refunded", 30, "web", 3, "a"),
    (4, 3, "2024-02-29 08:00:00", "paid", None, "商店", None, None),
    (5, None, "2024-02-29 23:59:00", "paid", 0, "web", 5, "b"),
    (6, 2, "2024-03-01 00:00:00", "paid", 40, "app", 6, "a"),
    (7, 4, "2024-03-15 12:00:00", "paid", 50, "商店", 7, "b"),
    (8, 1, "2024-05-10 10:00:00", "paid", 60, "web", 8, "a"),
    (9, 5, "2024-12-31 23:00:00", "paid", 5, "web", 9, "a"),
    (10, 5, "2025-01-02 07:00:00", "refunded", 7, "app", 10, None),
]
SESSIONS = [
    # session_id, customer_id, started_at, reached_checkout
    (1, 1, "2023-12-31 09:00:00", True),   # order 1 one hour later: converted
    (7, 1, "2023-12-31 11:00:00", True),   # a later session of the same customer and week
    (2, 2, "2023-12-30 09:00:00", True),   # order 2 two days later: not within 1 day
    (3, 3, "2024-02-28 09:00:00", False),  # not a checkout
    (4, 3, "2024-02-28 10:00:00", True),   # order 4 22 hours later: converted
    (5, 5, "2024-03-02 09:00:00", True),   # no order
    (6, None, "2024-03-03 09:00:00", True),  # no customer: not counted
]

DDL = [
    "CREATE SCHEMA IF NOT EXISTS shop",
    'CREATE TABLE shop.orders (order_id INTEGER, customer_id INTEGER, ordered_at TIMESTAMP, '
    'status VARCHAR, amount DECIMAL(10, 2), channel VARCHAR, "order" INTEGER, "select" VARCHAR)',
    "CREATE TABLE shop.sessions (session_id INTEGER, customer_id INTEGER, "
    "started_at TIMESTAMP, reached_checkout BOOLEAN)",
    "CREATE TABLE shop.tickets (ticket_id INTEGER, customer_id INTEGER, opened_at TIMESTAMP)",
]


def load(con: Any) -> None:
    """Create and fill the corpus tables in a DuckDB connection."""
    for statement in DDL:
        con.execute(statement)
    con.executemany("INSERT INTO shop.orders VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ORDERS)
    con.executemany("INSERT INTO shop.sessions VALUES (?, ?, ?, ?)", SESSIONS)
