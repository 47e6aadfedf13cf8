"""``metriclang.toml`` -> frozen :class:`Config` (with diagnostics for bad settings)."""

from __future__ import annotations

import re
import tomllib
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
    severities: tuple[tuple[str, str], ...] = ()
    vanity_words: tuple[str, ...] = ()
    #: ``[sql] allow_functions``: functions fragments may call beyond sqlglot's typed ones
    #: (lower-case; the project owner vouches for them).
    allow_functions: tuple[str, ...] = ()
    extra: tuple[tuple[str, Any], ...] = field(default=(), compare=False)

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


def _configurable_codes() -> frozenset[str]:
    from metriclang.rules import CODES

    return frozenset(c for c in CODES if c[0] in "CSVU")


def _interpret(data: dict[str, Any], text: str) -> tuple[Config, tuple[Diagnostic, ...]]:
    from metriclang.sqlgen.dialects import INPUT_DIALECTS

    problems: list[Diagnostic] = []
    project = data.get("project", {})
    dialect = str(project.get("dialect", "duckdb"))
    if dialect not in INPUT_DIALECTS:
        problems.append(error("E191", f"unknown input dialect `{dialect}`",
                              _locate(text, "dialect"), "one of: " + ", ".join(INPUT_DIALECTS)))
        dialect = "duckdb"
    severities = []
    configurable = _configurable_codes()
    for code, word in sorted(data.get("rules", {}).items()):
        if code not in configurable:
            from metriclang.semantic.formula import did_you_mean

            problems.append(error("E193", f"`{code}` is not a rule code that can be configured",
                                  _locate(text, code), did_you_mean(code, configurable) or
                                  "only rule codes (C2xx, S3xx, V4xx, U501) take a severity; "
                                  "E-codes are always errors"))
        elif str(word) not in SEVERITY_WORDS:
            problems.append(error("E192", f"unknown severity `{word}` for `{code}`",
                                  _locate(text, code), "use error, warning, info or off"))
        else:
            severities.append((str(code), str(word)))
    words = tuple(str(w).lower() for w in data.get("vanity", {}).get("words", ()))
    warehouse = project.get("warehouse")
    allowed, problem = _allow_functions(data.get("sql", {}), text)
    problems += problem
    known = {"project", "rules", "vanity", "sql"}
    extra = tuple(sorted((k, v) for k, v in data.items() if k not in known))
    config = Config(dialect, str(warehouse) if warehouse else None, tuple(severities), words,
                    allowed, extra)
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
