"""Reporters: pure functions from diagnostics to text for terminals, CI systems and editors."""

from __future__ import annotations

import re
from collections.abc import Callable

from metriclang.diagnostics import DiagnosticSet
from metriclang.semantic.model import Project

#: A reporter turns a project's diagnostics into the text to print.
Reporter = Callable[[Project, DiagnosticSet, bool], str]


def reporter(name: str) -> Reporter:
    """The reporter for a ``--format`` value."""
    from importlib import import_module

    return import_module(f"metriclang.report.{name}").render  # type: ignore[no-any-return]


FORMATS = ("text", "json", "sarif", "github")

#: Codes of a project file that was found but not read (E105 unreadable, E108 too large).
_UNREAD = ("E105", "E108")


def checked_files(project: Project, diagnostics: DiagnosticSet) -> int:
    """How many ``.osm`` files were checked: those read, and those that could not be read
    (each counted with its error)."""
    read = {f.path for f in project.files}
    unread = {d.span.file for d in diagnostics
              if d.code in _UNREAD and d.span.file.endswith(".osm") and d.span.file not in read}
    return len(read) + len(unread)


#: Characters a terminal acts on: C0 controls but tab and newline, DEL, C1 controls, and the
#: bidirectional overrides that reorder what is shown ("Trojan Source").
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, newlines: bool = True) -> str:
    """``text`` safe to print on a terminal: control characters shown escaped.

    Every text output (check's text report, run's table, graph, diff, verify) passes the
    spec's and the warehouse's text through here; JSON keeps the real characters.
    ``newlines=False`` escapes line breaks too, for text that must stay on one line.

    >>> printable("a\\x1b[31mred\\x07\\u009b\\tb\\nc")
    'a\\\\x1b[31mred\\\\x07\\\\x9b\\tb\\nc'
    >>> printable("x\\ny", newlines=False)
    'x\\\\x0ay'
    """
    text = _CONTROL.sub(_escaped, text)
    return text if newlines else text.replace("\n", "\\x0a")
