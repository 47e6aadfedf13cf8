"""Cross-declaration checks: references to measures and stages, dimensions, formula cycles."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence

from metriclang.diagnostics import Diagnostic, Related, error
from metriclang.errors import did_you_mean
from metriclang.semantic import model as m
from metriclang.semantic.graph import depth_first
from metriclang.semantic.joins import JoinPath, resolve_path
from metriclang.source import Span
from metriclang.syntax import ast


def formula_refs(measure: m.Measure) -> list[m.Ref]:
    """The measures a measure's formula names, in order."""
    return [n for n in m.walk(measure.formula) if isinstance(n, m.Ref)] if measure.formula else []


def formula_sources(project: m.Project, name: str) -> set[str]:
    """Every source a measure reads, through the measures its formula names (cycle-safe)."""
    out: set[str] = set()

    def reads(current: str) -> list[tuple[str, None]]:
        """The measures ``current``'s formula names; the sources it reads go to ``out``."""
        formula = project.measures[current].formula
        named = []
        for node in m.walk(formula) if formula else []:
            match node:
                case m.Agg(source=source):
                    out.add(source)
                case m.Conv(from_source=a, to_source=b):
                    out.update((a, b))
                case m.Ref(measure=ref) if ref in project.measures:
                    named.append((ref, None))
        return named

    if name in project.measures:
        depth_first([name], reads)
    return out


def _unknown_measure(project: m.Project, name: ast.Name, broken: Collection[str]
                     ) -> Iterator[Diagnostic]:
    if name.value not in project.measures and name.value not in broken:
        yield error("E111", f"unknown measure `{name.value}`", name.span,
                    did_you_mean(name.value, project.measures))


def _stage(project: m.Project, stmt: ast.StageStmt, broken: Collection[str]
           ) -> Iterator[Diagnostic]:
    journey = project.journeys.get(stmt.journey.value)
    if journey is None and stmt.journey.value in broken:
        return
    if journey is None:
        yield error("E112", f"unknown journey `{stmt.journey.value}`", stmt.journey.span,
                    did_you_mean(stmt.journey.value, project.journeys))
    elif not any(s.name == stmt.stage.value for s in journey.stages):
        names = [s.name for s in journey.stages]
        yield error("E113", f"journey `{journey.name}` has no stage `{stmt.stage.value}`",
                    stmt.stage.span, did_you_mean(stmt.stage.value, names) or
                    f"its stages: {', '.join(names) or '(none)'}")


def _body(decl: ast.MeasureDecl | ast.ObjectiveDecl | ast.StrategyDecl) -> Iterator[object]:
    for stmt in decl.statements:
        yield stmt
        if isinstance(stmt, ast.StrategyDecl):
            yield from _body(stmt)


def _declaration_checks(project: m.Project, decl: ast.Declaration, broken: Collection[str]
                        ) -> Iterator[Diagnostic]:
    if isinstance(decl, (ast.JourneyDecl, ast.SourceDecl)):
        return
    for stmt in _body(decl):
        match stmt:
            case ast.DrivesStmt(target=name) | ast.NorthStarStmt(measure=name) | \
                    ast.ObjectiveTargetStmt(measure=name):
                yield from _unknown_measure(project, name, broken)
            case ast.NamesStmt(keyword="measures", names=names):
                for name in names:
                    yield from _unknown_measure(project, name, broken)
            case ast.StageStmt():
                yield from _stage(project, stmt, broken)
            case ast.NamesStmt(keyword="dimensions", names=names) if \
                    isinstance(decl, ast.MeasureDecl):
                yield from _dimensions(project, decl.name.value, names)


def _dimensions(project: m.Project, measure: str, names: Sequence[ast.Name]
                ) -> Iterator[Diagnostic]:
    sources = sorted(formula_sources(project, measure) & project.sources.keys())
    for name in names:
        if "." in name.value:
            yield from _joined(project, sources, name)
            continue
        missing = [s for s in sources if project.sources[s].dimension(name.value) is None]
        if missing:
            known = {d.name for s in sources for d in project.sources[s].dimensions}
            yield error("E115", f"source `{missing[0]}` has no dimension `{name.value}`",
                        name.span, did_you_mean(name.value, known) or
                        f"declare `dimension {name.value}` in source `{missing[0]}`")


def _joined(project: m.Project, sources: Sequence[str], name: ast.Name) -> Iterator[Diagnostic]:
    """The first source (in name order) from which ``name`` (``customer.segment``) does not
    reach a dimension, positioned at the wrong part."""
    parts = name.value.split(".")
    for source in sources:
        found = resolve_path(project.sources, source, parts)
        if isinstance(found, JoinPath):
            continue
        span = name.span
        if found.part is not None:
            column = span.column + sum(len(p) + 1 for p in parts[:found.part])
            span = Span(span.file, span.line, column, span.line, column + len(parts[found.part]))
        hint = found.hint if len(sources) == 1 else f"{found.hint} (reading source `{source}`)"
        yield error(found.code, found.message, span, hint)
        return


def formula_cycles(project: m.Project) -> list[list[m.Ref]]:
    """Cycles among formula references, each as the list of references along it: one per
    reference that closes a cycle in a depth-first walk over the measures in name order."""
    def refs(name: str) -> list[tuple[str, m.Ref]]:
        return [(r.measure, r) for r in formula_refs(project.measures[name])
                if r.measure in project.measures]

    walk = depth_first(sorted(project.measures), refs)
    return [list(walk.cycle(back)) for back in walk.back]


def check_references(project: m.Project, decls: Sequence[ast.Declaration],
                     broken: Collection[str] = ()) -> list[Diagnostic]:
    """Every cross-reference problem of a project, in no particular order; a reference to a
    ``broken`` name (a declaration that failed to parse) is not one."""
    out = [d for decl in decls for d in _declaration_checks(project, decl, broken)]
    for cycle in formula_cycles(project):
        hops = " -> ".join([_owner(project, r.span) for r in cycle]
                           + [_owner(project, cycle[0].span)])
        out.append(error("E160", f"measures refer to each other in a cycle: {hops}",
                         cycle[0].span, "a measure cannot be computed from itself; break the cycle",
                         [Related(f"refers to `{r.measure}`", r.span) for r in cycle[1:]]))
    return out


def _owner(project: m.Project, span: Span) -> str:
    for measure in project.measures.values():
        s = measure.span
        if s.file == span.file and (s.line, s.column) <= (span.line, span.column) <= \
                (s.end_line, s.end_column):
            return measure.name
    return "?"


def check_dimensions(project: m.Project, measure: str, names: Sequence[ast.Name]
                     ) -> list[Diagnostic]:
    """The problems of ``names`` as dimensions of ``measure``, exactly as its ``dimensions``
    statement is checked (ad-hoc queries resolve ``--by`` and ``--where`` names here)."""
    return list(_dimensions(project, measure, names))
