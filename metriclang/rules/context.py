"""What every rule sees: the project, its causal graph, today's date and shared analyses.

Analyses several rules need are computed once per run, on first use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from metriclang.semantic import model as m
from metriclang.semantic.graph import CausalGraph, Chains, Edge, reachable


@dataclass(frozen=True)
class Context:
    """The input of ``Rule.check``; nothing in it is changed by a rule."""

    project: m.Project
    today: date

    @cached_property
    def graph(self) -> CausalGraph:
        return CausalGraph.from_project(self.project)

    def measure(self, name: str | None) -> m.Measure | None:
        return self.project.measures.get(name) if name else None

    @cached_property
    def directions(self) -> dict[str, int]:
        """+1 where up is better, -1 where down is; measures without ``direction`` are absent."""
        return {n: 1 if x.direction == "up" else -1 for n, x in self.project.measures.items()
                if x.direction}

    @cached_property
    def measures(self) -> list[tuple[str, m.Measure]]:
        """Every measure by name, in name order."""
        return sorted(self.project.measures.items())

    def with_kind(self, kind: str) -> list[m.Measure]:
        return [x for _, x in self.measures if x.kind == kind]

    @cached_property
    def refs(self) -> dict[str, list[str]]:
        """The known measures each measure's formula names."""
        known = self.project.measures
        return {n: [r.measure for r in self.nodes(n) if isinstance(r, m.Ref) and r.measure in known]
                for n in known}

    @cached_property
    def dangling(self) -> frozenset[str]:
        """Measures with a ``drives`` to an unknown measure (the resolver reported it)."""
        return frozenset(x.name for x in self.project.measures.values()
                         if any(d.target not in self.project.measures for d in x.drives))

    def known(self, names: Iterable[str]) -> list[str]:
        return [n for n in names if n in self.project.measures]

    def upstream(self, seed: str) -> dict[str, Edge | None]:
        """Measures with a ``drives`` path to ``seed`` (computed once per seed)."""
        return self._upstream.setdefault(seed, self.graph.upstream([seed]))

    def fastest(self, seed: str) -> Chains:
        """Measures with a path to ``seed`` and their fastest chain (computed once per seed)."""
        return self._fastest.setdefault(seed, self.graph.fastest(seed))

    @cached_property
    def _upstream(self) -> dict[str, dict[str, Edge | None]]:
        return {}

    @cached_property
    def _fastest(self) -> dict[str, Chains]:
        return {}

    def traced(self, seeds: Iterable[str]) -> set[str]:
        """``seeds`` and every measure upstream of them through ``drives`` links or as a
        part of their formulas (a measure named in a traced measure's formula)."""
        into, refs = self.graph.into, self.refs
        return reachable((n for n in seeds if n in into),
                         lambda name: [*(e.source for e in into[name]), *refs[name]])

    def nodes(self, name: str) -> list[m.Expr]:
        """The nodes of one measure's own formula (walked once per run)."""
        found = self._nodes.get(name)
        if found is None:
            formula = self.project.measures[name].formula
            found = self._nodes[name] = m.walk(formula) if formula else []
        return found

    @cached_property
    def _nodes(self) -> dict[str, list[m.Expr]]:
        return {}

    @staticmethod
    def objective_seeds(objective: m.Objective) -> list[str]:
        """The measures an objective names: north star, targets and strategy measures."""
        names = [objective.north_star] if objective.north_star else []
        names += [t.measure for t in objective.targets]
        names += [n for s in objective.strategies for n in s.measures]
        return names

    def expanded(self, measure: m.Measure) -> list[m.Expr]:
        """Every formula node of ``measure`` and of the measures it names, transitively."""
        out: list[m.Expr] = []
        seen: set[str] = set()
        stack = [measure.name]
        while stack:
            name = stack.pop()
            if name in seen or name not in self.project.measures:
                continue
            seen.add(name)
            for node in self.nodes(name):
                out.append(node)
                if isinstance(node, m.Ref):
                    stack.append(node.measure)
        return out


def has_denominator(nodes: Iterable[m.Expr]) -> bool:
    """Whether a formula (expanded) is a ratio: it holds a ``conversion`` or divides by data
    (an aggregate, a conversion or a measure); dividing by a number only rescales."""
    return any(isinstance(n, m.Conv) or (
        isinstance(n, m.BinOp) and n.op == "/" and
        any(isinstance(x, (m.Agg, m.Conv, m.Ref)) for x in m.walk(n.right))) for n in nodes)
