"""Source files and spans: where every element of a spec came from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Span:
    """A 1-based region of a file: ``file:line:column`` to ``end_line:end_column`` (exclusive)."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def to(self, other: Span) -> Span:
        """The span from the start of ``self`` to the end of ``other``."""
        return Span(self.file, self.line, self.column, other.end_line, other.end_column)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class SourceFile:
    """One ``.osm`` file: its path relative to the project root and its decoded text."""

    path: str
    text: str

    def line_text(self, line: int) -> str:
        """The text of a 1-based line without its line break ('' when out of range).

        Lines end at ``\n`` only, as the parser counts them (``str.splitlines`` would also
        break at form feeds and other separators and shift every later line).
        """
        lines = self.text.split("\n")
        return lines[line - 1].removesuffix("\r") if 0 < line <= len(lines) else ""
