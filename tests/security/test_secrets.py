"""Secrets: a warehouse password never appears in output, errors, docs or compiled files.

A unique password goes into ``--db`` and into ``metriclang.toml`` (plain, URL-encoded with
special characters, and as a ``password=`` parameter); every command runs, successfully or
not, through click (same code path as ``osm``) and a couple as real processes. Then stdout,
stderr and every file written are searched for the secret.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from metriclang.cli import main
from metriclang.engine import redact
from tests.conftest import EXAMPLES, ROOT

SECRET = f"pw{uuid.uuid4().hex[:16]}"
ENCODED = quote(f"{SECRET}:/@?#&=", safe="")


def urls(host: str = "127.0.0.1:9") -> list[str]:
    """Unreachable PostgreSQL URLs carrying the secret in every supported spelling."""
    return [f"postgresql://ana:{SECRET}@{host}/shop",
            f"postgres://ana:{ENCODED}@{host}/shop?sslmode=disable",
            f"postgresql://ana@{host}/shop?password={SECRET}&connect_timeout=2",
            f"postgresq://ana:{SECRET}@{host}/shop"]  # a misspelt scheme: usage error


def _project(tmp_path: Path, url: str) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "shop", root, ignore=shutil.ignore_patterns("*.duckdb", "data"))
    measures = root / "measures.osm"  # a breaking change, so that `osm diff --run` connects
    measures.write_text(measures.read_text("utf-8").replace(
        "formula sum(orders.amount where status = 'paid')\n", "formula sum(orders.amount)\n", 1),
        encoding="utf-8")
    (root / "metriclang.toml").write_text(
        f'[project]\ndialect = "duckdb"\nwarehouse = "{url}"\n', encoding="utf-8")
    return root


def _files_text(folder: Path) -> str:
    return "".join(p.read_text("utf-8", errors="replace") for p in sorted(folder.rglob("*"))
                   if p.is_file())


def _commands(root: Path, out: Path, url: str | None) -> list[list[str]]:
    db = ["--db", url] if url else []
    return [
        ["check", str(root)], ["check", str(root), "--format", "json"],
        ["check", str(root), "--format", "sarif"], ["check", str(root), "--format", "github"],
        ["sql", str(root), "monthly_revenue"],
        ["compile", str(root), "--dialect", "all", "--out", str(out / "sql")],
        ["docs", str(root), "--out", str(out / "site"), "--dialect", "postgres"],
        ["docs", str(root), "--out", str(out / "md"), "--format", "markdown", "--no-sql"],
        ["graph", str(root)], ["run", str(root), "monthly_revenue", *db],
        ["run", str(root), "--all", "--format", "json", *db],
        ["verify", str(root), *db, "--format", "json"],
        ["docs", str(root), "--out", str(out / "evidence"), "--no-sql", "--evidence", *db],
        ["diff", str(EXAMPLES / "shop"), str(root), "--project", str(root), "--run", *db],
    ]


@pytest.mark.parametrize("url", urls(), ids=["plain", "encoded", "parameter", "bad_scheme"])
@pytest.mark.parametrize("where", ["config", "option"])
def test_secret_never_shown(tmp_path: Path, url: str, where: str) -> None:
    root = _project(tmp_path, url if where == "config" else "duckdb:///demo.duckdb")
    out = tmp_path / "out"
    runner = CliRunner()
    seen, codes = [], []
    for args in _commands(root, out, url if where == "option" else None):
        result = runner.invoke(main, args, catch_exceptions=False)
        codes.append((args[0], result.exit_code))
        seen += [result.stdout, result.stderr]
    joined = "".join(seen) + _files_text(out)
    assert SECRET not in joined
    assert SECRET.upper() not in joined.upper()
    assert dict(codes)["run"] in (1, 2)  # the warehouse is unreachable: an error, reported
    assert "Traceback (most recent call last)" not in "".join(seen)


def test_secret_not_in_processes_output(tmp_path: Path) -> None:
    """The real executable, run and verify failing to connect: a redacted one-line error."""
    root = _project(tmp_path, urls()[0])
    env = dict(os.environ, PYTHONPATH=str(ROOT), METRICLANG_NO_CACHE="1")
    for args in (["run", str(root), "monthly_revenue"],
                 ["run", str(root), "monthly_revenue", "--db", urls()[1]],
                 ["verify", str(root), "--db", urls()[2]]):
        done = subprocess.run([sys.executable, "-m", "metriclang.cli", *args], env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode in (1, 2), done
        assert SECRET not in done.stdout + done.stderr
        assert "***" in done.stderr or "unsupported" in done.stderr, done.stderr


@pytest.mark.postgres
def test_secret_not_shown_by_a_successful_run(tmp_path: Path, postgres_url: str) -> None:
    """A reachable server (pgserver trusts local users): results print, the password doesn't."""
    assert "@" in postgres_url
    user, rest = postgres_url.split("://", 1)[1].split("@", 1)
    url = f"postgresql://{user.split(':')[0]}:{SECRET}@{rest}"
    root = _project(tmp_path, url)
    runner = CliRunner()
    result = runner.invoke(main, ["run", str(root), "monthly_revenue", "--format", "csv"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("period,value")
    broken = runner.invoke(main, ["run", str(root), "monthly_revenue", "--db",
                                  url.replace("/postgres", "/no_such_database")],
                           catch_exceptions=False)
    assert broken.exit_code == 1
    assert SECRET not in result.stdout + result.stderr + broken.stdout + broken.stderr


@pytest.mark.parametrize("url", [
    f"postgresql://ana:{SECRET}@db:5432/shop", f"postgres://ana:{ENCODED}@db/shop",
    f"postgresql://ana@db/shop?password={SECRET}", f"postgresql://ana:{SECRET}@db",
    f"error at postgresql://ana:{SECRET}@db/x; retry postgresql://bo:{SECRET}@db2/y",
])
def test_redact(url: str) -> None:
    assert SECRET not in redact(url) and ENCODED not in redact(url)
    assert "***" in redact(url)
