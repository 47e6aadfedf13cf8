"""Redshift: PostgreSQL family, but ``generate_series`` can't be joined to tables."""

from __future__ import annotations

from metriclang.sqlgen.targets.postgres import Postgres


class Redshift(Postgres):
    dialect = "redshift"
    spine_sql = None  # the portable numbers spine
