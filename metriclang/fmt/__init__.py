"""``osm fmt``: one canonical layout for ``.osm`` files, keeping every comment.

>>> print(format_text('measure m{formula count(o)/ count(p) # share\\n kind  leading}').text)
measure m {
  formula count(o) / count(p)  # share
  kind leading
}
<BLANKLINE>
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass

from metriclang.diagnostics import Diagnostic, error
from metriclang.fmt.printer import Printer
from metriclang.source import LineIndex, Span
from metriclang.syntax.parser import parse_file


class FormatterBug(Exception):
    """The formatted text would not read back as the input: nothing is written."""


@dataclass(frozen=True)
class Formatted:
    """One file's text before and after formatting (``text`` is None on syntax errors)."""

    path: str
    original: str
    text: str | None
    diagnostics: tuple[Diagnostic, ...]

    @property
    def changed(self) -> bool:
        return self.text is not None and self.text != self.original

    def unified_diff(self) -> str:
        """The change as a unified diff (empty when unchanged)."""
        if not self.changed or self.text is None:
            return ""
        return "".join(difflib.unified_diff(
            LineIndex.of(self.original).with_ends(), LineIndex.of(self.text).with_ends(),
            f"a/{self.path}", f"b/{self.path}"))


def _render(path: str, text: str) -> tuple[str | None, tuple[Diagnostic, ...], Counter[str]]:
    tree, problems = parse_file(path, text)
    comments = Counter(c.text.rstrip() for c in tree.comments)
    if problems:
        return None, problems, comments
    try:
        return Printer(tree, text.removeprefix("\ufeff")).render(), (), comments
    except RecursionError:  # thousands of nested operators: report, leave the file as it is
        where = Span(path, 1, 1, 1, 1)
        return None, (error("E106", "formula nested too deeply to format", where,
                            "split it into several measures"),), comments


def format_text(text: str, path: str = "<stdin>") -> Formatted:
    """Format one file's text; a file with syntax errors is returned unformatted.

    The result is verified before it is returned: it must parse cleanly, keep every
    comment and be a fixed point of the formatter, else :class:`FormatterBug` is raised.
    """
    out, problems, before = _render(path, text)
    if out is None:
        return Formatted(path, text, None, problems)
    again, problems2, after = _render(path, out)
    if problems2 or again != out or before != after:
        raise FormatterBug(f"formatting {path} would not be stable or would lose text; "
                           "the file was left unchanged (please report this)")
    return Formatted(path, text, out, ())
