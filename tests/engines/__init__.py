"""Real engines: DuckDB, PostgreSQL (pgserver) and Spark (local mode)."""
