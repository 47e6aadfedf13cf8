"""``osm graph``: objectives -> strategies -> measures and the ``drives`` edges.

Leading and lagging measures are styled differently; ``drives`` edges inside a cycle (C201)
and on a sign-conflicting chain (C205) are highlighted. Three renderings of one plain-data
view: ``json`` (the view itself), ``mermaid`` and ``dot`` (Graphviz).
"""

from __future__ import annotations

import json
import re
from typing import Any

from metriclang.report import printable
from metriclang.semantic.graph import CausalGraph
from metriclang.semantic.model import Project

FORMATS = ("mermaid", "dot", "json")
_CYCLE, _CONFLICT = "#dc2626", "#ea580c"


def view(project: Project) -> dict[str, Any]:
    """The graph as plain data, sorted by name (``--format json``)."""
    graph = CausalGraph.from_project(project)
    in_cycle = {n: i for i, c in enumerate(graph.components()) for n in c}
    directions = {n: 1 if x.direction == "up" else -1 for n, x in project.measures.items()
                  if x.direction}
    conflicting = {(e.source, e.target, e.span) for c in graph.sign_conflicts(directions)
                   for e in c.path.edges}
    measures = [{"name": x.name, "label": x.label, "kind": x.kind, "direction": x.direction,
                 "perspective": x.perspective, "grain": x.grain}
                for _, x in sorted(project.measures.items())]
    drives = [{"source": e.source, "target": e.target, "lag": str(e.lag) if e.lag else None,
               "lag_days": e.lag_days, "effect": "positive" if e.sign > 0 else "negative",
               "cycle": e.source in in_cycle and in_cycle[e.source] == in_cycle.get(e.target),
               "sign_conflict": (e.source, e.target, e.span) in conflicting,
               "file": e.span.file, "line": e.span.line}
              for e in graph.edges()]
    objectives = [{"name": o.name, "label": o.label,
                   "north_star": o.north_star if o.north_star in project.measures else None,
                   "strategies": [{"name": s.name, "label": s.label,
                                   "measures": [n for n in s.measures if n in project.measures]}
                                  for s in o.strategies]}
                  for _, o in sorted(project.objectives.items())]
    return {"objectives": objectives, "measures": measures, "drives": drives}


def _edge_label(d: dict[str, Any]) -> str:
    return f"{d['lag'] or 'no lag'}, {d['effect']}"


#: Characters with a meaning in a quoted mermaid label, written as mermaid entity codes.
_MERMAID = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "`": "#96;", "&": "#38;"}
_MERMAID_CHARS = re.compile("[#\"<>`&]")


def mermaid_label(text: str) -> str:
    """``text`` as a quoted mermaid label: on one line, markup characters as entity codes.

    >>> mermaid_label('a "b"\\n<img onerror=x> `c`')
    '"a #quot;b#quot; #lt;img onerror=x#gt; #96;c#96;"'
    """
    line = " ".join(text.split())
    return '"' + _MERMAID_CHARS.sub(lambda m: _MERMAID[m.group()], line) + '"'


def _mermaid_text(label: str | None, name: str) -> str:
    if not label:
        return mermaid_label(name)
    return mermaid_label(label)[:-1] + "<br/>" + mermaid_label(name)[1:]


def mermaid(data: dict[str, Any]) -> str:
    """A Mermaid flowchart."""
    lines = ["flowchart LR",
             "  classDef objective fill:#fde68a,stroke:#b45309,stroke-width:2px",
             "  classDef strategy fill:#e0e7ff,stroke:#4338ca",
             "  classDef leading fill:#dcfce7,stroke:#15803d",
             "  classDef lagging fill:#dbeafe,stroke:#1d4ed8,stroke-width:3px",
             "  classDef nokind fill:#f3f4f6,stroke:#6b7280,stroke-dasharray:4 3"]
    links: list[str] = []
    styles: list[str] = []
    for o in data["objectives"]:
        lines.append(f"  o_{o['name']}[[{_mermaid_text(o['label'], o['name'])}]]:::objective")
        for s in o["strategies"]:
            lines.append(f"  s_{s['name']}({_mermaid_text(s['label'], s['name'])}):::strategy")
    for x in data["measures"]:
        shape = ("[", "]") if x["kind"] == "lagging" else ("([", "])")
        lines.append(f"  m_{x['name']}{shape[0]}{_mermaid_text(x['label'], x['name'])}"
                     f"{shape[1]}:::{x['kind'] or 'nokind'}")
    for o in data["objectives"]:
        if o["north_star"]:
            links.append(f"  o_{o['name']} ==>|north star| m_{o['north_star']}")
        for s in o["strategies"]:
            links.append(f"  o_{o['name']} --> s_{s['name']}")
            links += [f"  s_{s['name']} -.-> m_{n}" for n in s["measures"]]
    for d in data["drives"]:
        color = _CYCLE if d["cycle"] else _CONFLICT if d["sign_conflict"] else None
        if color:
            styles.append(f"  linkStyle {len(links)} stroke:{color},stroke-width:3px")
        links.append(f"  m_{d['source']} -->|\"{_edge_label(d)}\"| m_{d['target']}")
    return "\n".join(lines + links + styles) + "\n"


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot_label(label: str | None, name: str) -> str:
    return _dot_text(f"{label}\n{name}" if label else name)


_DOT_KIND = {"leading": 'shape=ellipse, style=filled, fillcolor="#dcfce7"',
             "lagging": 'shape=box, peripheries=2, style=filled, fillcolor="#dbeafe"',
             None: 'shape=ellipse, style=dashed'}


def dot(data: dict[str, Any]) -> str:
    """A Graphviz digraph."""
    lines = ["digraph osm {", "  rankdir=LR;", '  node [fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    for o in data["objectives"]:
        lines.append(f"  {_dot_text('o:' + o['name'])} [label={_dot_label(o['label'], o['name'])}"
                     ', shape=box3d, style=filled, fillcolor="#fde68a"];')
        for s in o["strategies"]:
            lines.append(f"  {_dot_text('s:' + s['name'])} [label="
                         f"{_dot_label(s['label'], s['name'])}, shape=box, "
                         'style="rounded,filled", fillcolor="#e0e7ff"];')
    for x in data["measures"]:
        lines.append(f"  {_dot_text('m:' + x['name'])} [label={_dot_label(x['label'], x['name'])}"
                     f", {_DOT_KIND[x['kind']]}];")
    for o in data["objectives"]:
        node = _dot_text("o:" + o["name"])
        if o["north_star"]:
            lines.append(f"  {node} -> {_dot_text('m:' + o['north_star'])} "
                         '[label="north star", style=bold];')
        for s in o["strategies"]:
            lines.append(f"  {node} -> {_dot_text('s:' + s['name'])};")
            lines += [f"  {_dot_text('s:' + s['name'])} -> {_dot_text('m:' + n)} [style=dashed];"
                      for n in s["measures"]]
    for d in data["drives"]:
        color = _CYCLE if d["cycle"] else _CONFLICT if d["sign_conflict"] else None
        extra = f', color="{color}", penwidth=2.5' if color else ""
        lines.append(f"  {_dot_text('m:' + d['source'])} -> {_dot_text('m:' + d['target'])} "
                     f"[label={_dot_text(_edge_label(d))}{extra}];")
    return "\n".join([*lines, "}"]) + "\n"


def render(project: Project, fmt: str) -> str:
    """The graph of ``project`` in one of :data:`FORMATS` (mermaid and dot show control
    characters escaped; JSON keeps them)."""
    data = view(project)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return printable(mermaid(data) if fmt == "mermaid" else dot(data))
