"""What every stage may raise or say: :class:`UsageError`, :class:`EmptyProject` and the
"did you mean" hint."""

from __future__ import annotations

import difflib
from collections.abc import Collection


class UsageError(Exception):
    """The command was used wrongly (PATH missing, unknown measure...): exit 2."""


class EmptyProject(UserWarning):
    """A project directory holds no ``.osm`` file: the loading stage warns (every command
    shows it), the command goes on with an empty project."""


def closest(name: str, candidates: Collection[str]) -> str | None:
    """The candidate closest to ``name`` if one is close enough (and not ``name`` itself).

    >>> closest("revenu", ["revenue", "orders"])
    'revenue'
    >>> closest("x", ["revenue"]) is None
    True
    """
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return close[0] if close and close[0] != name else None


def did_you_mean(name: str, candidates: Collection[str]) -> str | None:
    """``did you mean `x`?`` for the closest candidate, if one is close.

    >>> did_you_mean("mesure", ["measure", "source"])
    'did you mean `measure`?'
    """
    close = closest(name, candidates)
    return f"did you mean `{close}`?" if close else None
