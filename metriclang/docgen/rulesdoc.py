"""Rule documentation for the site: from the rules registry's docstrings when it exists.

Every code found in the project's diagnostics gets a page. The fixed lint codes of the
language get one too, described by their one-line meaning until the registry documents them.
"""

from __future__ import annotations

import inspect
from importlib import import_module

#: The fixed codes of the language and when they fire (docs/language.md, "Diagnostic codes").
FIXED = {
    "C201": "`drives` links form a cycle",
    "C202": "a leading measure has no `drives` path to any lagging measure",
    "C203": "a lagging measure drives a leading one",
    "C204": "no measure of a strategy has a path to its objective's north star",
    "C205": "signs conflict: improving A worsens B along the effects of the path",
    "C206": "a lag is shorter than the driving measure's grain",
    "C207": "a strategy's chain to its north star, lags summed from today, ends after the "
            "objective's target date",
    "S301": "an objective has no strategy",
    "S302": "a strategy has no leading measure",
    "S303": "a measure is used by no objective",
    "S304": "a strategy uses a measure with no `kind`",
    "S305": "an objective traces to no `perspective customer` measure",
    "V401": "a cumulative or all-time total (it can only grow)",
    "V402": "a raw count of a vanity event with no denominator",
    "V403": "a measure informs no decision: no owner, no target and no causal link",
}


def _registry() -> dict[str, tuple[str, str]]:
    """``code -> (summary, rest of the docstring)`` from ``metriclang.rules.registry``."""
    try:
        rules = import_module("metriclang.rules.registry").RULES
    except (ImportError, AttributeError):
        return {}
    out = {}
    for rule in rules:
        doc = inspect.cleandoc(rule.__doc__ or "")
        summary, _, rest = doc.partition("\n")
        out[str(rule.code)] = (summary.strip(), rest.strip())
    return out


def rule_docs(found: list[str]) -> list[tuple[str, str, str]]:
    """``(code, summary, documentation)`` for every documented or found code, sorted."""
    documented = _registry()
    out = []
    for code in sorted(set(found) | set(FIXED) | set(documented)):
        summary, doc = documented.get(code, (FIXED.get(code, ""), ""))
        out.append((code, summary, doc))
    return out
