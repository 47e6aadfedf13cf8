"""Source files and spans: where every element of a spec came from."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate


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
class LineIndex:
    """A text's lines and where each starts: line/column <-> offset arithmetic, computed once.

    Lines end at ``\\n`` only, as the parser counts them: ``str.splitlines`` would also break
    at form feeds (whitespace to the grammar) and other separators and shift every later line.

    >>> lines = LineIndex.of("a\\fb\\r\\nc")
    >>> lines.line(1), lines.line(2), lines.position(5), lines.offset((2, 1))
    ('a\\x0cb', 'c', (2, 1), 5)
    """

    text: str
    raw: tuple[str, ...]  # the text split at ``\n`` (a ``\r`` before it kept)
    starts: tuple[int, ...]  # the offset of each line's first character

    @classmethod
    def of(cls, text: str) -> LineIndex:
        raw = tuple(text.split("\n"))
        return cls(text, raw, (0, *accumulate(len(line) + 1 for line in raw[:-1])))

    def __len__(self) -> int:
        return len(self.raw)

    def line(self, number: int) -> str:
        """The text of a 1-based line without its line break ('' when out of range)."""
        return self.raw[number - 1].removesuffix("\r") if 0 < number <= len(self.raw) else ""

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of a 0-based character offset."""
        line = bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1

    def offset(self, position: tuple[int, int]) -> int:
        """The 0-based character offset of a 1-based (line, column)."""
        return self.starts[position[0] - 1] + position[1] - 1

    def with_ends(self) -> list[str]:
        """The lines with their ``\n`` (as :mod:`difflib` takes them); the last may have none."""
        return [line + "\n" for line in self.raw[:-1]] + [self.raw[-1]] * bool(self.raw[-1])

    @property
    def count(self) -> int:
        """Lines as an editor numbers them: a final line break ends the last line."""
        return len(self.raw) - (not self.raw[-1])


@dataclass(frozen=True)
class SourceFile:
    """One ``.osm`` file: its path relative to the project root and its decoded text."""

    path: str
    text: str

    @cached_property
    def lines(self) -> LineIndex:
        """The file's line index, built on first use."""
        return LineIndex.of(self.text)
