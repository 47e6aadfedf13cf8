"""JSON text indented by two spaces, as ``json.dumps(value, indent=2, ...)`` writes it, faster.

The standard library encodes indented JSON in Python generators (its C encoder only writes
compact text): 0.9 s for the manifest of a 10,000-measure compile (88,669 files, 10,000
measures). This writes the same text by plain recursion, each string by the standard
library's own C escaping; ``tests/test_jsontext.py`` compares the two.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring, encode_basestring_ascii


def dumps(value: object, ensure_ascii: bool = True, sort_keys: bool = False) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=ensure_ascii, sort_keys=sort_keys)``:
    dicts with string keys, lists, tuples, strings, integers, floats, booleans and None
    (anything else is handed to ``json.dumps``, which raises as it would)."""
    string: Callable[[str], str] = encode_basestring_ascii if ensure_ascii else encode_basestring
    try:
        return _text(value, "\n", string, sort_keys)
    except _Unusual:
        return json.dumps(value, indent=2, ensure_ascii=ensure_ascii, sort_keys=sort_keys)


class _Unusual(Exception):
    """A value this module leaves to ``json.dumps`` (a non-string key, a subclass...)."""


def _text(value: object, newline: str, string: Callable[[str], str], sort_keys: bool) -> str:
    kind = type(value)
    if kind is str:
        return string(value)  # type: ignore[arg-type]
    if kind is dict:
        items = value.items()  # type: ignore[attr-defined]
        if not items:
            return "{}"
        if sort_keys:
            items = sorted(items)
        inner = newline + "  "
        parts = []
        for key, item in items:
            if type(key) is not str:
                raise _Unusual
            parts.append(string(key) + ": " + _text(item, inner, string, sort_keys))
        return "{" + inner + ("," + inner).join(parts) + newline + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        inner = newline + "  "
        return "[" + inner + ("," + inner).join(
            _text(item, inner, string, sort_keys) for item in value  # type: ignore[attr-defined]
        ) + newline + "]"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int or kind is float:
        return json.dumps(value)
    raise _Unusual
