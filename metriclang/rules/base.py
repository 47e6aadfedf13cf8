"""The rule protocol and the docstring sections that document every rule.

A rule is a stateless class with ``code``, ``name`` (a kebab slug), ``default`` severity and
``check(ctx)``, a generator of diagnostics. Its docstring is its documentation::

    Summary line.

    What it checks:
        ...
    Why it matters:
        ...
    Example:
        ```osm
        ...            (a snippet that fires)
        ```
    Fix:
        ```osm
        ...            (the same snippet, fixed: it must not fire)
        ```
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from metriclang.diagnostics import Diagnostic, Related, Severity
from metriclang.source import Span

if TYPE_CHECKING:
    from metriclang.rules.context import Context

SECTIONS = ("What it checks", "Why it matters", "Example", "Fix")
_CODE_BLOCK = re.compile(r"```osm\n(.*?)```", re.S)


@dataclass(frozen=True)
class RuleDoc:
    """A rule's documentation, parsed from its docstring."""

    summary: str
    checks: str
    why: str
    example: str
    fix: str

    @staticmethod
    def snippet(section: str) -> str:
        """The ``osm`` code block of a section (the whole section when it has none)."""
        m = _CODE_BLOCK.search(section)
        return m.group(1) if m else section


def parse_doc(docstring: str | None, owner: str) -> RuleDoc:
    """Split a rule docstring into its fixed sections; a missing section is a bug."""
    text = inspect.cleandoc(docstring or "")
    summary, _, rest = text.partition("\n")
    parts: dict[str, str] = {}
    pattern = re.compile(r"^(" + "|".join(SECTIONS) + r"):\n", re.M)
    marks = list(pattern.finditer(rest))
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(rest)
        parts[m.group(1)] = textwrap.dedent(rest[m.end():end]).strip("\n") + "\n"
    missing = [s for s in SECTIONS if s not in parts]
    if missing or not summary.strip():
        raise ValueError(f"{owner}: docstring lacks {missing or 'a summary'}")
    return RuleDoc(summary.strip(), parts["What it checks"], parts["Why it matters"],
                   parts["Example"], parts["Fix"])


class Rule:
    """Base of every rule: metadata as class attributes, ``check`` yields diagnostics."""

    code: ClassVar[str]
    name: ClassVar[str]
    default: ClassVar[Severity]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        raise NotImplementedError

    @classmethod
    def doc(cls) -> RuleDoc:
        return parse_doc(cls.__doc__, cls.__name__)

    @classmethod
    def found(cls, message: str, span: Span, help: str | None = None,
              related: Iterable[Related] = ()) -> Diagnostic:
        """A diagnostic of this rule at its default severity."""
        return Diagnostic(cls.code, cls.default, message, span, help, tuple(related))
