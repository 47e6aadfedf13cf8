"""Page views: plain frozen objects the templates render, built from the model (no I/O).

Every ``href`` is relative to the site root; templates prefix it with the page's ``root``.
Measure pages are built one at a time (:meth:`Views.measure`) so a large site streams.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING

from metriclang.diagnostics import Diagnostic, DiagnosticSet, Severity
from metriclang.docgen.layout import Diagram, EdgeSpec, NodeSpec, causal_layers, layered
from metriclang.docgen.rulesdoc import RuleDocView
from metriclang.semantic import model as m
from metriclang.semantic.graph import CausalGraph, Edge, formula_users
from metriclang.semantic.references import formula_sources
from metriclang.source import Span
from metriclang.verify.result import MeasureEvidence, Report

if TYPE_CHECKING:
    from metriclang.docgen.values import MeasureValues, Values

#: At most this many rows of a transitive causal chain are listed on a measure page.
CHAIN_LIMIT = 20
#: At most this many occurrences are listed on a rule page.
OCCURRENCE_LIMIT = 500


@dataclass(frozen=True)
class Link:
    text: str
    href: str
    name: str


@dataclass(frozen=True)
class Use:
    """An objective or a strategy that names a measure."""

    kind: str  # "objective" or "strategy"
    link: Link


@dataclass(frozen=True)
class DiagView:
    code: str
    severity: str
    message: str
    where: str
    help: str | None
    suppressed: bool
    reason: str | None
    rule_href: str
    notes: tuple[str, ...]


@dataclass(frozen=True)
class CodeCount:
    code: str
    severity: str
    active: int
    suppressed: int
    href: str


@dataclass(frozen=True)
class Summary:
    errors: int
    warnings: int
    infos: int
    suppressed: int
    codes: tuple[CodeCount, ...]


@dataclass(frozen=True)
class TargetView:
    name: str
    measure: Link | None
    op: str
    value: str
    by: str | None


@dataclass(frozen=True)
class StrategyView:
    name: str
    title: str
    hypothesis: str | None
    stage: Link | None
    owner: str | None
    description: str | None
    measures: tuple[Link, ...]


@dataclass(frozen=True)
class StageColumn:
    journey: str
    name: str
    title: str
    measures: tuple[Link, ...]
    strategies: tuple[Link, ...]


@dataclass(frozen=True)
class ObjectivePage:
    name: str
    title: str
    owner: str | None
    description: str | None
    north_star: Link | None
    targets: tuple[TargetView, ...]
    strategies: tuple[StrategyView, ...]
    tree: Diagram
    stages: tuple[StageColumn, ...]
    diagnostics: tuple[DiagView, ...]
    #: With ``osm docs --db``: the status of the objective's measures.
    status: tuple[StatusRow, ...] = ()


@dataclass(frozen=True)
class ChainRow:
    depth: int
    measure: Link
    via: Link
    lag: str
    effect: str


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    link: str | None = None


@dataclass(frozen=True)
class MeasurePage:
    name: str
    title: str
    description: str | None
    fields: tuple[Field, ...]
    formula: str
    upstream: tuple[ChainRow, ...]
    downstream: tuple[ChainRow, ...]
    chain_cut: bool
    #: Objectives (targets, north star) and strategies that name it, each by its own name.
    used_by: tuple[Use, ...]
    #: Measures whose formulas name it (the formula lineage, as ``osm show`` lists it).
    used_in: tuple[Link, ...]
    diagnostics: tuple[DiagView, ...]
    evidence: MeasureEvidence | None = None  # with ``osm docs --evidence`` only
    values: MeasureValues | None = None  # with ``osm docs --db`` only


@dataclass(frozen=True)
class JourneyPage:
    name: str
    title: str
    columns: tuple[StageColumn, ...]


@dataclass(frozen=True)
class ObjectiveCard:
    """An objective as the index lists it."""

    name: str
    title: str
    description: str | None
    north_star: Link | None
    owner: str | None
    strategies: int
    targets: tuple[TargetView, ...]


@dataclass(frozen=True)
class IndexPage:
    title: str
    objectives: tuple[ObjectiveCard, ...]
    journeys: tuple[Link, ...]
    measures: tuple[Link, ...]
    summary: Summary
    loose: tuple[DiagView, ...]
    #: The date the lag chains (C207) were measured from: ``--today`` or the day of the run.
    today: str
    #: With ``osm docs --db``: every measure's status, in the objective tree's order.
    status: tuple[StatusRow, ...] = ()
    status_as_of: str | None = None


@dataclass(frozen=True)
class StatusRow:
    """A measure's latest complete value on the index and objective pages."""

    measure: Link
    period: str
    value: str
    change: str
    target: str
    status: str
    icon: str


@dataclass(frozen=True)
class RulePage:
    doc: RuleDocView
    occurrences: tuple[DiagView, ...]
    more: int


def measure_href(name: str) -> str:
    return f"measures/{name}.html"


def objective_href(name: str) -> str:
    return f"objectives/{name}.html"


def journey_href(name: str) -> str:
    return f"journeys/{name}.html"


def rule_href(code: str) -> str:
    return f"rules/{code}.html"


def _plain(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def number(value: Decimal, unit: str | None) -> str:
    """A target as people write it: ``0.35`` of a ``%`` measure is ``35%``.

    >>> number(Decimal("0.35"), "%"), number(Decimal("250000"), "EUR"), number(Decimal("4"), None)
    ('35%', '250000 EUR', '4')
    """
    if unit == "%":
        return _plain(value * 100) + "%"
    return f"{_plain(value)} {unit}" if unit else _plain(value)


def in_unit(written: str, value: Decimal, unit: str | None) -> str:
    """A target in its measure's unit: a ``%`` measure's always as a percentage, another
    unit after the number as written.

    >>> in_unit("0.35", Decimal("0.35"), "%"), in_unit("110%", Decimal("1.1"), "%")
    ('35%', '110%')
    >>> in_unit("250000", Decimal(250000), "EUR"), in_unit("1.1", Decimal("1.1"), None)
    ('250000 EUR', '1.1')
    """
    if unit == "%" or not written:
        return number(value, unit)
    return f"{written} {unit}" if unit and written[-1:].isdigit() else written


def diag_view(d: Diagnostic) -> DiagView:
    return DiagView(d.code, d.severity.value, d.message, str(d.span), d.help, d.suppressed,
                    d.reason, rule_href(d.code), tuple(f"{r.span}: {r.message}" for r in d.related))


class Views:
    """Indexes a project and its diagnostics once, then builds page views on demand."""

    def __init__(self, project: m.Project, diagnostics: DiagnosticSet,
                 evidence: Report | None = None, today: date | None = None,
                 values: Values | None = None) -> None:
        self.project = project
        self.values = values
        self.today = today or date.today()
        self.diagnostics = diagnostics
        self.evidence = evidence
        self.causal = CausalGraph.from_project(project)
        self.drivers = {n: sorted(self.causal.into[n], key=lambda e: e.source)
                        for n in self.causal.nodes}
        self.used_by: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for o in project.objectives.values():
            for target in o.targets:
                self.used_by[target.measure].add((o.name, ""))
            if o.north_star:
                self.used_by[o.north_star].add((o.name, ""))
            for s in o.strategies:
                for name in s.measures:
                    self.used_by[name].add((o.name, s.name))
        self.formula_users = formula_users(project)
        self.by_owner = self._attach(diagnostics)
        self._links: dict[str, Link] = {}

    # ------------------------------------------------------------------ indexes

    def _attach(self, diagnostics: DiagnosticSet) -> dict[str, list[Diagnostic]]:
        """Diagnostics by the declaration (``measure:x`` / ``objective:x``) they sit in."""
        spans: dict[str, list[tuple[tuple[int, int], tuple[int, int], str]]] = defaultdict(list)
        for kind, decls in (("measure", self.project.measures),
                            ("objective", self.project.objectives)):
            for name, decl in decls.items():
                s = decl.span
                spans[s.file].append(((s.line, s.column), (s.end_line, s.end_column),
                                      f"{kind}:{name}"))
        for items in spans.values():
            items.sort()
        out: dict[str, list[Diagnostic]] = defaultdict(list)
        for d in diagnostics:
            items = spans.get(d.span.file, [])
            at = (d.span.line, d.span.column)
            i = bisect_right(items, (at, (10**9, 0), "~")) - 1
            owner = items[i][2] if i >= 0 and items[i][0] <= at <= items[i][1] else ""
            out[owner].append(d)
        return out

    def link(self, name: str) -> Link:
        """The link to a measure's page (made once per name: chains repeat them)."""
        known = self._links.get(name)
        if known is None:
            measure = self.project.measures.get(name)
            title = (measure.label or name) if measure else name
            known = self._links[name] = Link(title, measure_href(name), name)
        return known

    def known(self, name: str | None) -> Link | None:
        """A link to a measure that exists, else ``None``."""
        return self.link(name) if name and name in self.project.measures else None

    def _user(self, objective: str, strategy: str) -> Use:
        """An objective, or one of its strategies, labelled by its own name."""
        o = self.project.objectives[objective]
        if not strategy:
            return Use("objective", Link(o.label or o.name, objective_href(o.name), o.name))
        s = next((s for s in o.strategies if s.name == strategy), None)
        return Use("strategy", Link((s.label if s else None) or strategy,
                                    f"{objective_href(o.name)}#strategy-{strategy}", strategy))

    def _stage_link(self, ref: str | None) -> Link | None:
        if not ref:
            return None
        journey, _, stage = ref.partition(".")
        found = self.project.journeys.get(journey)
        st = next((s for s in found.stages if s.name == stage), None) if found else None
        return Link(st.label or st.name, journey_href(journey), ref) if st else None

    # ------------------------------------------------------------------ pages

    def summary(self) -> Summary:
        active: Counter[str] = Counter()
        hidden: Counter[str] = Counter()
        severity: dict[str, str] = {}
        for d in self.diagnostics:
            (hidden if d.suppressed else active)[d.code] += 1
            severity.setdefault(d.code, d.severity.value)
        codes = tuple(CodeCount(c, severity[c], active[c], hidden[c], rule_href(c))
                      for c in sorted(severity))
        return Summary(self.diagnostics.count(Severity.ERROR),
                       self.diagnostics.count(Severity.WARNING),
                       self.diagnostics.count(Severity.INFO),
                       sum(hidden.values()), codes)

    def index(self) -> IndexPage:
        root = (self.project.config.title
                or self.project.root.rstrip("/").rsplit("/", 1)[-1] or "metrics")
        loose = tuple(diag_view(d) for d in self.by_owner.get("", [])[:OCCURRENCE_LIMIT])
        cards = tuple(
            ObjectiveCard(o.name, o.label or o.name, o.description,
                          self.known(o.north_star), o.owner, len(o.strategies),
                          self._targets(o.targets))
            for o in sorted(self.project.objectives.values(), key=lambda o: o.name))
        return IndexPage(root, cards,
                         tuple(Link(j.label or j.name, journey_href(j.name), j.name)
                               for j in sorted(self.project.journeys.values(),
                                               key=lambda j: j.name)),
                         tuple(self.link(n) for n in sorted(self.project.measures)),
                         self.summary(), loose, self.today.isoformat(),
                         self._status_rows(list(self.project.measures)),
                         self.values.as_of.isoformat() if self.values and self.values.as_of
                         else None)

    def _status_rows(self, names: Iterable[str]) -> tuple[StatusRow, ...]:
        """Status rows of ``names`` (in the tree's order), none without values."""
        if self.values is None:
            return ()
        from metriclang.report.status import ICONS, fmt_change, fmt_value, tree_order

        wanted = set(names)
        out = []
        for n in tree_order(self.project):
            got = self.values.status.get(n)
            if n not in wanted or got is None:
                continue
            target = (f"{got.op} {fmt_value(got.target, got.unit)}"
                      if got.target is not None else "—")
            out.append(StatusRow(self.link(n), got.period.isoformat() if got.period else "—",
                                 fmt_value(got.value, got.unit),
                                 fmt_change(got.change, got.unit) or "—", target, got.status,
                                 ICONS[got.status]))
        return tuple(out)

    def _node(self, name: str, subtitle: str, css: str) -> tuple[str, str]:
        """A measure node's subtitle and CSS class, with its value and status when known."""
        got = self.values.status.get(name) if self.values is not None else None
        if got is None:
            return subtitle, css
        from metriclang.report.status import ICONS, fmt_value

        return (f"{fmt_value(got.value, got.unit)} · {ICONS[got.status]} {got.status}",
                f"{css} status-{got.status}")

    def _targets(self, targets: Iterable[m.Target]) -> tuple[TargetView, ...]:
        out = []
        for t in targets:
            measure = self.project.measures.get(t.measure)
            text = self.text(t.span).partition(t.op)[2].partition(" by ")[0].strip()
            text = in_unit(text, t.value, measure.unit if measure else None)
            out.append(TargetView(t.measure, self.known(t.measure), t.op, text,
                                  t.by.isoformat() if t.by else None))
        return tuple(out)

    def objective(self, name: str) -> ObjectivePage:
        o = self.project.objectives[name]
        strategies = tuple(
            StrategyView(s.name, s.label or s.name, s.hypothesis, self._stage_link(s.stage),
                         s.owner, s.description,
                         tuple(self.link(x) for x in s.measures if x in self.project.measures))
            for s in o.strategies)
        return ObjectivePage(
            o.name, o.label or o.name, o.owner, o.description,
            self.known(o.north_star),
            self._targets(o.targets), strategies, self._tree(o), self._objective_stages(o),
            tuple(diag_view(d) for d in self.by_owner.get(f"objective:{name}", [])),
            self._status_rows([*([o.north_star] if o.north_star else []),
                               *(x for s in o.strategies for x in s.measures)]))

    def _tree(self, o: m.Objective) -> Diagram:
        """Objective -> strategies -> their measures -> the north star."""
        nodes = [NodeSpec(f"o:{o.name}", o.label or o.name, "objective",
                          objective_href(o.name), "objective")]
        edges: list[EdgeSpec] = []
        layers = {f"o:{o.name}": 0}
        star = o.north_star if o.north_star in self.project.measures else None
        seen: set[str] = set()
        for s in o.strategies:
            nodes.append(NodeSpec(f"s:{s.name}", s.label or s.name, "strategy",
                                  objective_href(o.name) + f"#strategy-{s.name}", "strategy"))
            layers[f"s:{s.name}"] = 1
            edges.append(EdgeSpec(f"o:{o.name}", f"s:{s.name}", "", "tree"))
            for x in s.measures:
                if x not in self.project.measures or x == star:
                    continue
                if x not in seen:
                    seen.add(x)
                    measure = self.project.measures[x]
                    sub, css = self._node(x, measure.kind or "measure", measure.kind or "unkinded")
                    nodes.append(NodeSpec(f"m:{x}", measure.label or x, sub, measure_href(x), css))
                    layers[f"m:{x}"] = 2
                edges.append(EdgeSpec(f"s:{s.name}", f"m:{x}", "", "tree"))
                if star:
                    edges.append(EdgeSpec(f"m:{x}", f"m:{star}", "", "tree"))
        if star:
            measure = self.project.measures[star]
            sub, css = self._node(star, "north star", "north-star")
            nodes.append(NodeSpec(f"m:{star}", measure.label or star, sub, measure_href(star),
                                  css))
            layers[f"m:{star}"] = 3 if seen else 2
        return layered(nodes, edges, layers, f"Strategy tree of {o.label or o.name}")

    def _objective_stages(self, o: m.Objective) -> tuple[StageColumn, ...]:
        """Every stage of the journeys the objective touches, with its own measures there."""
        mine = {x for s in o.strategies for x in s.measures if x in self.project.measures}
        mine |= {t.measure for t in o.targets if t.measure in self.project.measures}
        if o.north_star and o.north_star in self.project.measures:
            mine.add(o.north_star)
        refs = [s.stage for s in o.strategies] + [self.project.measures[x].stage for x in mine]
        journeys = sorted({r.partition(".")[0] for r in refs if r} & set(self.project.journeys))
        out = []
        for j in journeys:
            for st in self.project.journeys[j].stages:
                out.append(StageColumn(
                    j, st.name, st.label or st.name,
                    tuple(self.link(x) for x in sorted(mine)
                          if self.project.measures[x].stage == st.ref),
                    tuple(Link(s.label or s.name, objective_href(o.name) + f"#strategy-{s.name}",
                               s.name) for s in o.strategies if s.stage == st.ref)))
        return tuple(out)

    @cached_property
    def stage_members(self) -> tuple[dict[str, list[Link]], dict[str, list[Link]]]:
        """Measures and strategies at each ``journey.stage``."""
        at: dict[str, list[Link]] = defaultdict(list)
        for x in sorted(self.project.measures):
            if self.project.measures[x].stage:
                at[self.project.measures[x].stage or ""].append(self.link(x))
        plans: dict[str, list[Link]] = defaultdict(list)
        for o in sorted(self.project.objectives.values(), key=lambda o: o.name):
            for s in o.strategies:
                if s.stage:
                    plans[s.stage].append(Link(s.label or s.name,
                                               objective_href(o.name) + f"#strategy-{s.name}",
                                               s.name))
        return at, plans

    def journey(self, name: str) -> JourneyPage:
        j = self.project.journeys[name]
        at, plans = self.stage_members
        columns = tuple(StageColumn(name, st.name, st.label or st.name, tuple(at[st.ref]),
                                    tuple(plans[st.ref])) for st in j.stages)
        return JourneyPage(name, j.label or name, columns)

    def graph(self) -> Diagram:
        """The causal graph: a node per measure, an edge per ``drives`` link."""
        measures = self.project.measures
        layers = causal_layers(self.causal, [n for n, x in measures.items()
                                             if x.kind == "lagging"])
        nodes = []
        for n in self.causal.nodes:
            sub, css = self._node(n, f"{n} · {measures[n].kind or 'no kind'}",
                                  measures[n].kind or "unkinded")
            nodes.append(NodeSpec(n, measures[n].label or n, sub, measure_href(n), css))
        verdicts = {(k.source, k.target, k.span): k for k in self.evidence.links} \
            if self.evidence is not None else {}
        edges = []
        for e in self.causal.edges():
            label, css, title = str(e.lag) if e.lag else "", e.effect, ""
            k = verdicts.get((e.source, e.target, e.span))
            if k is not None:
                label = f"{label}, {k.verdict}" if label else k.verdict
                css += f" verdict-{k.verdict}"
                title = (f"{e.source} drives {e.target}: {k.verdict}"
                         + (f", r = {k.estimate:+.2f}" if k.estimate is not None else "")
                         + (f" at lag {k.best_lag}" if k.best_lag is not None else "")
                         + (f", p = {k.p_value:.3g}" if k.p_value is not None else ""))
            edges.append(EdgeSpec(e.source, e.target, label, css, title))
        return layered(nodes, edges, layers, "Causal graph")

    def _hops(self, at: str, up: bool) -> list[tuple[str, Edge]]:
        """The measures one ``drives`` link away: drivers by name (``up``), else driven ones."""
        if up:
            return [(e.source, e) for e in self.drivers[at]]
        return [(e.target, e) for e in self.causal.out[at]]

    def _chain(self, name: str, up: bool) -> tuple[tuple[ChainRow, ...], bool]:
        """Transitive drivers (``up``) or driven measures in tree order, each measure once."""
        rows: list[ChainRow] = []
        seen = {name}
        stack = [(1, name, other, e) for other, e in reversed(self._hops(name, up))]
        while stack:
            depth, via, other, edge = stack.pop()
            if other in seen:
                continue
            if len(rows) >= CHAIN_LIMIT:
                return tuple(rows), True
            seen.add(other)
            rows.append(ChainRow(depth, self.link(other), self.link(via),
                                 str(edge.lag) if edge.lag else "", edge.effect))
            stack += [(depth + 1, other, o, d) for o, d in reversed(self._hops(other, up))]
        return tuple(rows), False

    def formula_text(self, measure: m.Measure) -> str:
        """The formula exactly as written (continuation lines dedented), even when invalid."""
        if "formula" in measure.statements:
            return self.text(measure.statements["formula"]).removeprefix("formula").strip()
        return self.text(measure.formula.span) if measure.formula is not None else ""

    def text(self, span: Span) -> str:
        """The source text of a span, continuation lines dedented."""
        source = self.project.file(span.file)
        if source is None:
            return ""
        lines = [source.lines.line(n) for n in range(span.line, span.end_line + 1)]
        if len(lines) == 1:
            return lines[0][span.column - 1:span.end_column - 1]
        lines[0] = lines[0][span.column - 1:]
        lines[-1] = lines[-1][:span.end_column - 1]
        return "\n".join([lines[0], *("  " + x.strip() for x in lines[1:])])

    def written(self, span: Span, keyword: str) -> str:
        """A one-line statement's text as written, without its keyword (``60%``)."""
        source = self.project.file(span.file)
        line = source.lines.line(span.line) if source else ""
        end = span.end_column - 1 if span.end_line == span.line else len(line)
        return line[span.column - 1:end].strip().removeprefix(keyword).strip()

    def _target(self, x: m.Measure) -> str:
        if x.target is None:
            return "—"
        return in_unit(self.written(x.at("target"), "target"), x.target, x.unit)

    def measure(self, name: str) -> MeasurePage:
        x = self.project.measures[name]
        fields = [Field("kind", x.kind or "—"), Field("perspective", x.perspective or "—"),
                  Field("grain", x.grain)]
        if x.window:
            fields.append(Field("window", str(x.window)))
        if x.cumulative:
            fields.append(Field("cumulative", "running total"))
        if x.dimensions:
            fields.append(Field("dimensions", ", ".join(x.dimensions)))
        stage = self._stage_link(x.stage)
        fields += [Field("stage", stage.text if stage else x.stage or "—",
                         stage.href if stage else None),
                   Field("direction", {"up": "up is better", "down": "down is better"}.get(
                       x.direction or "", "—")),
                   Field("unit", x.unit or "—"), Field("owner", x.owner or "—"),
                   Field("target", self._target(x))]
        tables = [f"{src} ({'.'.join(self.project.sources[src].table)})"
                  for src in sorted(formula_sources(self.project, name))
                  if src in self.project.sources]
        fields.append(Field("reads", ", ".join(tables) or "—"))
        upstream, cut_up = self._chain(name, True)
        downstream, cut_down = self._chain(name, False)
        used = tuple(self._user(o, s) for o, s in sorted(self.used_by.get(name, ())))
        used_in = tuple(self.link(u) for u in self.formula_users.get(name, ()))
        evidence = None
        if self.evidence is not None:
            from metriclang.verify import measure_evidence

            evidence = measure_evidence(self.evidence, name)
        values = None
        if self.values is not None:
            from metriclang.docgen.values import measure_values

            values = measure_values(self.project, self.values, name)
        return MeasurePage(name, x.label or name, x.description, tuple(fields),
                           self.formula_text(x), upstream, downstream, cut_up or cut_down, used,
                           used_in,
                           tuple(diag_view(d) for d in self.by_owner.get(f"measure:{name}", [])),
                           evidence, values)

    def rule(self, doc: RuleDocView) -> RulePage:
        found = [d for d in self.diagnostics if d.code == doc.code]
        return RulePage(doc, tuple(diag_view(d) for d in found[:OCCURRENCE_LIMIT]),
                        max(0, len(found) - OCCURRENCE_LIMIT))

    def search_index(self) -> list[dict[str, str]]:
        """Entries for client-side search: name, label, kind of page and its href."""
        out = [{"name": n, "label": x.label or "", "type": "measure", "href": measure_href(n)}
               for n, x in sorted(self.project.measures.items())]
        out += [{"name": n, "label": o.label or "", "type": "objective",
                 "href": objective_href(n)} for n, o in sorted(self.project.objectives.items())]
        out += [{"name": s.name, "label": s.label or "", "type": "strategy",
                 "href": objective_href(s.objective) + f"#strategy-{s.name}"}
                for s in sorted(self.project.strategies, key=lambda s: (s.objective, s.name))]
        out += [{"name": n, "label": j.label or "", "type": "journey", "href": journey_href(n)}
                for n, j in sorted(self.project.journeys.items())]
        return out
