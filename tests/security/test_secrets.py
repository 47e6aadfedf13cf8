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
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from click.testing import CliRunner

from metriclang.cli import main
from metriclang.warehouse.urls import redact
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
    assert broken.exit_code == 2  # the warehouse can't be opened
    assert SECRET not in result.stdout + result.stderr + broken.stdout + broken.stderr


@pytest.mark.parametrize("url", [
    f"postgresql://ana:{SECRET}@db:5432/shop", f"postgres://ana:{ENCODED}@db/shop",
    f"postgresql://ana@db/shop?password={SECRET}", f"postgresql://ana:{SECRET}@db",
    f"error at postgresql://ana:{SECRET}@db/x; retry postgresql://bo:{SECRET}@db2/y",
])
def test_redact(url: str) -> None:
    assert SECRET not in redact(url) and ENCODED not in redact(url)
    assert "***" in redact(url)


# ------------------------------------------------------------------ every spelling of a secret


def _spellings(secret: str) -> set[str]:
    """A secret as it might be echoed: raw, percent-encoded (both ways), and its words."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret), repr(secret)[1:-1]}
    return forms | {w for w in secret.replace("\t", " ").replace("\n", " ").split() if len(w) > 5}


def _leaks(secret: str, *texts: str) -> list[str]:
    return sorted(f for f in _spellings(secret) for t in texts if f and f in t)


def _unique(shape: str) -> str:
    """A fresh secret shaped by ``shape`` (``{}`` is a random word)."""
    return shape.format(f"S{uuid.uuid4().hex[:12]}")


#: Passwords a URL can hold that a regex missed: raw @, tab, newline, URL delimiters, quotes.
HOSTILE = ["p@{}", "{}\tand more", "line\n{}", "a/b?c#{}", "sp ace {}", "50%{}", "q'u\"o{}",
           "{}@", "::{}::"]


@pytest.mark.parametrize("shape", HOSTILE)
def test_url_forms_are_redacted(shape: str) -> None:
    """Each hostile password, raw or encoded, is hidden by ``shown``/``redact`` whole."""
    from metriclang.warehouse.urls import shown

    secret = _unique(shape)
    for password in (secret, quote(secret, safe="")):
        url = f"postgresql://ana:{password}@db.example:5432/shop?sslmode=require"
        text = f"cannot connect to {url}: password authentication failed for {password}"
        assert not _leaks(secret, shown(url), redact(text), redact(text, url))
        assert "db.example:5432/shop" in shown(url)


@pytest.mark.parametrize("name", ["password", "sslpassword", "PassWord", "token", "api_key",
                                  "client_secret", "sslkey"])
def test_sensitive_parameters_are_redacted(name: str) -> None:
    from metriclang.warehouse.urls import shown

    secret = _unique("{}")
    url = f"postgresql://ana@db/shop?sslmode=require&{name}={secret}&application_name=osm"
    assert not _leaks(secret, shown(url), redact(f"error: {url}"))
    assert shown(url).endswith(f"&{name}=***&application_name=osm")


@pytest.mark.parametrize("shape", [
    "postgresql://127.0.0.1:9/db?password=@@{}", "postgresql://127.0.0.1:9/db?password=#{}",
    "postgresql://h/db?password=a#{}&x=1", "duckdb:///u:{}@x.duckdb", "spark://?token={}",
    "duckdb:///127.0.0.1:9/missing.duckdb?password=@&{}", "postgresql://h/db?password=a&{}&b=1",
])
def test_found_by_the_fuzzer(shape: str) -> None:
    """URLs whose secret sat where a simpler parse did not look (after `@@`, in a fragment,
    in a DuckDB file name)."""
    from metriclang.warehouse.urls import shown

    secret = _unique("{}")
    url = shape.format(secret)
    assert not _leaks(secret, shown(url), redact(f"error: {url}"), redact(f"x {url} y", url))


def test_url_without_scheme_is_not_shown() -> None:
    from metriclang.warehouse.result import EngineError
    from metriclang.warehouse.urls import scheme

    secret = _unique("{}")
    with pytest.raises(EngineError) as caught:
        scheme(f"postgresql:ana:{secret}@db/x")
    assert secret not in str(caught.value)


@pytest.fixture(scope="module")
def password_role(postgres_url: str) -> Iterator[tuple[str, str]]:
    """A login role that needs its password (pgserver trusts every other user): returns the
    role name and a URL template ``postgresql://ROLE:{}@/postgres?host=...``."""
    import psycopg

    role = f"osm_pw_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as con:
        hba = Path(str(con.execute("SHOW hba_file").fetchone()[0]))  # type: ignore[index]
        before = hba.read_text("utf-8")
        hba.write_text(f"local all {role} scram-sha-256\n" + before, "utf-8")
        con.execute("SELECT pg_reload_conf()")
        con.execute(f"CREATE ROLE {role} LOGIN")
        con.execute(f"GRANT USAGE ON SCHEMA shop TO {role}")
        con.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA shop TO {role}")
    host = postgres_url.split("?", 1)[1]
    try:
        yield role, f"postgresql://{role}:{{}}@/postgres?{host}"
    finally:
        hba.write_text(before, "utf-8")
        with psycopg.connect(postgres_url, autocommit=True) as con:
            con.execute("SELECT pg_reload_conf()")


def _set_password(postgres_url: str, role: str, password: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(postgres_url, autocommit=True) as con:
        con.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(password)))


@pytest.mark.postgres
@pytest.mark.parametrize("shape", HOSTILE)
@pytest.mark.parametrize("where", ["option", "environment", "variable"])
def test_hostile_password_on_a_real_server(tmp_path: Path, postgres_url: str,
                                           password_role: tuple[str, str], shape: str,
                                           where: str) -> None:
    """The right password connects (even with a raw `@`, tab or newline); a wrong one fails
    with a one-line error; neither shows the password in any spelling, on stdout, stderr or
    in a written file. The URL comes from --db, OSM_DB_URL or ${VAR} in metriclang.toml."""
    role, template = password_role
    secret = _unique(shape)
    _set_password(postgres_url, role, secret)
    outputs: list[str] = []
    ambiguous = 2 * ("?" in secret or "#" in secret)  # raw: must be percent-encoded
    for password, expected in ((secret, ambiguous), (secret + "x", 2),
                               (quote(secret, safe=""), 0)):
        url = template.format(password)
        root = _project(tmp_path / f"{expected}{len(outputs)}",
                        "${OSM_TEST_URL}" if where == "variable" else "duckdb:///demo.duckdb")
        env = {"OSM_TEST_URL": url} if where == "variable" else (
            {"OSM_DB_URL": url} if where == "environment" else {})
        args = ["run", str(root), "monthly_revenue", "--format", "csv"]
        result = CliRunner(env=env).invoke(
            main, args + (["--db", url] if where == "option" else []), catch_exceptions=False)
        assert result.exit_code == expected, result.stderr
        if expected == 0:
            assert result.stdout.startswith("period,value")
        else:
            assert "authentication failed" in result.stderr or "percent-encode" in result.stderr
            assert "***" in result.stderr
        outputs += [result.stdout, result.stderr]
    assert not _leaks(secret, *outputs)


@pytest.mark.postgres
def test_every_db_command_hides_an_environment_password(tmp_path: Path, postgres_url: str,
                                                        password_role: tuple[str, str]) -> None:
    """run, verify, docs --evidence and diff --run with OSM_DB_URL: results, no secret."""
    role, template = password_role
    secret = _unique("p@{}\t")
    _set_password(postgres_url, role, secret)
    root = _project(tmp_path, "duckdb:///demo.duckdb")
    out = tmp_path / "out"
    runner = CliRunner(env={"OSM_DB_URL": template.format(secret)})
    seen = []
    for args in _commands(root, out, None):
        result = runner.invoke(main, args, catch_exceptions=False)
        assert "Traceback" not in result.stdout + result.stderr
        if args[0] == "run":
            assert result.exit_code == 0, result.stderr
        seen += [result.stdout, result.stderr]
    assert not _leaks(secret, *seen, _files_text(out))


def test_unset_variable_in_warehouse_is_positioned(tmp_path: Path) -> None:
    root = _project(tmp_path, "postgresql://ana:${OSM_NO_SUCH_VAR_X}@db/shop")
    result = CliRunner(env={"OSM_DB_URL": ""}).invoke(
        main, ["run", str(root), "monthly_revenue"], catch_exceptions=False)
    assert result.exit_code == 2
    assert "metriclang.toml:3:" in result.stderr and "E195" in result.stderr
    assert "`OSM_NO_SUCH_VAR_X` is not set" in result.stderr
    check = CliRunner().invoke(main, ["check", str(root)], catch_exceptions=False)
    assert check.exit_code == 0  # checking needs no warehouse, so no variable either


def test_malformed_variable_and_dollars(tmp_path: Path) -> None:
    root = _project(tmp_path, "duckdb:///${not closed")
    check = CliRunner().invoke(main, ["check", str(root)], catch_exceptions=False)
    assert check.exit_code == 1 and "metriclang.toml:3:" in check.stdout
    assert "E195" in check.stdout
    from metriclang.config import expand_variables

    assert expand_variables("a$$b$c", {}) == "a$b$c"


def test_precedence_db_then_environment_then_config(tmp_path: Path) -> None:
    from metriclang.config import load_config
    from metriclang.semantic.model import Project
    from metriclang.warehouse.urls import choose

    root = _project(tmp_path, "duckdb:///${OSM_TEST_FILE}")
    config, problems = load_config(root)
    assert problems == ()
    project = Project(str(root), (), config, {}, {}, {}, {})
    env = {"OSM_DB_URL": "duckdb:///env.duckdb", "OSM_TEST_FILE": "cfg.duckdb"}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        assert choose(project, "duckdb:///opt.duckdb")[0] == "duckdb:///opt.duckdb"
        assert choose(project, None)[0] == "duckdb:///env.duckdb"
        patch.delenv("OSM_DB_URL")
        assert choose(project, None) == ("duckdb:///cfg.duckdb", root, True)
