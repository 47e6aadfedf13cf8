"""Security tests reuse the engine tests' PostgreSQL server (pgserver) and its fixtures."""

from tests.engines.conftest import duckdb_file, postgres_url, warehouse_dir

__all__ = ["duckdb_file", "postgres_url", "warehouse_dir"]
