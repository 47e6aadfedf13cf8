"""Databricks: Spark family."""

from __future__ import annotations

from metriclang.sqlgen.targets.spark import Spark


class Databricks(Spark):
    dialect = "databricks"
