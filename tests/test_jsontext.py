"""``jsontext.dumps`` writes exactly what ``json.dumps(indent=2, ...)`` writes."""

from __future__ import annotations

import json
import math
import random

import pytest

from metriclang.jsontext import dumps

STRINGS = ["", "a", "päth/ü.sql", "指标", "quote \" and \\ slash /", "\n\t\r\x00\x1f\x7f",
           "\ud800 lone surrogate", "😀", "</script>", "a" * 300]
SCALARS = [None, True, False, 0, -1, 10**30, 1.5, -0.0, 1e300, 2.5e-8, math.inf, math.nan,
           *STRINGS]


def _value(rng: random.Random, depth: int) -> object:
    roll = rng.random()
    if depth > 3 or roll < 0.4:
        return rng.choice(SCALARS)
    size = rng.choice((0, 1, 2, 5))
    if roll < 0.7:
        return {rng.choice(STRINGS) + str(rng.randrange(50)): _value(rng, depth + 1)
                for _ in range(size)}
    items = [_value(rng, depth + 1) for _ in range(size)]
    return items if roll < 0.85 else tuple(items)


@pytest.mark.parametrize("ensure_ascii", [True, False])
@pytest.mark.parametrize("sort_keys", [True, False])
def test_the_same_text_as_the_standard_library(ensure_ascii: bool, sort_keys: bool) -> None:
    """500 random nested values (escapes, surrogates, non-ASCII, empty and nested
    containers, special floats)."""
    rng = random.Random(21)
    for _ in range(500):
        value = _value(rng, 0)
        assert dumps(value, ensure_ascii, sort_keys) == json.dumps(
            value, indent=2, ensure_ascii=ensure_ascii, sort_keys=sort_keys)


@pytest.mark.parametrize("value", [
    {1: "a", "b": 2},            # a key that is not a string: json.dumps converts it
    {"a": {True: None}},
    [{"x": 1}, {2.5: [1]}],
    {"d": {"k": "v"}.keys().__class__},  # not serialisable: the same error
])
def test_what_it_does_not_write_itself_goes_to_the_standard_library(value: object) -> None:
    try:
        expected = json.dumps(value, indent=2)
    except TypeError as exc:
        with pytest.raises(TypeError, match=str(exc).split(" ")[0]):
            dumps(value)
        return
    assert dumps(value) == expected
