"""The ``[rules]`` table of ``metriclang.toml``: only rule codes take a severity (E193)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from metriclang.config import Config
from metriclang.diagnostics import Diagnostic, error
from metriclang.errors import UsageError, did_you_mean
from metriclang.rules.registry import DOCUMENTED

#: Codes whose severity a project may set: the rules (causal, structure, vanity, unused allow).
CONFIGURABLE: frozenset[str] = frozenset(r.code for r in DOCUMENTED)


def unknown_codes(config: Config) -> Iterator[Diagnostic]:
    """E193 for every ``[rules]`` key that is not a configurable rule code."""
    spans = dict(config.severity_spans)
    for code, _ in config.severities:
        if code not in CONFIGURABLE:
            yield error("E193", f"`{code}` is not a rule code that can be configured",
                        spans[code], did_you_mean(code, CONFIGURABLE) or
                        "only rule codes (C2xx, S3xx, V4xx, U501) take a severity; "
                        "E-codes are always errors")


def configurable(config: Config) -> Config:
    """``config`` keeping only the severities of configurable codes."""
    kept = tuple((c, w) for c, w in config.severities if c in CONFIGURABLE)
    return replace(config, severities=kept,
                   severity_spans=tuple((c, s) for c, s in config.severity_spans
                                        if c in CONFIGURABLE))


def expand(codes: Iterable[str], option: str) -> frozenset[str]:
    """The rule codes named by ``codes``: each a code or a prefix of codes (``V``, ``S30``),
    any case, comma-separated lists allowed; anything else is a usage error.

    >>> sorted(expand(["v40", "c201,S303"], "--ignore"))
    ['C201', 'S303', 'V401', 'V402', 'V403']
    """
    out: set[str] = set()
    for item in (c.strip().upper() for group in codes for c in group.split(",")):
        matched = {code for code in CONFIGURABLE if item and code.startswith(item)}
        if not matched:
            hint = ("E-codes are always errors" if item[:1] in ("E", "W") else
                    did_you_mean(item, CONFIGURABLE) or "see `osm rules`")
            raise UsageError(f"{option} `{item}` names no rule code: {hint}")
        out |= matched
    return frozenset(out)


def selected(config: Config, select: frozenset[str] | None, ignore: frozenset[str]) -> Config:
    """``config`` with the command line's ``--select`` (only these rule codes; None: all) and
    ``--ignore`` (not these) applied over ``[rules]``: a code left out is ``off``; a selected
    code that ``[rules]`` turns ``off`` runs at its default severity; ignore wins."""
    severities = dict(config.severities)
    for code in sorted(CONFIGURABLE):
        if code in ignore or (select is not None and code not in select):
            severities[code] = "off"
        elif select is not None and severities.get(code) == "off":
            del severities[code]
    return replace(config, severities=tuple(sorted(severities.items())))
