"""Snowflake: ``FLATTEN`` spine; weeks computed from ``DAYOFWEEKISO`` (not ``WEEK_START``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from metriclang.sqlgen.targets.base import Target


class Snowflake(Target):
    dialect = "snowflake"
    spine_sql = (
        "SELECT CAST(DATEADD({unit}, s.value, osm_lo) AS DATE) AS period "
        "FROM osm_bounds, LATERAL FLATTEN(INPUT => ARRAY_GENERATE_RANGE("
        "0, DATEDIFF({unit}, osm_lo, osm_hi) + 1, {step})) AS s"
    )
    trunc_sql: ClassVar[Mapping[str, str]] = {
        "week": "DATEADD(DAY, 1 - DAYOFWEEKISO(osm_t), CAST(osm_t AS DATE))"
    }
