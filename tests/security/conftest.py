"""Security tests use the engine harness (``tests/harness.py``: the run's one PostgreSQL
server) and the injection tests' sentinel warehouses (``duck``, ``pg``) and sentinel file."""

from tests.security.test_injection import duck, pg, secret_file

__all__ = ["duck", "pg", "secret_file"]
