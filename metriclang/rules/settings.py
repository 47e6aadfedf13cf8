"""The ``[rules]`` table of ``metriclang.toml``: only rule codes take a severity (E193)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from metriclang.config import Config
from metriclang.diagnostics import Diagnostic, error
from metriclang.errors import did_you_mean
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
