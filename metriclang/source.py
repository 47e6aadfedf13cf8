"""Source files and spans: where every element of a spec came from."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property


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
        starts = self.line_starts
        if not 0 < line <= len(starts):
            return ""
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[starts[line - 1]:end].removesuffix("\r")

    @cached_property
    def line_starts(self) -> tuple[int, ...]:
        """The offset where each line starts (indexed once, so finding a line is O(1))."""
        text, starts, at = self.text, [0], self.text.find("\n")
        while at >= 0:
            starts.append(at + 1)
            at = text.find("\n", at + 1)
        return tuple(starts)
