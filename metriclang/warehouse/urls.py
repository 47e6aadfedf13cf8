"""Warehouse URLs: which one a project uses, how each part is read, and how it is shown.

* ``duckdb:///path/to/file.duckdb`` (relative paths: to the project root for the
  ``[project] warehouse`` setting, to the working directory for ``--db``),
  ``duckdb:////abs/path.duckdb``, ``duckdb:///:memory:``;
* ``postgresql://user:password@host:port/db`` (also ``postgres://``);
* ``spark://local[2]`` (local mode) or ``spark://host:port`` (a cluster master); query
  parameters starting with ``spark.`` become session settings.

Passwords are never shown: every URL in output and errors goes through :func:`shown` or
:func:`redact`.

>>> redact("postgresql://ana:s3cret@db:5432/shop")
'postgresql://ana:***@db:5432/shop'
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, quote_plus, unquote, unquote_plus

from metriclang.config import ConfigError, warehouse_url
from metriclang.diagnostics import Diagnostic
from metriclang.errors import UsageError
from metriclang.semantic.model import Project
from metriclang.warehouse.result import EngineError

_SCHEMES = ("duckdb", "postgresql", "postgres", "spark")
#: The environment variable read for the warehouse URL when ``--db`` is not given.
DB_ENV = "OSM_DB_URL"


class SettingError(UsageError):
    """The project's ``[project] warehouse`` can't be used (E195: a variable is not set);
    ``diagnostic`` says where, for the command line to render against ``project``."""

    def __init__(self, project: Project, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.project, self.diagnostic = project, diagnostic


def choose(project: Project, db: str | None) -> tuple[str, Path, bool]:
    """The URL to open, the directory relative DuckDB paths start from, and whether it is the
    project's own ``[project] warehouse``.

    Precedence: ``--db``, then ``$OSM_DB_URL``, then ``warehouse`` in metriclang.toml (whose
    ``${NAME}`` are read from the environment now). Raises :class:`UsageError` without one,
    :class:`SettingError` when a variable of the setting is not set.
    """
    root = Path(project.root)
    given = db or os.environ.get(DB_ENV)
    if given:
        return given, Path.cwd(), False
    try:
        url = warehouse_url(project.config, root, os.environ)
    except ConfigError as exc:
        raise SettingError(project, exc.diagnostic) from None
    if url is None:
        raise UsageError(f"no warehouse: pass --db URL, set {DB_ENV} or set `warehouse` under "
                         "[project] in metriclang.toml")
    return url, root, True


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


def safe_message(exc: BaseException, url: str | None = None) -> str:
    """First meaningful line of a driver error, with every secret of ``url`` (and of any URL
    in the message) hidden first, so that a secret spanning lines is hidden whole."""
    text = redact(str(exc), url).strip() or type(exc).__name__
    return text.splitlines()[0]


_QUOTED_SQL = re.compile(r"\s*LINE \d+:")


def engine_message(exc: BaseException, url: str | None = None) -> str:
    """A driver's error with every line of its message and hints kept (DuckDB's "Candidate
    bindings", PostgreSQL's ``HINT:``), secrets hidden, without the quote of the generated
    SQL (``LINE 3: ...`` and its caret line) and without blank lines.

    >>> engine_message(ValueError('Binder Error: "amout" not found\\nCandidate bindings: "amount"'
    ...                           '\\n\\nLINE 1: SELECT amout\\n               ^^^^^'))
    'Binder Error: "amout" not found\\nCandidate bindings: "amount"'
    """
    text = redact(str(exc), url).strip() or type(exc).__name__
    kept, caret = [], False
    for line in text.splitlines():
        if caret or _QUOTED_SQL.match(line):
            caret = not caret
            continue
        if line.strip():
            kept.append(line.strip())
    return "\n".join(kept)

