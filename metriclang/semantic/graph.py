"""The causal graph of ``drives`` links and its queries, each linear in the edges it visits.

Only ``drives`` links are causal: a measure named inside another's formula is not an edge.
Links to unknown measures (already reported by the resolver) are left out.

>>> from metriclang.semantic.graph import CausalGraph
>>> g = CausalGraph.of({"a": [("b", 1, 7)], "b": [("a", -1, 0)]})
>>> [c for c in g.cycles()][0].names
('a', 'b', 'a')
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Generic, NamedTuple, TypeVar

from metriclang.periods import after, lag_parts
from metriclang.semantic.model import Drive, Duration, Project
from metriclang.source import Span

_NOWHERE = Span("", 0, 0, 0, 0)
T = TypeVar("T")


class Edge(NamedTuple):
    """One ``drives`` link from ``source`` to ``target`` (a tuple: cheap to build by the ten
    thousand)."""

    source: str
    target: str
    sign: int
    lag: Duration | None
    span: Span
    lag_days: int  # the lag in approximate days (0 without a lag)

    @property
    def lag_parts(self) -> tuple[int, int]:
        """The lag as (calendar months, days): months, quarters, years count in months."""
        return lag_parts(self.lag.amount, self.lag.unit) if self.lag else (0, 0)

    @property
    def effect(self) -> str:
        """``positive`` or ``negative``, as written in the spec."""
        return "positive" if self.sign > 0 else "negative"

    def describe(self) -> str:
        lag = f" lag {self.lag}" if self.lag else ""
        return f"`{self.source}` drives `{self.target}`{lag} effect {self.effect}"


@dataclass(frozen=True)
class Path:
    """A chain of edges, each one's target the next one's source."""

    edges: tuple[Edge, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.edges[0].source, *(e.target for e in self.edges)) if self.edges else ()

    @property
    def sign(self) -> int:
        out = 1
        for e in self.edges:
            out *= e.sign
        return out

    def arrow(self) -> str:
        return " -> ".join(self.names)


@dataclass(frozen=True)
class SignConflict:
    """Improving ``path``'s first measure moves its last one the wrong way."""

    path: Path
    moves: int  # +1: the last measure goes up when the first one improves, -1: down


@dataclass(frozen=True)
class Chains:
    """The fastest chain from each measure to one target: summed lag days, the first hop, and
    the summed lag as (calendar months, days)."""

    days: Mapping[str, int]
    via: Mapping[str, Edge | None]
    parts: Mapping[str, tuple[int, int]]

    def __contains__(self, name: object) -> bool:
        return name in self.days

    def path(self, start: str) -> Path:
        return CausalGraph.path_from(self.via, start)

    def lands(self, start: str, today: date) -> date:
        """``today`` plus every lag of the chain from ``start``: months, quarters and years by
        the calendar, days and weeks as days."""
        return after(today, self.parts[start])


@dataclass(frozen=True)
class CausalGraph:
    """Measures and their ``drives`` edges, outgoing and incoming, in a stable order."""

    nodes: tuple[str, ...]
    out: Mapping[str, tuple[Edge, ...]] = field(repr=False)
    into: Mapping[str, tuple[Edge, ...]] = field(repr=False)

    @classmethod
    def from_project(cls, project: Project) -> CausalGraph:
        """Every ``drives`` link between known measures."""
        edges = [_edge(m.name, d) for m in project.measures.values() for d in m.drives
                 if d.target in project.measures]
        return cls.build(project.measures, edges)

    @classmethod
    def of(cls, links: Mapping[str, Sequence[tuple[str, int, int]]]) -> CausalGraph:
        """A graph from ``{source: [(target, sign, lag_days)]}`` (tests and benchmarks)."""
        nodes = set(links) | {t for v in links.values() for t, _, _ in v}
        edges = [Edge(s, t, sign, Duration(lag, "day", _NOWHERE) if lag else None, _NOWHERE, lag)
                 for s, v in links.items() for t, sign, lag in v]
        return cls.build(nodes, edges)

    @classmethod
    def build(cls, nodes: Iterable[str], edges: Iterable[Edge]) -> CausalGraph:
        out: dict[str, list[Edge]] = {n: [] for n in sorted(nodes)}
        into: dict[str, list[Edge]] = {n: [] for n in out}
        for e in edges:
            out[e.source].append(e)
            into[e.target].append(e)
        return cls(tuple(out), {k: tuple(v) for k, v in out.items()},
                   {k: tuple(v) for k, v in into.items()})

    def edges(self) -> Iterator[Edge]:
        for n in self.nodes:
            yield from self.out[n]

    # ---------------------------------------------------------------- reachability
    def upstream(self, seeds: Iterable[str]) -> dict[str, Edge | None]:
        """Every measure with a path to a seed, mapped to the first edge of a shortest one.

        Seeds map to ``None``. Breadth-first over incoming edges: O(nodes + edges visited).
        """
        via: dict[str, Edge | None] = {}
        queue: deque[str] = deque()
        for s in sorted(set(seeds)):
            if s in self.out:
                via[s] = None
                queue.append(s)
        while queue:
            node = queue.popleft()
            for e in self.into[node]:
                if e.source not in via:
                    via[e.source] = e
                    queue.append(e.source)
        return via

    @staticmethod
    def path_from(via: Mapping[str, Edge | None], start: str) -> Path:
        """The chain ``upstream`` found from ``start`` to its seed."""
        edges = []
        edge = via.get(start)
        while edge is not None:
            edges.append(edge)
            edge = via.get(edge.target)
        return Path(tuple(edges))

    def fastest(self, target: str) -> Chains:
        """For each measure with a path to ``target``, the chain with the smallest summed lag.

        Dijkstra over incoming edges (lags in approximate days): O(edges log nodes) visited.
        """
        best: dict[str, int] = {target: 0}
        via: dict[str, Edge | None] = {target: None}
        parts: dict[str, tuple[int, int]] = {}
        heap: list[tuple[int, str]] = [(0, target)]
        while heap:
            days, node = heapq.heappop(heap)
            if node in parts:
                continue
            edge = via[node]
            if edge is None:
                parts[node] = (0, 0)
            else:
                months, rest = parts[edge.target]
                add = edge.lag_parts
                parts[node] = (months + add[0], rest + add[1])
            for e in self.into[node]:
                cost = days + e.lag_days
                if e.source not in best or cost < best[e.source]:
                    best[e.source] = cost
                    via[e.source] = e
                    heapq.heappush(heap, (cost, e.source))
        return Chains({n: best[n] for n in parts}, {n: via[n] for n in parts}, parts)

    # ---------------------------------------------------------------- cycles
    def components(self) -> list[tuple[str, ...]]:
        """Strongly connected components that hold a cycle (Tarjan, iterative, linear)."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        on_stack: set[str] = set()
        stack: list[str] = []
        found: list[tuple[str, ...]] = []
        out = self.out
        for root in self.nodes:
            if root in index:
                continue
            work: list[tuple[str, int]] = [(root, 0)]
            while work:
                node, i = work.pop()
                if i == 0:
                    index[node] = low[node] = len(index)
                    stack.append(node)
                    on_stack.add(node)
                edges = out[node]
                while i < len(edges):  # skip edges to finished nodes without a round trip
                    nxt = edges[i].target
                    i += 1
                    if nxt not in index:
                        work.append((node, i))
                        work.append((nxt, 0))
                        break
                    if nxt in on_stack and index[nxt] < low[node]:
                        low[node] = index[nxt]
                else:
                    if low[node] == index[node]:
                        members = []
                        while True:
                            member = stack.pop()
                            on_stack.discard(member)
                            members.append(member)
                            if member == node:
                                break
                        if len(members) > 1 or any(e.target == node for e in edges):
                            found.append(tuple(sorted(members)))
                    if work:
                        parent = work[-1][0]
                        if low[node] < low[parent]:
                            low[parent] = low[node]
        return sorted(found)

    def cycles(self) -> Iterator[Path]:
        """One shortest cycle per component, starting at the component's first name."""
        for members in self.components():
            inside = set(members)
            start = members[0]
            via: dict[str, Edge] = {}
            queue = deque([start])
            closing: Edge | None = None
            while queue and closing is None:
                node = queue.popleft()
                for e in self.out[node]:
                    if e.target == start:
                        closing = e
                        break
                    if e.target in inside and e.target not in via:
                        via[e.target] = e
                        queue.append(e.target)
            assert closing is not None, "a strongly connected component holds a cycle"
            edges = [closing]
            while edges[-1].source != start:
                edges.append(via[edges[-1].source])
            yield Path(tuple(reversed(edges)))

    # ---------------------------------------------------------------- signs
    def sign_conflicts(self, directions: Mapping[str, int]) -> list[SignConflict]:
        """Chains from a measure with a direction to the next ones with a direction, where
        improving the first moves the last the wrong way.

        ``directions`` maps measures to +1 (up is better) or -1. Measures without a direction
        are passed through: the state is (measure, which way it moves), so every measure is
        visited at most twice and every edge at most twice: linear. A conflict is reported
        once per conflicting last edge and way of moving.
        """
        prev: dict[tuple[str, int], tuple[tuple[str, int], Edge] | None] = {}
        queue: deque[tuple[str, int]] = deque()
        for node in self.nodes:
            if node in directions:
                prev[(node, directions[node])] = None
                queue.append((node, directions[node]))
        conflicts = []
        while queue:
            state = queue.popleft()
            for e in self.out[state[0]]:
                moves = state[1] * e.sign
                if e.target in directions:
                    if moves != directions[e.target]:
                        conflicts.append(SignConflict(_trace(prev, state, e), moves))
                    continue
                nxt = (e.target, moves)
                if nxt not in prev:
                    prev[nxt] = (state, e)
                    queue.append(nxt)
        return conflicts


def reachable(seeds: Iterable[str], successors: Callable[[str], Iterable[str]]) -> set[str]:
    """``seeds`` and every node reachable from them; each node's successors asked once.

    >>> sorted(reachable(["a"], {"a": ["b"], "b": ["a", "c"], "c": []}.__getitem__))
    ['a', 'b', 'c']
    """
    seen = set(seeds)
    todo = list(seen)
    while todo:
        for nxt in successors(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@dataclass(frozen=True)
class Walk(Generic[T]):
    """A depth-first walk: nodes in the order they were finished, the edges that close a cycle
    (from a node back to one still on the path, in the order found) and the tree edges."""

    finished: tuple[str, ...]
    back: tuple[tuple[str, str, T], ...]  # (source, target, edge)
    tree: Mapping[str, tuple[str, T]] = field(repr=False)  # node -> (parent, edge in)

    def cycle(self, back: tuple[str, str, T]) -> tuple[T, ...]:
        """The edges of the cycle a back edge closes, from its target round to it."""
        source, target, edge = back
        edges = [edge]
        while source != target:
            source, edge = self.tree[source]
            edges.append(edge)
        return tuple(reversed(edges))


def depth_first(roots: Iterable[str],
                successors: Callable[[str], Iterable[tuple[str, T]]]) -> Walk[T]:
    """Walk from each root in turn (edges in the order given), as recursion would, without it.

    ``successors(node)`` gives ``(next node, edge)`` pairs; the edge is any value the caller
    wants back. Linear in the nodes and edges reached.

    >>> links = {"a": ["b"], "b": ["a", "c"], "c": []}
    >>> w = depth_first(["a"], lambda n: [(x, (n, x)) for x in links[n]])
    >>> w.finished, [w.cycle(b) for b in w.back]
    (('c', 'b', 'a'), [(('a', 'b'), ('b', 'a'))])
    """
    done: dict[str, bool] = {}  # False while on the path, True once finished
    finished: list[str] = []
    back: list[tuple[str, str, T]] = []
    tree: dict[str, tuple[str, T]] = {}
    for root in roots:
        if root in done:
            continue
        done[root] = False
        stack = [(root, iter(successors(root)))]
        while stack:
            node, pending = stack[-1]
            step = next(pending, None)
            if step is None:
                done[node] = True
                finished.append(node)
                stack.pop()
                continue
            nxt, edge = step
            state = done.get(nxt)
            if state is None:
                done[nxt] = False
                tree[nxt] = (node, edge)
                stack.append((nxt, iter(successors(nxt))))
            elif not state:
                back.append((node, nxt, edge))
    return Walk(tuple(finished), tuple(back), tree)


def _trace(prev: Mapping[tuple[str, int], tuple[tuple[str, int], Edge] | None],
           state: tuple[str, int], last: Edge) -> Path:
    edges = [last]
    step = prev[state]
    while step is not None:
        state, edge = step
        edges.append(edge)
        step = prev[state]
    return Path(tuple(reversed(edges)))


def _edge(source: str, drive: Drive) -> Edge:
    lag = drive.lag
    return Edge(source, drive.target, -1 if drive.effect == "negative" else 1, lag, drive.span,
                lag.approx_days if lag else 0)


def formula_users(project: Project) -> dict[str, tuple[str, ...]]:
    """For each measure, the measures whose formulas name it directly, in name order (the
    formula lineage, beside the ``drives`` links of :class:`CausalGraph`)."""
    from metriclang.semantic.model import Ref, walk

    users: dict[str, set[str]] = {name: set() for name in project.measures}
    for measure in project.measures.values():
        for node in walk(measure.formula) if measure.formula is not None else ():
            if isinstance(node, Ref) and node.measure in users and node.measure != measure.name:
                users[node.measure].add(measure.name)
    return {name: tuple(sorted(found)) for name, found in users.items()}
