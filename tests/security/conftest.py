"""Security tests reuse the engine tests' PostgreSQL server (pgserver) and its fixtures, and
the injection tests' sentinel warehouses (``duck``, ``pg``) and sentinel file."""

from tests.engines.conftest import duckdb_file, postgres_url, warehouse_dir
from tests.security.test_injection import duck, pg, secret_file

__all__ = ["duck", "duckdb_file", "pg", "postgres_url", "secret_file", "warehouse_dir"]
