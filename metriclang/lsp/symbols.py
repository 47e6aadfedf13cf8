"""Where each name of a file is declared and used, read from its syntax tree.

An :class:`Occurrence` is one name at one span: a declaration (``measure m``, ``dimension c``,
``entity customer = ...``, a stage of a journey) or a use (a formula's measures and sources,
``drives``, ``dimensions customer.segment``, ``stage j.s``, ``north_star``, a strategy's
``measures``). Names are global per kind, as in the language; a stage is ``journey.stage``.
Names inside SQL fragments (``where`` conditions, dimension expressions) are columns, not
symbols, and are left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from metriclang.source import Span
from metriclang.syntax import ast

KINDS = ("measure", "source", "entity", "dimension", "journey", "stage", "objective",
         "strategy")


@dataclass(frozen=True)
class Occurrence:
    kind: str
    #: The symbol's name (``journey.stage`` for a stage).
    name: str
    #: The span of the text to replace when the symbol is renamed.
    span: Span
    declaration: bool

    def covers(self, line: int, column: int) -> bool:
        """Whether the 1-based position is on the name (its end included, as editors do)."""
        s = self.span
        return (s.line, s.column) <= (line, column) <= (s.end_line, s.end_column)


def occurrences(tree: ast.FileAST) -> tuple[Occurrence, ...]:
    """Every symbol of one file, in the order written."""
    return tuple(o for decl in tree.declarations for o in _declaration(decl))


def _def(kind: str, name: ast.Name) -> Occurrence:
    return Occurrence(kind, name.value, name.span, True)


def _use(kind: str, name: ast.Name) -> Occurrence:
    return Occurrence(kind, name.value, name.span, False)


def _declaration(decl: object) -> Iterator[Occurrence]:
    match decl:
        case ast.JourneyDecl(name=name, stages=stages):
            yield _def("journey", name)
            for stage in stages:
                yield Occurrence("stage", f"{name.value}.{stage.name.value}", stage.name.span,
                                 True)
        case ast.SourceDecl(name=name, statements=held):
            yield _def("source", name)
            for part in held:
                if isinstance(part, ast.EntityStmt):
                    yield _def("entity", part.name)
                elif isinstance(part, ast.DimensionStmt):
                    yield _def("dimension", part.name)
        case ast.MeasureDecl(name=name, statements=statements):
            yield _def("measure", name)
            for stmt in statements:
                yield from _statement(stmt)
        case ast.ObjectiveDecl(name=name, statements=statements):
            yield _def("objective", name)
            for stmt in statements:
                if isinstance(stmt, ast.StrategyDecl):
                    yield _def("strategy", stmt.name)
                    for inner in stmt.statements:
                        yield from _statement(inner)
                else:
                    yield from _statement(stmt)


def _statement(stmt: object) -> Iterator[Occurrence]:
    match stmt:
        case ast.FormulaStmt(formula=formula):
            yield from _formula(formula)
        case ast.DrivesStmt(target=target):
            yield _use("measure", target)
        case ast.NorthStarStmt(measure=measure) | ast.ObjectiveTargetStmt(measure=measure):
            yield _use("measure", measure)
        case ast.NamesStmt(keyword="measures", names=names):
            yield from (_use("measure", n) for n in names)
        case ast.NamesStmt(keyword="dimensions", names=names):
            for n in names:
                yield from _path(n)
        case ast.StageStmt(journey=journey, stage=stage):
            yield _use("journey", journey)
            yield Occurrence("stage", f"{journey.value}.{stage.value}", stage.span, False)


def _formula(formula: object) -> Iterator[Occurrence]:
    stack = [formula]
    while stack:
        match stack.pop():
            case ast.MeasureRef(name=name):
                yield _use("measure", name)
            case ast.Aggregate(source=source):
                yield _use("source", source)
            case ast.Conversion(from_source=first, to_source=then, entity=entity):
                yield from (_use("source", first), _use("source", then),
                            _use("entity", entity))
            case ast.Binary(left=left, right=right):
                stack += [right, left]
            case ast.Negate(operand=operand):
                stack.append(operand)


def _path(name: ast.Name) -> Iterator[Occurrence]:
    """``customer.segment``: the entities on the way, then the dimension."""
    parts = name.value.split(".")
    s = name.span
    if len(parts) == 1 or s.line != s.end_line:
        yield _use("dimension", name)
        return
    column = s.column
    for i, part in enumerate(parts):
        kind = "dimension" if i == len(parts) - 1 else "entity"
        yield Occurrence(kind, part, Span(s.file, s.line, column, s.line, column + len(part)),
                         False)
        column += len(part) + 1
