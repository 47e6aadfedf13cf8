"""``metriclang.toml`` -> frozen :class:`Config` (with diagnostics for bad settings)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metriclang.diagnostics import Diagnostic, error
from metriclang.source import LineIndex, Span

CONFIG_FILE = "metriclang.toml"
SEVERITY_WORDS = ("error", "warning", "info", "off")


@dataclass(frozen=True)
class Config:
    """Project settings; every field has a default so a project needs no config file."""

    dialect: str = "duckdb"
    warehouse: str | None = None
    #: ``[project] title``: the project's name as the documentation site shows it.
    title: str | None = None
    severities: tuple[tuple[str, str], ...] = ()
    vanity_words: tuple[str, ...] = ()
    #: ``[sql] allow_functions``: functions fragments may call beyond sqlglot's typed ones
    #: (lower-case; the project owner vouches for them).
    allow_functions: tuple[str, ...] = ()
    extra: tuple[tuple[str, Any], ...] = field(default=(), compare=False)
    #: Where each ``[rules]`` key is written (for diagnostics about it); not part of dumps.
    severity_spans: tuple[tuple[str, Span], ...] = field(default=(), compare=False,
                                                         metadata={"dump": False})

    def severity_for(self, code: str) -> str | None:
        return dict(self.severities).get(code)


def _span(line: int = 1, column: int = 1) -> Span:
    return Span(CONFIG_FILE, line, column, line, column + 1)


def _locate(text: str, key: str) -> Span:
    """The span of ``key =`` in the TOML text (first occurrence), else the file start."""
    m = re.search(rf"^[ \t]*{re.escape(key)}[ \t]*=", text, re.M)
    if not m:
        return _span()
    line, column = LineIndex.of(text).position(m.start())
    return Span(CONFIG_FILE, line, column, line, column + len(key))


def load_config(root: Path) -> tuple[Config, tuple[Diagnostic, ...]]:
    """Read ``root/metriclang.toml`` when present.

    >>> load_config(Path("/nonexistent"))[0].dialect
    'duckdb'
    """
    path = root / CONFIG_FILE
    if not path.is_file():
        return Config(), ()
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        return Config(), (error("E105", f"cannot read {CONFIG_FILE}: {exc}", _span()),)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+), column (\d+)", str(exc))
        where = _span(int(m.group(1)), int(m.group(2))) if m else _span()
        return Config(), (error("E190", f"invalid TOML: {exc}", where),)
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        return Config(), (error("E190", "invalid TOML: nested too deeply", _span()),)
    return _interpret(data, text)


#: ``$$`` (a literal ``$``), ``${NAME}``, or a ``${`` that is not closed by a valid name.
_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\{[^}]*\}?")


class ConfigError(Exception):
    """A setting can't be used as written; ``diagnostic`` says where and why."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def expand_variables(value: str, environ: Mapping[str, str] | None, text: str = "") -> str:
    """``value`` with ``${NAME}`` replaced from ``environ`` and ``$$`` by ``$``.

    Raises :class:`ConfigError` (E195, positioned in ``text``, the TOML file) for a variable
    that is not set or a malformed ``${``. Without ``environ`` only the syntax is checked.

    >>> expand_variables("postgresql://ana:${PW}@db/x?a=$$b", {"PW": "s3"})
    'postgresql://ana:s3@db/x?a=$b'
    """
    def one(m: re.Match[str]) -> str:
        if m.group() == "$$":
            return "$"
        name = m.group(1)
        if name is None:
            raise ConfigError(error("E195", f"`{m.group()}` is not a variable reference",
                                    _locate_text(text, m.group(), "warehouse"),
                                    "write ${NAME} (letters, digits, _) or $$ for a `$`"))
        if environ is None:
            return ""
        if name not in environ:
            raise ConfigError(error("E195", f"environment variable `{name}` is not set",
                                    _locate_text(text, m.group(), "warehouse"),
                                    f"export {name}=... before running, or pass --db"))
        return environ[name]

    return _VARIABLE.sub(one, value)


def warehouse_url(config: Config, root: Path, environ: Mapping[str, str]) -> str | None:
    """``[project] warehouse`` with its ``${NAME}`` read from ``environ``.

    Raises :class:`ConfigError` (E195 in ``metriclang.toml``) when a variable is not set.
    """
    if config.warehouse is None:
        return None
    try:
        text = (root / CONFIG_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    return expand_variables(config.warehouse, environ, text)


def _locate_text(text: str, needle: str, key: str) -> Span:
    """The span of ``needle`` on the line of ``key =``, else of the key."""
    where = _locate(text, key)
    lines = text.split("\n")
    at = lines[where.line - 1].find(needle) if where.line <= len(lines) else -1
    if at < 0:
        return where
    return Span(CONFIG_FILE, where.line, at + 1, where.line, at + 1 + len(needle))


#: The type every known setting must have: (table, key) -> (Python type, TOML words).
_TYPES: dict[tuple[str, str], tuple[type, str]] = {
    ("", "project"): (dict, "a table ([project])"),
    ("", "rules"): (dict, "a table ([rules])"),
    ("", "vanity"): (dict, "a table ([vanity])"),
    ("", "sql"): (dict, "a table ([sql])"),
    ("project", "dialect"): (str, "a string"),
    ("project", "warehouse"): (str, "a string"),
    ("project", "title"): (str, "a string"),
    ("vanity", "words"): (list, "an array of strings"),
}


def _typed(data: dict[str, Any], text: str, problems: list[Diagnostic]) -> dict[str, Any]:
    """``data`` without the known settings of the wrong type (each one an E194)."""
    def check(table: str, key: str, value: Any) -> bool:
        expected = _TYPES.get((table, key))
        if expected is None:
            return True
        found = None if isinstance(value, expected[0]) else f"not {_toml_type(value)}"
        if found is None and isinstance(value, list):  # arrays hold strings only
            odd = next((w for w in value if not isinstance(w, str)), None)
            found = None if odd is None else f"not an array holding {_toml_type(odd)}"
        if found is not None:
            where = f"[{table}] {key}" if table else key
            problems.append(error("E194", f"`{where}` must be {expected[1]}, {found}",
                                  _locate(text, key), _EXAMPLES.get(key)))
        return found is None

    clean = {k: v for k, v in data.items() if check("", k, v)}
    for table in ("project", "vanity"):
        if table in clean:
            clean[table] = {k: v for k, v in clean[table].items() if check(table, k, v)}
    if "rules" in clean:
        rules = {}
        for code, word in clean["rules"].items():
            if isinstance(word, str):
                rules[code] = word
            else:
                problems.append(error("E194", f"the severity of `{code}` must be a string, not "
                                      f"{_toml_type(word)}", _locate(text, code),
                                      f'write {code} = "warning" (error, warning, info, off)'))
        clean["rules"] = rules
    return clean


_EXAMPLES = {
    "project": 'write [project] on its own line, then dialect = "duckdb"',
    "rules": 'write [rules] on its own line, then S303 = "warning"',
    "vanity": 'write [vanity] on its own line, then words = ["hits"]',
    "sql": 'write [sql] on its own line, then allow_functions = ["my_udf"]',
    "dialect": 'write dialect = "duckdb"',
    "warehouse": 'write warehouse = "duckdb:///demo.duckdb"',
    "title": 'write title = "Subscription metrics"',
    "words": 'write words = ["hits", "views"]',
}


def _toml_type(value: Any) -> str:
    """The TOML name of a value's type (``an integer``, ``a table``...)."""
    names = ((bool, "a boolean"), (int, "an integer"), (float, "a float"), (str, "a string"),
             (list, "an array"), (dict, "a table"))
    return next((n for t, n in names if isinstance(value, t)), "a date or time")


def _interpret(data: dict[str, Any], text: str) -> tuple[Config, tuple[Diagnostic, ...]]:
    from metriclang.dialects import INPUT_DIALECTS

    problems: list[Diagnostic] = []
    data = _typed(data, text, problems)
    project = data.get("project", {})
    dialect = str(project.get("dialect", "duckdb"))
    if dialect not in INPUT_DIALECTS:
        problems.append(error("E191", f"unknown input dialect `{dialect}`",
                              _locate(text, "dialect"), "one of: " + ", ".join(INPUT_DIALECTS)))
        dialect = "duckdb"
    severities = []
    for code, word in sorted(data.get("rules", {}).items()):
        if word not in SEVERITY_WORDS:
            problems.append(error("E192", f"unknown severity `{word}` for `{code}`",
                                  _locate(text, code), "use error, warning, info or off"))
        else:
            severities.append((code, word))
    words = tuple(w.lower() for w in data.get("vanity", {}).get("words", ()))
    warehouse = project.get("warehouse") or None
    if warehouse is not None:
        try:  # the syntax is checked now; variables are read only when connecting
            expand_variables(warehouse, None, text)
        except ConfigError as exc:
            problems.append(exc.diagnostic)
            warehouse = None
    allowed, problem = _allow_functions(data.get("sql", {}), text)
    problems += problem
    known = {"project", "rules", "vanity", "sql"}
    extra = tuple(sorted((k, v) for k, v in data.items() if k not in known))
    spans = tuple((code, _locate(text, code)) for code, _ in severities)
    title = project.get("title", "").strip() or None
    config = Config(dialect, warehouse, title, tuple(severities), words, allowed, extra, spans)
    return config, tuple(problems)


_FUNCTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)*")


def _allow_functions(section: object, text: str) -> tuple[tuple[str, ...], list[Diagnostic]]:
    """``[sql] allow_functions``: a list of function names (``schema.name`` for qualified).

    >>> _allow_functions({"allow_functions": ["My_UDF", "s.f"]}, "")
    (('my_udf', 's.f'), [])
    >>> _allow_functions({"allow_functions": "my_udf"}, "")[1][0].code
    'E194'
    """
    if not isinstance(section, dict):
        return (), [error("E194", "`sql` must be a table of settings",
                          _locate(text, "sql"), "write `[sql]` on its own line")]
    names = section.get("allow_functions", [])
    if isinstance(names, list) and all(isinstance(n, str) and _FUNCTION_NAME.fullmatch(n)
                                       for n in names):
        return tuple(sorted({n.lower() for n in names})), []
    return (), [error("E194", "`allow_functions` must be a list of function names",
                      _locate(text, "allow_functions"),
                      'write e.g. `allow_functions = ["my_udf", "analytics.clean"]`')]
