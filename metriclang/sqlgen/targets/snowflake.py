"""Snowflake: ``FLATTEN`` spine; weeks computed from ``DAYOFWEEKISO`` (not ``WEEK_START``)."""

from __future__ import annotations

from sqlglot import exp

from metriclang.sqlgen.targets.base import Target, template


class Snowflake(Target):
    dialect = "snowflake"
    spine_sql = (
        "SELECT CAST(DATEADD({unit}, s.value, osm_lo) AS DATE) AS period "
        "FROM osm_bounds, LATERAL FLATTEN(INPUT => ARRAY_GENERATE_RANGE("
        "0, DATEDIFF({unit}, osm_lo, osm_hi) + 1, {step})) AS s"
    )

    def trunc(self, t: exp.Expr, grain: str) -> exp.Expr:
        if grain == "week":
            return template(
                self.dialect, "DATEADD(DAY, 1 - DAYOFWEEKISO(osm_t), CAST(osm_t AS DATE))", t=t
            )
        return super().trunc(t, grain)
