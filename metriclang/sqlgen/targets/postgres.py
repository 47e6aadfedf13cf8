"""PostgreSQL: ``generate_series`` spine, ``percentile_cont ... within group``, a windowed
plan's bounds from its grouped scan (a row store: one pass over the table, not two)."""

from __future__ import annotations

from metriclang.sqlgen.targets.base import Target


class Postgres(Target):
    dialect = "postgres"
    spine_sql: str | None = (
        "SELECT CAST(s.period AS DATE) AS period FROM osm_bounds CROSS JOIN "
        "GENERATE_SERIES(CAST(osm_lo AS TIMESTAMP), CAST(osm_hi AS TIMESTAMP), "
        "INTERVAL '{step} {unit_lower}') AS s(period)"
    )
    bounds_in_scan = True
