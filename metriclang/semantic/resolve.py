"""Syntax trees of a project -> resolved :class:`~metriclang.semantic.model.Project` (E1xx).

Checks names (unknown, duplicate, across files), statements (repeated, missing, misplaced),
literal values and words, formula cycles and conversion entities. Collects every problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlglot import exp

from metriclang.config import Config
from metriclang.diagnostics import Diagnostic, Related, error
from metriclang.errors import did_you_mean
from metriclang.periods import GRAINS
from metriclang.semantic import model as m
from metriclang.semantic.formula import FormulaResolver, parse_fragment, to_duration
from metriclang.source import SourceFile, Span
from metriclang.syntax import ast
from metriclang.syntax.ast import keyword_of

#: Statements each declaration accepts; those in the second set may repeat.
_ALLOWED: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "source": (frozenset({"table", "time", "key", "entity", "dimension", "valid"}),
               frozenset({"entity", "dimension"})),
    "measure": (frozenset({"formula", "kind", "perspective", "grain", "window", "cumulative",
                           "dimensions", "stage", "direction", "unit", "owner", "target",
                           "description", "drives", "allow"}), frozenset({"drives", "allow"})),
    "objective": (frozenset({"north_star", "target", "owner", "description", "allow",
                             "strategy"}), frozenset({"target", "allow", "strategy"})),
    "strategy": (frozenset({"hypothesis", "stage", "owner", "description", "measures",
                            "allow"}), frozenset({"allow"})),
}
_WORDS = {"kind": m.KINDS, "perspective": m.PERSPECTIVES, "grain": GRAINS,
          "direction": m.DIRECTIONS, "effect": m.EFFECTS}


class _Resolver:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.diagnostics: list[Diagnostic] = []
        self.names: dict[str, tuple[str, Span]] = {}

    # ------------------------------------------------------------ helpers
    def report(self, code: str, message: str, span: Span, help: str | None = None,
               related: Iterable[Related] = ()) -> None:
        self.diagnostics.append(error(code, message, span, help, related))

    def declare(self, kind: str, name: ast.Name) -> bool:
        """Register a global name; False (and E120) when it is taken."""
        first = self.names.get(name.value)
        if first:
            self.report("E120", f"duplicate name `{name.value}`: already declared as a "
                        f"{first[0]}", name.span, "rename one of them; names are global across "
                        "the project", [Related(f"first declared here as a {first[0]}", first[1])])
            return False
        self.names[name.value] = (kind, name.span)
        return True

    def statements(self, kind: str, owner: str, body: Sequence[Any]) -> dict[str, list[Any]]:
        """Group statements by keyword; report misplaced and repeated ones."""
        allowed, repeatable = _ALLOWED[kind]
        grouped: dict[str, list[Any]] = {}
        for stmt in body:
            key = keyword_of(stmt)
            if key not in allowed:
                self.report("E124", f"`{key}` is not a statement of a {kind}", stmt.span,
                            f"a {kind} takes: " + ", ".join(sorted(allowed)))
                continue
            seen = grouped.setdefault(key, [])
            if seen and key not in repeatable and key != "north_star":
                self.report("E121", f"`{key}` given twice in {kind} `{owner}`", stmt.span,
                            "keep one of them", [Related(f"first `{key}` here", seen[0].span)])
                continue
            seen.append(stmt)
        return grouped

    def word(self, grouped: dict[str, list[Any]], key: str) -> str | None:
        stmt = (grouped.get(key) or [None])[0]
        return self.check_word(key, stmt.word) if stmt else None

    def check_word(self, key: str, word: ast.Name) -> str | None:
        if word.value in _WORDS[key]:
            return word.value
        self.report("E140", f"unknown {key} `{word.value}`", word.span,
                    did_you_mean(word.value, _WORDS[key]) or
                    f"use one of: {', '.join(_WORDS[key])}")
        return None

    @staticmethod
    def text(grouped: dict[str, list[Any]], key: str) -> str | None:
        stmt = (grouped.get(key) or [None])[0]
        return stmt.text.value if stmt else None

    @staticmethod
    def first_spans(grouped: dict[str, list[Any]]) -> dict[str, Span]:
        return {k: v[0].span for k, v in sorted(grouped.items()) if v}

    def allows(self, grouped: dict[str, list[Any]]) -> tuple[m.Allow, ...]:
        out = []
        for stmt in grouped.get("allow", []):
            if not stmt.reason.value.strip():
                self.report("E125", "`allow` needs a reason that is not empty", stmt.reason.span)
            out.append(m.Allow(stmt.code.value, stmt.reason.value, stmt.span))
        return tuple(out)

    def date(self, lit: ast.DateLit) -> date | None:
        try:
            return date.fromisoformat(lit.text)
        except ValueError:
            self.report("E130", f"`{lit.text}` is not a calendar date", lit.span,
                        "write a real date as YYYY-MM-DD")
            return None

    def require(self, grouped: dict[str, list[Any]], key: str, kind: str, name: ast.Name,
                code: str = "E123") -> None:
        if not grouped.get(key):
            self.report(code, f"{kind} `{name.value}` has no `{key}`", name.span,
                        f"add a `{key}` statement")

    # ------------------------------------------------------------ declarations
    def journey(self, decl: ast.JourneyDecl) -> m.Journey:
        stages: list[m.Stage] = []
        for st in decl.stages:
            if any(s.name == st.name.value for s in stages):
                self.report("E120", f"duplicate stage `{st.name.value}` in journey "
                            f"`{decl.name.value}`", st.name.span)
                continue
            stages.append(m.Stage(decl.name.value, st.name.value,
                                  st.label.value if st.label else None, st.span))
        return m.Journey(decl.name.value, decl.label.value if decl.label else None,
                         tuple(stages), decl.span, decl.name.span)

    def source(self, decl: ast.SourceDecl) -> m.Source:
        g = self.statements("source", decl.name.value, decl.statements)
        self.require(g, "table", "source", decl.name)
        entities: list[m.Entity] = []
        for stmt in g.get("entity", []):
            if any(e.name == stmt.name.value for e in entities):
                self.report("E120", f"duplicate entity `{stmt.name.value}`", stmt.name.span)
                continue
            entities.append(m.Entity(stmt.name.value, stmt.column.value, stmt.span))
        dimensions: list[m.Dimension] = []
        for stmt in g.get("dimension", []):
            if any(d.name == stmt.name.value for d in dimensions):
                self.report("E120", f"duplicate dimension `{stmt.name.value}`", stmt.name.span)
                continue
            if m.collides_with_output(stmt.name.value):
                self.report("E184", f"dimension `{stmt.name.value}` has a name reserved for "
                            "the output", stmt.name.span,
                            "rename it: `period`, `value`, `complete` and names starting with "
                            "`osm_` are taken by the output")
            tree: exp.Expression | None
            problems: list[Diagnostic] = []
            if stmt.expr is None:  # a bare dimension is the column of that name, even `order`
                tree = exp.column(stmt.name.value)
            else:
                tree, problems = parse_fragment(stmt.expr, self.config.dialect,
                                                self.config.allow_functions)
            self.diagnostics += problems
            if tree is not None:
                dimensions.append(m.Dimension(stmt.name.value, tree, stmt.span))
        table = g.get("table", [])
        time = g.get("time", [])
        key = g.get("key", [])
        keyed = bool(key) and any(e.column == key[0].column.value for e in entities)
        if not keyed:  # a dimension source may go without: it is joined, not aggregated
            self.require(g, "time", "source", decl.name)
        valid = g.get("valid", [])
        if valid and not keyed:
            self.report("E126", f"`valid` in source `{decl.name.value}`, which is not a "
                        "dimension source", valid[0].span, "a dimension source has `key COLUMN` "
                        "and `entity NAME = COLUMN` on that same column")
        return m.Source(decl.name.value, decl.label.value if decl.label else None,
                        tuple(p.value for p in table[0].parts) if table else (),
                        time[0].column.value if time else "",
                        key[0].column.value if key else None, tuple(entities), tuple(dimensions),
                        decl.span, decl.name.span,
                        (valid[0].from_column.value, valid[0].to_column.value) if valid else None,
                        self.first_spans(g))

    def measure(self, decl: ast.MeasureDecl, formulas: FormulaResolver) -> m.Measure:
        g = self.statements("measure", decl.name.value, decl.statements)
        self.require(g, "formula", "measure", decl.name)
        formula = formulas.resolve(g["formula"][0].formula) if g.get("formula") else None
        window = None
        if g.get("window"):
            window = self.duration(g["window"][0].duration)
        if g.get("window") and g.get("cumulative"):
            later = max(g["window"][0], g["cumulative"][0], key=lambda s: (s.span.line,
                                                                           s.span.column))
            other = g["cumulative"][0] if later is g["window"][0] else g["window"][0]
            self.report("E122", "`window` and `cumulative` cannot be combined", later.span,
                        "a measure is either a trailing window or a running total",
                        [Related("the other one is here", other.span)])
        drives = []
        for stmt in g.get("drives", []):
            lag = self.duration(stmt.lag) if stmt.lag else None
            effect = self.check_word("effect", stmt.effect) if stmt.effect else "positive"
            drives.append(m.Drive(stmt.target.value, lag, effect or "positive", stmt.span))
        target = g["target"][0].value.value if g.get("target") else None
        dims = tuple(n.value for n in g["dimensions"][0].names) if g.get("dimensions") else ()
        stage = self.stage_ref(g)
        return m.Measure(
            decl.name.value, decl.label.value if decl.label else None, formula,
            self.word(g, "kind"), self.word(g, "perspective"), self.word(g, "grain") or "day",
            window, bool(g.get("cumulative")), dims, stage, self.word(g, "direction"),
            self.text(g, "unit"), self.text(g, "owner"), target, self.text(g, "description"),
            tuple(drives), self.allows(g), decl.span, decl.name.span, self.first_spans(g))

    def duration(self, d: ast.Duration) -> m.Duration | None:
        value, problems = to_duration(d)
        self.diagnostics += problems
        return value

    def stage_ref(self, g: dict[str, list[Any]]) -> str | None:
        stmt = (g.get("stage") or [None])[0]
        return f"{stmt.journey.value}.{stmt.stage.value}" if stmt else None

    def objective(self, decl: ast.ObjectiveDecl) -> m.Objective:
        g = self.statements("objective", decl.name.value, decl.statements)
        stars = g.get("north_star", [])
        if not stars:
            self.report("E150", f"objective `{decl.name.value}` has no `north_star`",
                        decl.name.span, "name the lagging result it is judged by: "
                        "`north_star MEASURE`")
        for extra in stars[1:]:
            self.report("E151", f"objective `{decl.name.value}` has more than one `north_star`",
                        extra.span, "keep one north star; track the others as targets",
                        [Related("first `north_star` here", stars[0].span)])
        targets = []
        for stmt in g.get("target", []):
            by = self.date(stmt.by) if stmt.by else None
            targets.append(m.Target(stmt.measure.value, stmt.op, stmt.value.value, by,
                                    stmt.span))
        strategies = []
        for s in g.get("strategy", []):
            if not self.declare("strategy", s.name):
                continue
            sg = self.statements("strategy", s.name.value, s.statements)
            measures = tuple(n.value for n in sg["measures"][0].names) if sg.get("measures") else ()
            strategies.append(m.Strategy(
                s.name.value, s.label.value if s.label else None, decl.name.value,
                self.text(sg, "hypothesis"), self.stage_ref(sg), self.text(sg, "owner"),
                self.text(sg, "description"), measures, self.allows(sg), s.span, s.name.span,
                self.first_spans(sg)))
        return m.Objective(
            decl.name.value, decl.label.value if decl.label else None,
            stars[0].measure.value if stars else None, tuple(targets), self.text(g, "owner"),
            self.text(g, "description"), tuple(strategies), self.allows(g), decl.span,
            decl.name.span, self.first_spans(g))


def resolve(trees: Sequence[ast.FileAST], files: Sequence[SourceFile], root: str,
            config: Config) -> tuple[m.Project, list[Diagnostic]]:
    """Resolve every file's declarations into one project model.

    Declarations are taken in file-path then position order, so "the second" duplicate is
    well defined and the result does not depend on the order files were found in.
    """
    r = _Resolver(config)
    ordered = sorted(((t.path, d.span.line, d.span.column, d) for t in trees
                      for d in t.declarations), key=lambda x: x[:3])
    kinds = {ast.JourneyDecl: "journey", ast.SourceDecl: "source", ast.MeasureDecl: "measure",
             ast.ObjectiveDecl: "objective"}
    decls = [d for *_, d in ordered if r.declare(kinds[type(d)], d.name)]
    journeys = {d.name.value: r.journey(d) for d in decls if isinstance(d, ast.JourneyDecl)}
    sources = {d.name.value: r.source(d) for d in decls if isinstance(d, ast.SourceDecl)}
    measure_names = {d.name.value for d in decls if isinstance(d, ast.MeasureDecl)}
    broken = {n.value for t in trees for n in t.broken} - r.names.keys()
    formulas = FormulaResolver(
        config.dialect, sources, measure_names,
        lambda src, ent: src in sources and sources[src].entity(ent) is not None,
        config.allow_functions, broken)
    measures = {d.name.value: r.measure(d, formulas) for d in decls
                if isinstance(d, ast.MeasureDecl)}
    r.diagnostics += formulas.diagnostics
    objectives = {d.name.value: r.objective(d) for d in decls if isinstance(d, ast.ObjectiveDecl)}
    project = m.Project(root, tuple(sorted(files, key=lambda f: f.path)), config,
                        journeys, sources, measures, objectives)
    from metriclang.semantic.references import check_references

    r.diagnostics += check_references(project, decls, broken)
    return project, r.diagnostics
