"""Source files and spans: where every element of a spec came from."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True, order=True, slots=True)
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
class LineIndex:
    """Where each line of a text starts: line/column <-> offset arithmetic, indexed once.

    Lines end at ``\\n`` only, as the parser counts them: ``str.splitlines`` would also break
    at form feeds (whitespace to the grammar) and other separators and shift every later line.
    Only the offsets are kept; a line is sliced from the text when asked for.

    >>> lines = LineIndex.of("a\\fb\\r\\nc")
    >>> lines.line(1), lines.line(2), lines.position(5), lines.offset((2, 1))
    ('a\\x0cb', 'c', (2, 1), 5)
    """

    text: str
    starts: tuple[int, ...]  # the offset of each line's first character

    @classmethod
    def of(cls, text: str) -> LineIndex:
        starts, at = [0], text.find("\n")
        while at >= 0:
            starts.append(at + 1)
            at = text.find("\n", at + 1)
        return cls(text, tuple(starts))

    def __len__(self) -> int:
        return len(self.starts)

    def line(self, number: int) -> str:
        """The text of a 1-based line without its line break ('' when out of range)."""
        if not 0 < number <= len(self.starts):
            return ""
        end = self.starts[number] - 1 if number < len(self.starts) else len(self.text)
        return self.text[self.starts[number - 1]:end].removesuffix("\r")

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of a 0-based character offset."""
        line = bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1

    def offset(self, position: tuple[int, int]) -> int:
        """The 0-based character offset of a 1-based (line, column)."""
        return self.starts[position[0] - 1] + position[1] - 1

    def with_ends(self) -> list[str]:
        """The lines with their ``\\n`` (as :mod:`difflib` takes them); the last may have none."""
        bounds = zip(self.starts, (*self.starts[1:], len(self.text)), strict=True)
        return [self.text[a:b] for a, b in bounds if a < b]

    @property
    def count(self) -> int:
        """Lines as an editor numbers them: a final line break ends the last line."""
        return len(self.starts) - (not self.text or self.text.endswith("\n"))


@dataclass(frozen=True)
class SourceFile:
    """One ``.osm`` file: its path relative to the project root and its decoded text."""

    path: str
    text: str

    @cached_property
    def lines(self) -> LineIndex:
        """The file's line index, built on first use (finding a line is then O(1))."""
        return LineIndex.of(self.text)
