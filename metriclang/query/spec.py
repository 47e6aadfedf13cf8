"""An ad-hoc query as data (:class:`Query`), its option texts as files, its output columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from metriclang.source import SourceFile

#: ``--compare`` values.
COMPARES = ("previous_period", "previous_year")


@dataclass(frozen=True)
class Query:
    """Measures x dimensions x grain x where x date range x comparison, and the output order.

    ``grain`` None: the finest grain every measure allows. ``order``: ``COL`` or ``COL desc``.
    """

    measures: tuple[str, ...]
    by: tuple[str, ...] = ()
    grain: str | None = None
    where: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    compare: str | None = None
    order: str | None = None
    limit: int | None = None

    def column(self, dimension: str) -> str:
        """A ``--by`` dimension's output column: ``customer.segment`` -> ``customer__segment``."""
        return dimension.replace(".", "__")

    @property
    def columns(self) -> tuple[str, ...]:
        """The output columns, in order (the contract of docs/query.md)."""
        values = [
            c
            for name in self.measures
            for c in ((name, f"{name}__previous", f"{name}__change") if self.compare else (name,))
        ]
        return ("period", *(self.column(d) for d in self.by), *values)

    def files(self) -> tuple[SourceFile, ...]:
        """The options diagnostics point into: ``--by`` (a line per dimension), ``--where``,
        ``--grain``; a diagnostic's span names one of them as its file."""
        texts = {"--by": "\n".join(self.by), "--where": self.where, "--grain": self.grain}
        return tuple(SourceFile(name, text) for name, text in texts.items() if text)
