"""Pure-Python layered layout of directed graphs as SVG-ready boxes and edge paths.

Nodes get a layer (a column, left to right) from the caller; inside a column they are
ordered by a few barycenter sweeps to keep edges short, then placed on a grid.
The causal graph puts leading measures on the left and lagging ones on the right.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from metriclang import display
from metriclang.semantic.graph import CausalGraph, depth_first

BOX_W, BOX_H = 210, 44
GAP_X, GAP_Y = 90, 18
MARGIN = 20
#: Display width budget of a box title (a CJK character counts twice).
TITLE_UNITS = 27
#: Virtual nodes for routing long edges, per real node; past it long edges go straight.
DUMMY_BUDGET = 2


@dataclass(frozen=True)
class NodeSpec:
    """A node before layout: id, the text shown, a link and a CSS class."""

    id: str
    title: str
    subtitle: str
    href: str
    css: str


@dataclass(frozen=True)
class EdgeSpec:
    source: str
    target: str
    label: str
    css: str
    #: Hover text (``osm docs --evidence``: the link's verdict); none when empty.
    title: str = ""


@dataclass(frozen=True)
class Box:
    id: str
    title: str
    full_title: str
    subtitle: str
    href: str
    css: str
    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class Line:
    """An edge as an SVG path ``d`` with its label position."""

    source: str
    target: str
    d: str
    label: str
    label_x: int
    label_y: int
    css: str
    title: str = ""


@dataclass(frozen=True)
class Diagram:
    width: int
    height: int
    boxes: tuple[Box, ...]
    lines: tuple[Line, ...]
    title: str


def shorten(text: str, units: int = TITLE_UNITS) -> str:
    """Cut ``text`` to a display width (CJK counts two) with an ellipsis.

    >>> shorten("Checkout conversion 结账转化率", 24)
    'Checkout conversion 结…'
    """
    if display.width(text) <= units:
        return text
    out, used = [], 0
    for ch in text:
        if used + display.width(ch) > units - 1:
            break
        out.append(ch)
        used += display.width(ch)
    return "".join(out) + "…"


def _order(layers: Mapping[str, int], nodes: Sequence[str],
           edges: Sequence[tuple[str, str]]) -> list[list[str]]:
    """Columns of node ids, ordered by barycenter sweeps (deterministic)."""
    count = max(layers.values(), default=-1) + 1
    columns: list[list[str]] = [[] for _ in range(count)]
    for node in nodes:
        columns[layers[node]].append(node)
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    succs: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        succs[a].append(b)
        preds[b].append(a)
    pos = {n: i for col in columns for i, n in enumerate(col)}
    for sweep in range(4):
        forward = sweep % 2 == 0
        indices = range(1, count) if forward else range(count - 2, -1, -1)
        for i in indices:
            col = columns[i]
            near = preds if forward else succs

            def key(n: str, near: dict[str, list[str]] = near) -> tuple[float, int]:
                ns = [pos[m] for m in near[n]]
                return (sum(ns) / len(ns) if ns else float(pos[n]), pos[n])

            col.sort(key=key)
            pos.update({n: j for j, n in enumerate(col)})
    return columns


def _dummies(edges: Sequence[EdgeSpec], layers: Mapping[str, int], budget: int
             ) -> tuple[dict[str, int], dict[int, list[str]], list[tuple[str, str]]]:
    """Virtual nodes on the layers a long forward edge crosses, so it is routed between boxes.

    Returns the extended layers, each long edge's chain of virtual nodes and the links used
    for ordering. Past ``budget`` virtual nodes, long edges are drawn straight.
    """
    layer = dict(layers)
    chains: dict[int, list[str]] = {}
    links: list[tuple[str, str]] = []
    for i, e in enumerate(edges):
        a, b = layer[e.source], layer[e.target]
        if b - a > 1 and budget >= b - a - 1:
            budget -= b - a - 1
            chain = [f" {i}.{k}" for k in range(a + 1, b)]
            layer.update(zip(chain, range(a + 1, b), strict=True))
            chains[i] = chain
            path = [e.source, *chain, e.target]
            links += list(pairwise(path))
        else:
            links.append((e.source, e.target))
    return layer, chains, links


def layered(nodes: Sequence[NodeSpec], edges: Sequence[EdgeSpec],
            layers: Mapping[str, int], title: str) -> Diagram:
    """Place ``nodes`` in their ``layers`` (columns) and route ``edges`` between them."""
    layer, chains, links = _dummies(edges, layers, DUMMY_BUDGET * max(1, len(nodes)))
    ids = [n.id for n in nodes] + [d for chain in chains.values() for d in chain]
    columns = _order(layer, ids, links)
    tallest = max((len(c) for c in columns), default=0)
    height = 2 * MARGIN + max(1, tallest) * (BOX_H + GAP_Y) - GAP_Y
    place: dict[str, tuple[int, int]] = {}
    for i, col in enumerate(columns):
        top = MARGIN + (tallest - len(col)) * (BOX_H + GAP_Y) // 2
        for j, node in enumerate(col):
            place[node] = (MARGIN + i * (BOX_W + GAP_X), top + j * (BOX_H + GAP_Y))
    boxes = tuple(Box(n.id, shorten(n.title), n.title, n.subtitle, n.href, n.css,
                      *place[n.id], BOX_W, BOX_H) for n in nodes)
    lines = tuple(_route(e, place[e.source], place[e.target],
                         [place[d] for d in chains.get(i, [])]) for i, e in enumerate(edges))
    width = 2 * MARGIN + max(1, len(columns)) * (BOX_W + GAP_X) - GAP_X
    return Diagram(width, height, boxes, lines, title)


def _route(edge: EdgeSpec, a: tuple[int, int], b: tuple[int, int],
           via: Sequence[tuple[int, int]]) -> Line:
    """Curves from the right side of ``a`` through the ``via`` slots to the left side of ``b``.

    Edges that go backwards or stay in a column loop above the boxes.
    """
    ax, ay = a
    bx, by = b
    if bx > ax:
        mid_y = BOX_H // 2
        stops = [(ax + BOX_W, ay + mid_y)]
        for vx, vy in via:
            stops += [(vx, vy + mid_y), (vx + BOX_W, vy + mid_y)]
        stops.append((bx, by + mid_y))
        d = f"M{stops[0][0]},{stops[0][1]}"
        for k in range(0, len(stops) - 1, 2):
            (x1, y1), (x2, y2) = stops[k], stops[k + 1]
            mid = (x1 + x2) // 2
            d += f" C{mid},{y1} {mid},{y2} {x2},{y2}"
            if k + 2 < len(stops):
                d += f" L{stops[k + 2][0]},{stops[k + 2][1]}"
        (x1, y1), (x2, y2) = stops[-2], stops[-1]
        return Line(edge.source, edge.target, d, edge.label, (x1 + x2) // 2,
                    (y1 + y2) // 2 - 4, edge.css, edge.title)
    x1, y1, x2, y2 = ax + BOX_W // 2, ay, bx + BOX_W // 2, by
    lift = max(4, min(y1, y2) - GAP_Y - 10)
    d = f"M{x1},{y1} C{x1},{lift} {x2},{lift} {x2},{y2}"
    return Line(edge.source, edge.target, d, edge.label, (x1 + x2) // 2, lift + 8,
                edge.css + " back", edge.title)


def _longest_path(nodes: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Layer = longest path from a root, ignoring edges that close a cycle."""
    succs: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        succs[a].append(b)
    walk = depth_first(nodes, lambda n: [(x, None) for x in succs[n]])
    back = {(a, b) for a, b, _ in walk.back}
    layer = dict.fromkeys(nodes, 0)
    for node in reversed(walk.finished):
        for nxt in succs[node]:
            if (node, nxt) not in back:
                layer[nxt] = max(layer[nxt], layer[node] + 1)
    return layer


def causal_layers(graph: CausalGraph, lagging: Collection[str]) -> dict[str, int]:
    """Columns for the causal graph: leading (and unkinded) measures left, ``lagging`` right."""
    names = graph.nodes
    lagging = set(lagging) & set(names)
    edges = [(e.source, e.target) for e in graph.edges()]
    left = [n for n in names if n not in lagging]
    layers = _longest_path(left, [(a, b) for a, b in edges if a not in lagging
                                  and b not in lagging])
    offset = max(layers.values(), default=-1) + 1
    right = _longest_path(sorted(lagging), [(a, b) for a, b in edges
                                            if a in lagging and b in lagging])
    layers.update({n: offset + v for n, v in right.items()})
    return layers
