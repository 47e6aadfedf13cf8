"""``osm export --to cube``: one Cube data model YAML file per source (``model/cubes/``).

Each source is a cube (``sql_table``, dimensions, a ``many_to_one`` join to the dimension
source of each entity); each measure of one source is a measure of its cube, with its
``where`` as ``filters`` (and as a ``segment``); a formula over several aggregates of one cube
is a ``number`` measure over hidden parts. Grain, dimensions and metriclang's own facts are
kept under ``meta.metriclang``. docs/interop.md lists what is lost.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from metriclang.interop import facts
from metriclang.interop.losses import Loss
from metriclang.interop.output import Converted
from metriclang.interop.sqltext import column_path, render
from metriclang.interop.yamlio import dump
from metriclang.semantic import model as m
from metriclang.semantic.joins import JoinPath, resolve_path

_TYPE = {"count": "count", "count_distinct": "count_distinct", "sum": "sum", "avg": "avg",
         "min": "min", "max": "max"}
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}


class _Cubes:
    def __init__(self, project: m.Project) -> None:
        self.p = project
        self.dialect = project.config.dialect
        self.losses: list[Loss] = []
        self.measures: dict[str, list[dict[str, Any]]] = {s: [] for s in project.sources}
        self.segments: dict[str, list[dict[str, Any]]] = {s: [] for s in project.sources}
        self.joins: dict[str, dict[str, dict[str, Any]]] = {s: {} for s in project.sources}

    # ------------------------------------------------------------ SQL
    def sql(self, tree: exp.Expr, source: m.Source) -> str:
        """A fragment with ``{CUBE}.column`` and ``{cube.dimension}`` references."""
        names: dict[str, str] = {}

        def swap(node: exp.Expr) -> exp.Expr:
            if not isinstance(node, exp.Column):
                return node
            path = column_path(node, source)
            if len(path) == 1:
                dim = source.dimension(path[0])
                if dim is not None and not (isinstance(dim.expr, exp.Column)
                                            and column_path(dim.expr) == path):
                    key = f"osm_ph_{len(names)}"
                    names[key] = "{" + path[0] + "}"  # the cube's own dimension
                    return exp.column(key)
                key = f"osm_ph_{len(names)}"
                names[key] = "{CUBE}." + path[0]
                return exp.column(key)
            joined = resolve_path(self.p.sources, source.name, path)
            key = f"osm_ph_{len(names)}"
            if isinstance(joined, JoinPath):
                self.join(joined)
                names[key] = "{" + joined.hops[-1].source + "." + joined.dimension + "}"
            else:
                names[key] = ".".join(path)
            return exp.column(key)

        text = render(tree.copy().transform(swap), self.dialect)
        for key in sorted(names, key=len, reverse=True):
            text = text.replace(key, names[key])
        return text

    def join(self, path: JoinPath) -> None:
        """Declare every hop of ``path`` as a ``many_to_one`` join."""
        here = self.p.sources[path.start]
        for hop in path.hops:
            target = self.p.sources[hop.source]
            on = f"{{CUBE}}.{hop.column} = {{{target.name}}}.{target.key}"
            if target.valid and here.time_column:
                start, end = target.valid
                on += (f" AND {{{target.name}}}.{start} <= {{CUBE}}.{here.time_column} AND "
                       f"({{{target.name}}}.{end} IS NULL OR {{CUBE}}.{here.time_column} < "
                       f"{{{target.name}}}.{end})")
            self.joins[here.name][target.name] = {"name": target.name, "sql": on,
                                                  "relationship": "many_to_one"}
            here = target

    # ------------------------------------------------------------ measures
    def aggregate(self, agg: m.Agg, name: str, public: bool) -> dict[str, Any]:
        source = self.p.sources[agg.source]
        out: dict[str, Any] = {"name": name}
        expr = None if agg.expr is None else self.sql(agg.expr, source)
        if agg.func in _TYPE:
            out["type"] = _TYPE[agg.func]
            if expr is not None:
                out["sql"] = expr
        else:  # median and percentile: an aggregate in a number measure
            fraction = "0.5" if agg.func == "median" else str(agg.percentile)
            out["type"] = "number"
            out["sql"] = f"PERCENTILE_CONT({fraction}) WITHIN GROUP (ORDER BY {expr})"
            if agg.where is not None:
                out["sql"] = (f"PERCENTILE_CONT({fraction}) WITHIN GROUP (ORDER BY CASE WHEN "
                              f"{self.sql(agg.where, source)} THEN {expr} END)")
                return out | ({} if public else {"public": False})
        if agg.where is not None:
            condition = self.sql(agg.where, source)
            out["filters"] = [{"sql": condition}]
            self.segments[agg.source].append({"name": f"{name}_where", "sql": condition})
        return out | ({} if public else {"public": False})

    def number(self, node: m.Expr, x: m.Measure, cube: str, parts: list[dict[str, Any]]
               ) -> str:
        match node:
            case m.Const(value=value):
                return str(value)
            case m.Ref(measure=name):
                return "{" + name + "}"
            case m.Agg():
                part = self.aggregate(node, f"{x.name}_part{len(parts) + 1}", False)
                parts.append(part)
                return "{" + str(part["name"]) + "}"
            case m.BinOp(op=op, left=left, right=right):
                lhs, rhs = self.number(left, x, cube, parts), self.number(right, x, cube, parts)
                if isinstance(left, m.BinOp) and _PREC[left.op] < _PREC[op]:
                    lhs = f"({lhs})"
                if isinstance(right, m.BinOp) and _PREC[right.op] <= _PREC[op]:
                    rhs = f"({rhs})"
                if op == "/":
                    return f"CAST({lhs} AS DOUBLE PRECISION) / NULLIF({rhs}, 0)"
                return f"{lhs} {op} {rhs}"
            case m.Neg(operand=operand):
                return f"-({self.number(operand, x, cube, parts)})"
        raise ValueError(node)

    def cube_of(self, x: m.Measure) -> str | None:
        """The one cube a measure can live in: that of every aggregate it reads, directly or
        through the measures it names; ``None`` when it reads several or none."""
        seen, pending, cubes = set(), [x.name], set()
        while pending:
            name = pending.pop()
            formula = self.p.measures[name].formula if name in self.p.measures else None
            if name in seen or formula is None:
                continue
            seen.add(name)
            for node in m.walk(formula):
                if isinstance(node, m.Agg):
                    cubes.add(node.source)
                elif isinstance(node, m.Conv):
                    cubes |= {node.from_source, node.to_source, "<conversion>"}
                elif isinstance(node, m.Ref):
                    pending.append(node.measure)
        return cubes.pop() if len(cubes) == 1 else None

    def measure(self, x: m.Measure) -> None:
        cube = self.cube_of(x)
        if cube is None or x.formula is None:
            what = ("Cube has no conversion measure" if any(
                isinstance(n, m.Conv) for n in m.walk(x.formula)) else
                "a formula over several sources (or none) has no one cube") if x.formula \
                else "no formula"
            self.losses.append(Loss.at(x.at("formula"), f"measure {x.name}",
                                       f"{what}; not exported"))
            return
        meta = facts.measure_facts(x) | {"grain": x.grain}
        if x.dimensions:
            meta["dimensions"] = list(x.dimensions)
        for dim in x.dimensions:
            joined = resolve_path(self.p.sources, cube, dim.split("."))
            if isinstance(joined, JoinPath):
                self.join(joined)
        if isinstance(x.formula, m.Agg):
            out = self.aggregate(x.formula, x.name, True)
        else:
            parts: list[dict[str, Any]] = []
            out = {"name": x.name, "type": "number",
                   "sql": self.number(x.formula, x, cube, parts)}
            self.measures[cube] += parts
        if x.window or x.cumulative:
            if out["type"] in ("sum", "count", "min", "max", "count_distinct"):
                out["rolling_window"] = {"trailing": str(x.window).rstrip("s")
                                         if x.window else "unbounded"}
            else:
                self.losses.append(Loss.at(x.at("window" if x.window else "cumulative"),
                                           f"measure {x.name}", "Cube rolls sums, counts, "
                                           "minimums and maximums only; kept under meta"))
                meta |= {"window": str(x.window)} if x.window else {"cumulative": True}
        if x.label:
            out["title"] = x.label
        if x.description:
            out["description"] = x.description
        self.measures[cube].append(out | {"meta": {facts.KEY: meta}})

    # ------------------------------------------------------------ cubes
    def cube(self, s: m.Source) -> dict[str, Any]:
        out: dict[str, Any] = {"name": s.name, "sql_table": ".".join(s.table)}
        if s.label:
            out["title"] = s.label
        if self.joins[s.name]:
            out["joins"] = [self.joins[s.name][k] for k in sorted(self.joins[s.name])]
        dims: list[dict[str, Any]] = []
        if s.key:
            dims.append({"name": s.key, "sql": "{CUBE}." + s.key, "type": "string",
                         "primary_key": True})
        if s.time_column:
            dims.append({"name": s.time_column, "sql": "{CUBE}." + s.time_column,
                         "type": "time"})
        for d in s.dimensions:
            dims.append({"name": d.name, "sql": self.sql(d.expr, s), "type": "string"})
        out["dimensions"] = dims
        if self.measures[s.name]:
            out["measures"] = self.measures[s.name]
        if self.segments[s.name]:
            out["segments"] = self.segments[s.name]
        return out

    def run(self) -> Converted:
        for x in self.p.measures.values():
            self.measure(x)
        cubes = [self.cube(s) for s in self.p.sources.values()]
        plan = facts.project_facts(self.p)
        if plan and cubes:  # journeys and objectives ride on the first cube's meta
            first = min(cubes, key=lambda c: str(c["name"]))
            first["meta"] = {facts.KEY: {"project": plan}}
        files = [(f"model/cubes/{c['name']}.yml", dump({"cubes": [c]})) for c in cubes]
        return Converted(tuple(files), tuple(self.losses))


def export(project: m.Project) -> Converted:
    """Cube data model files of a project, and the loss report."""
    return _Cubes(project).run()
