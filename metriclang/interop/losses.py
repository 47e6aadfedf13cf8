"""What an export or import could not carry over: one :class:`Loss` per construct."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from metriclang.source import Span


@dataclass(frozen=True)
class Loss:
    """A construct the other side can't express, where it was written, and what happens."""

    file: str
    line: int
    column: int
    element: str
    what: str

    @classmethod
    def at(cls, span: Span, element: str, what: str) -> Loss:
        return cls(span.file, span.line, span.column, element, what)

    def render(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: lost: {self.element}: {self.what}"


def report(losses: Iterable[Loss], fmt: str) -> str:
    """The loss report: one line per loss, sorted by position, and a summary line.

    >>> print(report([Loss("b.osm", 2, 1, "measure m", "x"), Loss("a.osm", 9, 3, "source s", "y")],
    ...              "metricflow"), end="")
    a.osm:9:3: lost: source s: y
    b.osm:2:1: lost: measure m: x
    2 constructs could not be expressed in metricflow
    """
    items = sorted(set(losses), key=lambda x: (x.file, x.line, x.column, x.element, x.what))
    if not items:
        return f"nothing lost: everything is expressed in {fmt}\n"
    lines = [x.render() for x in items]
    noun = "construct" if len(items) == 1 else "constructs"
    return "\n".join([*lines, f"{len(items)} {noun} could not be expressed in {fmt}"]) + "\n"
