"""Diagnostics: what the passes report, with stable codes and exact spans."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum

from metriclang.source import Span


class Severity(StrEnum):
    """How serious a diagnostic is; ``error`` makes ``osm check`` exit 1."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


#: Source text quoted in a message: its first line, at most this many characters.
QUOTED = 60


def quoted(text: str, limit: int = QUOTED) -> str:
    """``text`` for a message: its first line, cut to ``limit`` characters (``…`` where cut).

    A message never carries more than one line of a file.

    >>> quoted("a = 1\\nor b = 2")
    'a = 1…'
    """
    short = text.split("\n", 1)[0].removesuffix("\r")[:limit]
    return short if short == text else short + "…"


@dataclass(frozen=True)
class Related:
    """Another spot that explains a diagnostic (the first duplicate, a hop of a cycle)."""

    message: str
    span: Span


@dataclass(frozen=True)
class Fix:
    """A machine-applicable edit: replace ``span`` with ``replacement``."""

    description: str
    span: Span
    replacement: str


@dataclass(frozen=True)
class Diagnostic:
    """One finding, pointing at the statement that causes it."""

    code: str
    severity: Severity
    message: str
    span: Span
    help: str | None = None
    related: tuple[Related, ...] = ()
    suppressed: bool = False
    reason: str | None = None
    fix: Fix | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.span.file, self.span.line, self.span.column, self.code, self.message)

    def with_severity(self, severity: Severity) -> Diagnostic:
        return replace(self, severity=severity)


def error(code: str, message: str, span: Span, help: str | None = None,
          related: Iterable[Related] = ()) -> Diagnostic:
    """Shorthand for an error diagnostic."""
    return Diagnostic(code, Severity.ERROR, message, span, help, tuple(related))


@dataclass(frozen=True)
class DiagnosticSet:
    """A sorted, frozen collection of diagnostics."""

    items: tuple[Diagnostic, ...] = field(default=())

    @classmethod
    def of(cls, diagnostics: Iterable[Diagnostic]) -> DiagnosticSet:
        return cls(tuple(sorted(set(diagnostics), key=lambda d: d.sort_key)))

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def active(self) -> tuple[Diagnostic, ...]:
        """Diagnostics not suppressed by an ``allow``."""
        return tuple(d for d in self.items if not d.suppressed)

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.active() if d.severity is severity)

    @property
    def has_errors(self) -> bool:
        return self.count(Severity.ERROR) > 0
