"""Run one generated SELECT on a warehouse: embedded DuckDB by default, others by URL.

URLs (passwords are never shown: every URL in output and errors goes through :func:`redact`):

* ``duckdb:///path/to/file.duckdb`` (relative paths: to the project root for the
  ``[project] warehouse`` setting, to the working directory for ``--db``),
  ``duckdb:////abs/path.duckdb``, ``duckdb:///:memory:``; opened read-only;
* ``postgresql://user:password@host:port/db`` (also ``postgres://``; psycopg; every query
  runs in a READ ONLY transaction that is rolled back);
* ``spark://local[2]`` (local mode) or ``spark://host:port`` (a cluster master); query
  parameters starting with ``spark.`` become session settings.

Only a single read-only query is executed: :func:`ensure_select` refuses anything else.
Every query has a statement timeout (:data:`DEFAULT_TIMEOUT`, ``--timeout``): PostgreSQL's
``statement_timeout`` for the transaction, DuckDB's ``interrupt()`` and Spark's job-group
cancellation from a timer; :class:`QueryTimeout` says when it fired.

>>> redact("postgresql://ana:s3cret@db:5432/shop")
'postgresql://ana:***@db:5432/shop'
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, quote_plus, unquote, unquote_plus

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

#: Statement nodes that write, change the schema or run arbitrary commands.
_FORBIDDEN: tuple[type[exp.Expression], ...] = (
    exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter,
    exp.Command, exp.Copy, exp.Set, exp.Use, exp.Pragma, exp.TruncateTable, exp.Into,
    exp.Transaction, exp.Commit, exp.Rollback, exp.LoadData, exp.Describe,
)
_SCHEMES = ("duckdb", "postgresql", "postgres", "spark")
#: Seconds a query may run before it is cancelled (``--timeout``).
DEFAULT_TIMEOUT = 300.0


class EngineError(Exception):
    """A warehouse could not be reached or refused a query; the message is safe to print."""


class QueryTimeout(EngineError):
    """A query ran longer than the statement timeout and was cancelled."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"exceeded the {seconds:g} s statement timeout (--timeout)")
        self.seconds = seconds


class _Deadline:
    """Calls ``cancel`` once ``seconds`` have passed, unless the block finished first.

    >>> with _Deadline(60, lambda: None) as d:
    ...     pass
    >>> d.fired
    False
    """

    def __init__(self, seconds: float, cancel: Callable[[], object]) -> None:
        self._cancel, self._lock, self._done, self.fired = cancel, threading.Lock(), False, False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        with self._lock:
            if not self._done:
                self.fired = True
                self._cancel()

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()


@dataclass(frozen=True)
class Result:
    """Column names and rows of one query, as the engine's Python values."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


class Engine(Protocol):
    """An open warehouse connection that runs one SELECT at a time."""

    #: sqlglot dialect of the SQL this engine runs (``duckdb``, ``postgres``, ``spark``).
    dialect: str
    #: The URL with its password replaced by ``***``.
    url: str
    #: Seconds a query may run (:class:`QueryTimeout` beyond).
    timeout: float

    def query(self, sql: str) -> Result: ...

    def close(self) -> None: ...


# ------------------------------------------------------------------ URLs


#: Query parameters whose values are secrets (``password``, ``sslpassword``, ``token``...).
_SENSITIVE = ("pass", "secret", "token", "key")
_HIDDEN = "***"
_URL_START = re.compile(r"\b[a-z][a-z0-9+.-]*://", re.I)


@dataclass(frozen=True)
class UrlParts:
    """A database URL split the way :func:`redact` and the engines need it.

    The user information is everything between ``://`` and the last ``@`` before the query
    (so a raw ``@``, ``/``, tab or newline in a password stays in the password);
    ``urllib.parse.urlsplit`` would end it at the first ``/`` and lose such a password.
    """

    scheme: str
    user: str | None
    password: str | None
    rest: str  # host, port, path, query and fragment as written

    @property
    def query(self) -> list[tuple[str, str]]:
        """The query parameters (raw, as written), ``(name, value)``; a piece without ``=``
        continues the value before it (a raw ``&`` in a password).

        >>> UrlParts("p", None, None, "h/db?password=a&b&sslmode=require").query
        [('password', 'a&b'), ('sslmode', 'require')]
        """
        pairs: list[tuple[str, str]] = []
        for piece in self.rest.partition("?")[2].partition("#")[0].split("&"):
            name, eq, value = piece.partition("=")
            if eq or not pairs:
                pairs.append((name, value))
            else:
                pairs[-1] = (pairs[-1][0], f"{pairs[-1][1]}&{piece}")
        return pairs


def split_url(url: str, loose: bool = False) -> UrlParts | None:
    """``url``'s parts, or None when it has no ``scheme://``.

    ``loose`` takes the last ``@`` anywhere (a raw ``?`` or ``#`` in a password): for hiding
    secrets only, never for connecting.

    >>> split_url("postgresql://u:p@SECRET@localhost:1/db?sslmode=disable").password
    'p@SECRET'
    >>> split_url("postgresql://u:p@SECRET@localhost:1/db?sslmode=disable").rest
    'localhost:1/db?sslmode=disable'
    """
    scheme, sep, after = url.partition("://")
    if not sep or not scheme or not scheme.replace("+", "").replace(".", "").replace(
            "-", "").isalnum():
        return None
    head_end = len(after) if loose else min(
        (i for i in (after.find("?"), after.find("#")) if i >= 0), default=len(after))
    at = after.rfind("@", 0, head_end)
    if at < 0:
        return UrlParts(scheme, None, None, after)
    user, colon, password = after[:at].partition(":")
    return UrlParts(scheme, user, password if colon else None, after[at + 1:])


def _shown_parts(url: str) -> UrlParts | None:
    """The parts to show ``url`` by: the loose split when only it finds a password (a raw
    ``?`` or ``#`` in it), else the strict one."""
    parts, loose = split_url(url), split_url(url, loose=True)
    if parts is None or loose is None:
        return None
    return loose if parts.user is None and loose.password is not None else parts


def _sensitive(name: str) -> bool:
    return any(word in unquote_plus(name).lower() for word in _SENSITIVE)


def url_secrets(url: str) -> tuple[str, ...]:
    """Every piece of ``url`` that must never be shown, in each spelling it may be echoed in:
    the password and sensitive query values, raw, percent-decoded and percent-encoded, and
    their words (a driver may quote only a part), longest first."""
    shown_parts = _shown_parts(url)
    if shown_parts is None:
        return ()
    # a fragment means nothing to a database: it may be a password's part after a raw `#`
    values = [shown_parts.rest.partition("#")[2]]
    for parts in (split_url(url), split_url(url, loose=True)):  # either may be the right one
        if parts is not None:
            values += [parts.password or "", *(v for k, v in parts.query if _sensitive(k))]
    found: set[str] = set()
    for value in values:
        for form in (value, unquote(value), unquote_plus(value)):
            found |= {form, quote(form, safe=""), quote_plus(form)}
            found |= {w for w in re.split(r"[\s@:/?#&=]+", form) if len(w) >= 4}
    found.discard("")
    return tuple(sorted(found, key=lambda t: (-len(t), t)))


def redact_url(url: str) -> str:
    """``url`` with its password and sensitive query values replaced by ``***``.

    >>> redact_url("postgresql://ana:p@SECRET@db:5432/shop?sslpassword=x&sslmode=require")
    'postgresql://ana:***@db:5432/shop?sslpassword=***&sslmode=require'
    """
    parts = _shown_parts(url)
    if parts is None:
        return url
    rest, hash_, fragment = parts.rest.partition("#")
    if "?" in rest:
        rest = rest.partition("?")[0] + "?" + "&".join(
            f"{k}={_HIDDEN}" if _sensitive(k) else f"{k}={v}" if v else k
            for k, v in parts.query)
    rest += f"{hash_}{_HIDDEN}" if fragment else hash_
    user = "" if parts.user is None else parts.user + (
        f":{_HIDDEN}" if parts.password is not None else "") + "@"
    return f"{parts.scheme}://{user}{rest}"


def shown(url: str) -> str:
    """``url`` as it may be printed: :func:`redact_url`, then any other spelling of its
    secrets hidden; a text without ``scheme://`` is not shown at all.

    >>> shown("postgresql:ana:pw@db/x")
    '(not shown: no scheme://)'
    """
    if split_url(url) is None:
        return "(not shown: no scheme://)"
    # other spellings of a secret (the user name is the password...); very short secrets
    # would hide every letter they match, and redact_url removed them where they belong
    return hide(redact_url(url), tuple(t for t in url_secrets(url) if len(t) >= 4))


def hide(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every one of ``secrets`` (longest first) replaced by ``***``."""
    for secret in secrets:
        text = text.replace(secret, _HIDDEN)
    return text


def redact(text: str, url: str | None = None) -> str:
    """``text`` (a message) with every secret of ``url`` and of each URL in it hidden.

    Each ``scheme://`` in the text starts a URL; as its end is unknown when the password holds
    spaces or line breaks, every end at a space up to the next URL is tried, and each
    candidate's password and sensitive parameters (:func:`url_secrets`) are hidden wherever
    they occur. ``password=...`` outside a URL (libpq's key/value form) is hidden too.

    >>> redact("error at spark://local[2]; try postgres://u:p%40ss@h/db?password=x")
    'error at spark://local[2]; try postgres://u:***@h/db?password=***'
    >>> redact("postgresql://u:p@ss@h/db")
    'postgresql://u:***@h/db'
    """
    secrets = set(url_secrets(url) if url else ())
    starts = [m.start() for m in _URL_START.finditer(text)]
    for start, stop in zip(starts, [*starts[1:], len(text)], strict=False):
        piece = text[start:min(stop, start + 2000)]  # a password may hold spaces or lines
        for end in [len(piece)] + [i for i, c in enumerate(piece) if c.isspace()]:
            secrets |= set(url_secrets(piece[:end]))
    for m in re.finditer(r"\b(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s&]+)", text):
        if _sensitive(m.group(1)):
            secrets |= {m.group(2), m.group(2).strip("'")} - {""}
    return hide(text, tuple(sorted(secrets, key=lambda t: (-len(t), t))))


def scheme(url: str) -> str:
    """The engine a URL names (``postgres`` for both PostgreSQL spellings)."""
    name = url.split(":", 1)[0].lower() if ":" in url else ""
    if name not in _SCHEMES or (name != "duckdb" and split_url(url) is None):
        raise EngineError(f"unsupported database URL `{shown(url)}`: use duckdb:///FILE, "
                          "postgresql://USER:PASSWORD@HOST:PORT/DB or spark://MASTER")
    return "postgres" if name == "postgresql" else name


def duckdb_path(url: str, base: Path) -> Path | None:
    """The database file of a ``duckdb://`` URL (``None`` for ``:memory:``).

    >>> duckdb_path("duckdb:///demo.duckdb", Path("/p"))
    PosixPath('/p/demo.duckdb')
    >>> duckdb_path("duckdb:////tmp/x.duckdb", Path("/p"))
    PosixPath('/tmp/x.duckdb')
    """
    m = re.fullmatch(r"duckdb:(?://)?/?(.*)", url, re.I)
    rest = m.group(1) if m else ""
    if rest in ("", ":memory:"):
        return None
    path = Path(rest)
    return path if path.is_absolute() else base / path


def spark_master(url: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The Spark master of a ``spark://`` URL and its ``spark.*`` query settings.

    >>> spark_master("spark://local[2]?spark.executor.memory=2g")
    ('local[2]', (('spark.executor.memory', '2g'),))
    >>> spark_master("spark://10.0.0.5:7077")
    ('spark://10.0.0.5:7077', ())
    """
    rest = re.sub(r"^spark://", "", url, flags=re.I)
    host, _, query = rest.partition("?")
    host = host.rstrip("/")
    if not host:
        raise EngineError(f"no Spark master in `{shown(url)}`: use spark://local[2] "
                          "or spark://HOST:PORT")
    settings = tuple((k, v) for k, v in parse_qsl(query) if k.startswith("spark."))
    return (host if host.startswith("local") else f"spark://{host}"), settings


# ------------------------------------------------------------------ safety


def ensure_select(sql: str, dialect: str) -> None:
    """Raise :class:`EngineError` unless ``sql`` is exactly one read-only query.

    >>> ensure_select("SELECT 1 AS value", "duckdb")
    >>> ensure_select("SELECT 1; DROP TABLE t", "duckdb")
    Traceback (most recent call last):
    ...
    metriclang.engine.EngineError: refusing to run 2 statements: exactly one SELECT is allowed
    """
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except ParseError as exc:
        raise EngineError(f"refusing to run SQL that does not parse as {dialect}: "
                          f"{str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise EngineError(f"refusing to run {len(statements)} statements: "
                          "exactly one SELECT is allowed")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise EngineError(f"refusing to run {tree.key.upper()}: only a SELECT is allowed")
    bad = next((n for n in tree.walk() if isinstance(n, _FORBIDDEN)), None)
    if bad is not None:
        raise EngineError(f"refusing to run a query containing {bad.key.upper()}: "
                          "only a read-only SELECT is allowed")


def _message(exc: BaseException, url: str | None = None) -> str:
    """First meaningful line of a driver error, with every secret of ``url`` (and of any URL
    in the message) hidden first, so that a secret spanning lines is hidden whole."""
    text = redact(str(exc), url).strip() or type(exc).__name__
    return text.splitlines()[0]


# ------------------------------------------------------------------ engines


class DuckDBEngine:
    """An embedded DuckDB database file, opened read-only without access to other files."""

    dialect = "duckdb"

    def __init__(self, path: Path | None, url: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        """``url`` is the URL ``path`` came from: whatever looks secret in it (a password or
        ``token=`` parameter) is hidden from the file name in messages too."""
        import duckdb

        self.timeout = timeout
        self._secret_url = url
        self.url = redact(f"duckdb:///{path}" if path else "duckdb:///:memory:", url)
        if path is not None and not path.is_file():
            raise EngineError(f"database file not found: {redact(str(path), url)}")
        try:
            self._con = duckdb.connect(str(path) if path else ":memory:",
                                       read_only=path is not None,
                                       config={"enable_external_access": False})
        except (duckdb.Error, ValueError) as exc:  # ValueError: a NUL in the file name
            raise EngineError(f"cannot open {self.url}: {_message(exc, url)}") from None

    def query(self, sql: str) -> Result:
        import duckdb

        ensure_select(sql, self.dialect)
        try:
            with _Deadline(self.timeout, self._con.interrupt) as deadline:
                cursor = self._con.execute(sql)
                columns = tuple(d[0] for d in cursor.description)
                rows = tuple(tuple(r) for r in cursor.fetchall())
        except duckdb.Error as exc:
            if deadline.fired:
                raise QueryTimeout(self.timeout) from None
            raise EngineError(f"DuckDB failed: {_message(exc, self._secret_url)}") from None
        return Result(columns, rows)

    def close(self) -> None:
        self._con.close()


class PostgresEngine:
    """A PostgreSQL server through psycopg; each query in a READ ONLY transaction."""

    dialect = "postgres"

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        import psycopg

        self.timeout = timeout
        self.url = shown(url)
        self._secret_url = url
        try:
            self._con = psycopg.connect(_conninfo(url), connect_timeout=10)
        except psycopg.Error as exc:
            raise EngineError(f"cannot connect to {self.url}: {self._safe(exc)}") from None
        self._con.read_only = True

    def _safe(self, exc: BaseException) -> str:
        """A driver message with the URL's secrets hidden wherever they appear."""
        return _message(exc, self._secret_url)

    def query(self, sql: str) -> Result:
        import psycopg

        ensure_select(sql, self.dialect)
        try:
            with self._con.transaction(force_rollback=True), self._con.cursor() as cur:
                # SET LOCAL: ends with the transaction (bound: SET takes no parameters)
                cur.execute("SELECT set_config('statement_timeout', %s, true)",
                            [str(max(1, round(self.timeout * 1000)))])
                cur.execute(sql.encode("utf-8"))
                columns = tuple(d.name for d in cur.description or ())
                return Result(columns, tuple(tuple(r) for r in cur.fetchall()))
        except psycopg.Error as exc:
            if isinstance(exc, psycopg.errors.QueryCanceled) and "statement timeout" in str(exc):
                raise QueryTimeout(self.timeout) from None
            raise EngineError(f"PostgreSQL failed: {self._safe(exc)}") from None

    def close(self) -> None:
        self._con.close()


def _conninfo(url: str) -> str:
    """A libpq URI for ``url`` with its user and password percent-encoded, so that a raw
    ``@``, ``/``, ``:``, space, tab or newline in the password stays in the password (a raw
    ``?`` or ``#`` can't be told from the query: :class:`EngineError`)."""
    parts, loose = split_url(url), split_url(url, loose=True)
    if parts is not None and parts.user is None and loose is not None and loose.password:
        raise EngineError(f"cannot connect to {shown(url)}: the password seems to hold a raw "
                          "`?` or `#`; percent-encode it (`?` is %3F, `#` is %23)")
    if parts is None or parts.user is None:
        return "postgresql://" + url.partition("://")[2]
    user = quote(unquote(parts.user), safe="")
    password = "" if parts.password is None else ":" + quote(unquote(parts.password), safe="")
    return f"postgresql://{user}{password}@{parts.rest}"


class SparkEngine:
    """A Spark session (local mode or a cluster master) through pyspark."""

    dialect = "spark"

    def __init__(self, url: str, session: Any = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout
        self.url = shown(url)
        self._secret_url = url
        self._owned = session is None
        if session is not None:
            self._spark = session
            return
        master, settings = spark_master(url)
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise EngineError("Spark needs pyspark: pip install 'metriclang[spark]'") from None
        builder = (SparkSession.builder.master(master).appName("metriclang")
                   .config("spark.ui.enabled", "false")
                   .config("spark.sql.session.timeZone", "UTC"))
        for key, value in settings:
            builder = builder.config(key, value)
        try:
            self._spark = builder.getOrCreate()
        except Exception as exc:  # py4j and JVM start-up failures have no common base
            raise EngineError(f"cannot start Spark at {self.url}: "
                              f"{_message(exc, url)}") from None
        # failed queries are reported as one line by query(); the JVM's own log would
        # print them again as pages of JSON
        self._spark.sparkContext.setLogLevel("FATAL")

    def query(self, sql: str) -> Result:
        ensure_select(sql, self.dialect)
        context = self._spark.sparkContext
        group = f"metriclang-{threading.get_ident()}"
        context.setJobGroup(group, "osm run", interruptOnCancel=True)
        try:
            with _Deadline(self.timeout, lambda: context.cancelJobGroup(group)) as deadline:
                frame = self._spark.sql(sql)
                rows = frame.collect()
        except Exception as exc:  # pyspark raises AnalysisException, Py4JJavaError, ...
            if deadline.fired:
                raise QueryTimeout(self.timeout) from None
            raise EngineError(f"Spark failed: {_message(exc, self._secret_url)}") from None
        return Result(tuple(frame.columns), tuple(tuple(r) for r in rows))

    def close(self) -> None:
        if self._owned:
            self._spark.stop()


def connect(url: str, base: Path | None = None, timeout: float = DEFAULT_TIMEOUT) -> Engine:
    """Open the warehouse at ``url``; relative DuckDB paths are resolved against ``base``.

    Each query of the engine is cancelled after ``timeout`` seconds.
    """
    kind = scheme(url)
    if kind == "duckdb":
        return DuckDBEngine(duckdb_path(url, base or Path.cwd()), url, timeout)
    if kind == "postgres":
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise EngineError("PostgreSQL needs psycopg: "
                              "pip install 'metriclang[postgres]'") from None
        return PostgresEngine(url, timeout)
    return SparkEngine(url, timeout=timeout)



# ------------------------------------------------------------------ demo data

#: A table to load: qualified name, ``(column, DuckDB type)`` pairs, rows.
Table = tuple[str, tuple[tuple[str, str], ...], list[tuple[Any, ...]]]


def write_duckdb(path: Path, tables: Sequence[Table]) -> None:
    """Create the DuckDB file ``path`` holding ``tables`` (atomically: all or nothing)."""
    import csv
    import os
    import tempfile

    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="osm-demo-", dir=path.parent) as tmp:
        build = Path(tmp) / "osm_build.duckdb"  # a catalog name no schema uses
        con = duckdb.connect(str(build))
        try:
            for name, columns, rows in tables:
                schema = exp.to_table(name).db
                if schema:
                    con.execute(exp.Create(this=exp.to_identifier(schema), kind="SCHEMA",
                                           exists=True).sql("duckdb"))
                file = Path(tmp) / f"{name}.csv"
                with file.open("w", newline="", encoding="utf-8") as out:
                    csv.writer(out).writerows(rows)
                types = ", ".join(f"'{c}': '{t}'" for c, t in columns)
                con.execute(f"CREATE TABLE {exp.to_table(name).sql('duckdb')} AS "
                            f"SELECT * FROM read_csv(?, header = false, columns = {{{types}}})",
                            [str(file)])
        finally:
            con.close()
        os.replace(build, path)


def ensure_demo_data(path: Path, root: Path) -> bool:
    """Build ``path`` from ``root/data/generate.py`` when the file is missing.

    Returns True when it built the file; a project without a generator is left alone.
    """
    import importlib.util

    generator = root / "data" / "generate.py"
    if path.exists() or not generator.is_file():
        return False
    spec = importlib.util.spec_from_file_location(f"osm_demo_{root.name}", generator)
    if spec is None or spec.loader is None:
        raise EngineError(f"cannot load the demo data generator {generator}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        write_duckdb(path, module.tables())
    except Exception as exc:  # a generator is user code: report it, never a traceback
        raise EngineError(f"cannot build {path.name} with {generator}: "
                          f"{type(exc).__name__}: {_message(exc)}") from None
    return True
