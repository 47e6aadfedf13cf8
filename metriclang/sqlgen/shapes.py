"""Query shapes: plans that differ only in their names and quoted values share their SQL text.

Two plans have the same *shape* when renaming the names they read (tables, columns,
dimensions) and the strings their conditions compare with, one for one, turns one into the
other. Their SQL differs only where those names and strings are printed, provided each is
printed as written (no quotes, no escapes) and has the same length (sqlglot's pretty printer
breaks lines by width). :func:`shape` renames a plan's names to *placeholders* of the same
length (``zq`` and a slot number, ranked as the names sort, so that nothing sorted changes
order); the renamed plan is the shape's key, and rendering it gives a :class:`Template`: the
query's text with a slot wherever a placeholder is printed, filled with any plan's names of
that shape. ``compile_plan`` only trusts a template that gives back, filled with the names of
the first plan of its shape, the text that plan rendered to.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TypeVar

from sqlglot import exp

from metriclang.dialects import OUTPUT_DIALECTS
from metriclang.semantic import model as m
from metriclang.semantic.model import INTERNAL_PREFIX, OUTPUT_COLUMNS
from metriclang.sqlgen.plan import Leaf, MeasurePlan
from metriclang.sqlgen.render import RESERVED

#: What a placeholder starts with; a name holding it is never renamed.
MARK = "zq"
#: Names of at least this length are renamed (``zq`` and two digits of base 36).
SHORTEST = 4
#: Slots a shape can have (two digits of base 36).
MOST = 36 * 36
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
#: A name printed as written in every dialect (lower case: no folding question).
_PLAIN_NAME = re.compile(r"[a-z][a-z0-9_]*")
#: A string printed between quotes as written (nothing to escape).
_PLAIN_STRING = re.compile(r"[A-Za-z0-9_]+")
#: A whole number as written.
_PLAIN_NUMBER = re.compile(r"0|[1-9][0-9]*")
#: Conditions whose operands are data, never read by a printer (unlike a unit or a format
#: given to a function).
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In, exp.Like, exp.ILike)
_SLOT = re.compile(MARK + "[0-9a-z]{2}")

#: What a name of a fragment is: a column's part, a string or a number compared with.
COLUMN, STRING, NUMBER = "column", "string", "number"
#: Names found in a plan: (what it is, the name).
Found = set[tuple[str, str]]
_Tree = TypeVar("_Tree", bound=exp.Expr)
#: What each name is renamed to, by (whether it is a number, the name).
Values = dict[tuple[bool, str], str]


@dataclass(frozen=True)
class Shape:
    """A plan renamed: its ``plan`` and ``project`` read placeholders; ``values[i]`` is the
    name or number slot ``i`` stands for (numbers last: one per :attr:`marks`).

    A number is printed wherever the plan's SQL puts it, among other digits, so its slots are
    found by rendering the plan with other numbers of the same lengths (:meth:`variant`) and
    comparing the texts."""

    plan: MeasurePlan
    project: m.Project
    values: tuple[str, ...]
    #: Per number slot, the numbers standing for it in :attr:`plan` and in the variant.
    marks: tuple[tuple[str, str], ...]
    variant: Callable[[], tuple[MeasurePlan, m.Project]] = field(compare=False)

    def template(self, text: str, other: str | None, numbers: tuple[str, ...] = ()
                 ) -> Template | None:
        """The template of the renamed plan's ``text``. With numbers, ``other`` is a text of
        the shape with numbers that differ from the placeholders in every digit: the
        :meth:`variant`'s, or the text of a plan of the shape whose numbers (``numbers``, by
        slot) do (:meth:`stands_in`; its names are not compared). ``None`` when something
        there looks like a slot and is not one, or the two texts differ elsewhere than in
        numbers."""
        names = len(self.values) - len(self.marks)
        cuts: list[tuple[int, int, int]] = []  # start, end, slot
        for found in _SLOT.finditer(text):
            slot = _DIGITS.index(found[0][2]) * 36 + _DIGITS.index(found[0][3])
            if slot >= names:
                return None
            end = found.start() + len(self.values[slot])
            if text[found.start():end] != placeholder(slot, len(self.values[slot])):
                return None
            cuts.append((found.start(), end, slot))
        if self.marks:
            if other is None or len(other) != len(text):
                return None
            other = _names_as_in(text, other, cuts)
            numbers = numbers or tuple(theirs for _, theirs in self.marks)
            ours = {ours: (names + i, theirs)
                    for i, ((ours, _), theirs) in enumerate(zip(self.marks, numbers, strict=True))}
            for start, end in _differences(text, other):
                slot, theirs = ours.get(text[start:end], (-1, ""))
                if slot < 0 or other[start:end] != theirs:
                    return None
                cuts.append((start, end, slot))
            cuts.sort()
        pieces, slots, at = [], [], 0
        for start, end, slot in cuts:
            if start < at:
                return None
            pieces.append(text[at:start])
            slots.append(slot)
            at = end
        pieces.append(text[at:])
        return Template(tuple(pieces), tuple(slots))

    def numbers(self, values: tuple[str, ...]) -> tuple[str, ...]:
        """The numbers among a plan of this shape's slot ``values`` (they come last)."""
        return values[len(values) - len(self.marks):]

    def stands_in(self, numbers: tuple[str, ...]) -> bool:
        """Whether the numbers of a plan of this shape (:meth:`numbers`) differ from their
        placeholders in every digit, as the :meth:`variant`'s do: its text can then stand in
        for the variant's."""
        return all(a != b for (ours, _), number in zip(self.marks, numbers, strict=True)
                   for a, b in zip(ours, number, strict=True))


def _names_as_in(text: str, other: str, cuts: list[tuple[int, int, int]]) -> str:
    """``other`` with the names at ``cuts`` (start, end, slot) as ``text`` has them."""
    parts: list[str] = []
    at = 0
    for start, end, _ in cuts:
        parts += (other[at:start], text[start:end])
        at = end
    return "".join(parts) + other[at:]


def shape(project: m.Project, plan: MeasurePlan) -> Shape | None:
    """``plan`` with its names renamed to placeholders; ``None`` when it reads dimensions
    through joins (their column names are made of several names) or has nothing to rename.
    A name is renamed only where every dialect prints it as written (:func:`renamable`), so
    that one shape serves every dialect."""
    if plan.joins:
        return None
    read = [_read_of(project.sources[name], plan.dimensions) for name in sorted(_read(plan))]
    found: Found = {(COLUMN, d) for d in plan.dimensions}
    for tree in _trees(plan):
        _collect(tree, found)
    for reading in read:
        found |= reading.found
    kept = {name for what, name in found if not renamable(name, what)}
    words = sorted({name for what, name in found if what != NUMBER} - kept)
    numbers = sorted({name for what, name in found if what == NUMBER} - kept, key=int)
    if (not words and not numbers) or len(words) + len(numbers) > MOST or len(read) > MOST:
        return None
    names = {name: placeholder(i, len(name)) for i, name in enumerate(words)}
    of_length: Counter[int] = Counter()
    marks = []
    for number in numbers:
        index = of_length[len(number)]
        of_length[len(number)] += 1
        if index >= 4 ** len(number):
            return None
        marks.append((_number(len(number), index, 0), _number(len(number), index, 1)))
    config = project.config
    called = {r.source.name: f"{MARK}s{_DIGITS[i // 36]}{_DIGITS[i % 36]}"  # never printed
              for i, r in enumerate(read)}

    def renamed(family: int) -> tuple[MeasurePlan, m.Project]:
        values = {**{(False, w): p for w, p in names.items()},
                  **{(True, n): mark[family] for n, mark in zip(numbers, marks, strict=True)}}

        def tree(node: _Tree | None) -> _Tree | None:
            return None if node is None else _renamed(node, values)

        def leaf(item: Leaf) -> Leaf:
            conv = item.conversion
            if conv is not None:
                conv = m.Conv(called[conv.from_source], tree(conv.from_where),
                              called[conv.to_source], tree(conv.to_where), conv.within,
                              conv.entity, conv.span)
            return Leaf(item.func, called[item.source], tree(item.expr), tree(item.where),
                        item.fraction, item.strategy, item.periods, item.window, conv)

        renamed_plan = replace(
            plan,
            dimensions=tuple(names.get(d, d) for d in plan.dimensions),
            sources=tuple(called[s] for s in plan.sources),
            leaves=tuple(map(leaf, plan.leaves)),
        )
        sources = {called[r.source.name]: r.renamed(called[r.source.name], values)
                   for r in read}
        return renamed_plan, m.Project("", (), config, {}, sources, {}, {})  # what SQL reads

    return Shape(*renamed(0), (*words, *numbers), tuple(marks), lambda: renamed(1))


@cache
def renamable(name: str, what: str) -> bool:
    """Whether a name (a column's, a string or a number compared with: ``what``) is
    printed as written in every dialect and can't be taken for a name the SQL makes up
    itself (``period``, ``osm_l0``, sqlglot's ``_t0``) or for a placeholder."""
    if what == NUMBER:
        plain = _PLAIN_NUMBER.fullmatch(name) is not None
    else:
        plain = (len(name) >= SHORTEST and MARK not in name
                 and (_PLAIN_STRING if what == STRING else _PLAIN_NAME).fullmatch(name) is not None
                 and (what == STRING or (name not in RESERVED and name not in OUTPUT_COLUMNS
                                         and not name.startswith(INTERNAL_PREFIX))))
    return plain and all(_printed_as_written(name, d, what) for d in OUTPUT_DIALECTS)


def placeholder(slot: int, length: int) -> str:
    """The name standing for slot ``slot`` in a name of ``length`` characters."""
    return f"{MARK}{_DIGITS[slot // 36]}{_DIGITS[slot % 36]}".ljust(length, "x")


def _number(length: int, index: int, family: int) -> str:
    """The number of ``length`` digits standing for the ``index``-th such number of a shape
    (below ``4 ** length``): ``index`` in base 4 written with the digits 6 to 9 in family 0,
    1 to 4 in family 1. The two differ in every digit and keep the indexes' order; and real
    numbers (round ones end with zeros, most start with 1 to 5) seldom share a digit with
    family 0, so a plan's own text can stand in for the variant's (:meth:`Shape.stands_in`)."""
    digits = "6789" if family == 0 else "1234"
    written = ""
    for _ in range(length):
        index, digit = divmod(index, 4)
        written = digits[digit] + written
    return written


def _differences(text: str, other: str) -> list[tuple[int, int]]:
    """The runs of positions where two texts of one length differ."""
    runs: list[tuple[int, int]] = []
    start = -1
    for i, (a, b) in enumerate(zip(text, other, strict=True)):
        if a != b and start < 0:
            start = i
        elif a == b and start >= 0:
            runs.append((start, i))
            start = -1
    if start >= 0:
        runs.append((start, len(text)))
    return runs


def _read(plan: MeasurePlan) -> set[str]:
    """The sources a plan reads, conversions' ones included."""
    read = set(plan.sources)
    for leaf in plan.leaves:
        read.add(leaf.source)
        if leaf.conversion is not None:
            read.update((leaf.conversion.from_source, leaf.conversion.to_source))
    return read


def _trees(plan: MeasurePlan) -> list[exp.Expr]:
    trees: list[exp.Expr | None] = []
    for leaf in plan.leaves:
        trees += [leaf.expr, leaf.where]
        if leaf.conversion is not None:
            trees += [leaf.conversion.from_where, leaf.conversion.to_where]
    return [t for t in trees if t is not None]


class _Reading:
    """What a plan reads of a source: the source with only the plan's dimensions
    (``source``) and the names the SQL may print (its table's parts and columns, those
    dimensions' names and what their expressions name and compare with)."""

    def __init__(self, original: m.Source, dimensions: tuple[str, ...]) -> None:
        self.original = original  # kept: readings are found by its identity
        kept = tuple(d for d in original.dimensions if d.name in dimensions)
        self.source = replace(original, dimensions=kept)
        found = {(COLUMN, name) for name in (
            *original.table, original.time_column, *(original.valid or ()),
            *([original.key] if original.key else []), *(e.column for e in original.entities),
            *(d.name for d in kept))}
        for dimension in kept:
            _collect(dimension.expr, found)
        self.found = frozenset(found)
        self._renamed: dict[tuple[object, ...], m.Source] = {}

    def renamed(self, called: str, values: Values) -> m.Source:
        """The source named ``called``, reading the placeholders of its names (``values``)."""
        key = (called, tuple(values.get((what == NUMBER, name)) for what, name in
                             sorted(self.found)))
        if key not in self._renamed:
            source = self.source

            def name(text: str) -> str:
                return values.get((False, text), text)

            self._renamed[key] = replace(
                source, name=called, label=None, table=tuple(map(name, source.table)),
                time_column=name(source.time_column),
                key=None if source.key is None else name(source.key),
                valid=None if source.valid is None else (name(source.valid[0]),
                                                         name(source.valid[1])),
                entities=tuple(replace(e, column=name(e.column)) for e in source.entities),
                dimensions=tuple(replace(d, name=name(d.name), expr=_renamed(d.expr, values))
                                 for d in source.dimensions))
        return self._renamed[key]


#: Readings by the source's identity and the dimensions read (at most :data:`_READ_MOST`:
#: a server reads each edit's sources in turn).
_READINGS: dict[tuple[int, tuple[str, ...]], _Reading] = {}
_READ_MOST = 4096


def _read_of(source: m.Source, dimensions: tuple[str, ...]) -> _Reading:
    reading = _READINGS.get((id(source), dimensions))
    if reading is None or reading.original is not source:
        if len(_READINGS) >= _READ_MOST:
            _READINGS.clear()
        reading = _READINGS[id(source), dimensions] = _Reading(source, dimensions)
    return reading


def _what(node: exp.Expr) -> str | None:
    """What a fragment's node may be renamed as: a column's part, or a string or number
    compared with (not a unit or a format given to a function, which a printer reads)."""
    if isinstance(node, exp.Identifier):
        return COLUMN if isinstance(node.parent, exp.Column) and not node.quoted else None
    if isinstance(node, exp.Literal) and isinstance(node.parent, _COMPARISONS):
        return STRING if node.is_string else NUMBER
    return None


def _collect(tree: exp.Expr, found: Found) -> None:
    """Add the names a fragment may rename."""
    for node in tree.walk():
        what = _what(node)
        if what is not None:
            found.add((what, node.this))


def _renamed(tree: _Tree, values: Values) -> _Tree:
    """A copy of ``tree`` with the names :func:`_collect` found renamed."""
    copy = tree.copy()
    for node in copy.walk():
        what = _what(node)
        if what is not None:
            node.set("this", values.get((what == NUMBER, node.this), node.this))
    return copy


@dataclass(frozen=True)
class Template:
    """A query's text cut at its slots: ``pieces[0]``, the name of ``slots[0]``,
    ``pieces[1]``..."""

    pieces: tuple[str, ...]
    slots: tuple[int, ...]

    def fill(self, names: tuple[str, ...]) -> str:
        """The text of the plan whose slots name ``names``."""
        out = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            out += [names[slot], piece]
        return "".join(out)


def _printed_as_written(name: str, dialect: str, what: str) -> bool:
    """Whether ``dialect`` prints the column, string or number ``name`` as written."""
    if what == STRING:
        return exp.Literal.string(name).sql(dialect=dialect)[1:-1] == name
    if what == NUMBER:
        return exp.Literal.number(name).sql(dialect=dialect) == name
    return exp.column(name).sql(dialect=dialect) == name
