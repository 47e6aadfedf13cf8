"""Real engines: DuckDB, PostgreSQL (pgserver) and Spark (local mode), from the one engine
harness in ``tests/harness.py``."""
