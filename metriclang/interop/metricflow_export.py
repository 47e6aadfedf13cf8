"""``osm export --to metricflow``: the loaded model as dbt semantic layer YAML.

Each source is a ``semantic_model``; each aggregate a ``measure``; each measure a metric of
the matching type (simple, cumulative, ratio, derived, conversion) with a ``saved_query``
for its grain and dimensions; ``where`` becomes a Jinja filter. Facts MetricFlow has no
place for are kept under ``config.meta.metriclang`` (docs/interop.md).
"""

from __future__ import annotations

import re
from typing import Any

from sqlglot import exp

from metriclang.interop import facts
from metriclang.interop.losses import Loss
from metriclang.interop.output import Converted
from metriclang.interop.sqltext import bare_column, inlined, render, templated
from metriclang.interop.yamlio import dump
from metriclang.semantic import model as m

#: MetricFlow's rule for names (dbt-semantic-interfaces ``UniqueAndValidNameRule``).
NAME = re.compile(r"\A[a-z]((?!__)[a-z0-9_])*[a-z0-9]\Z")
#: The calendar table MetricFlow needs (one row per day, column ``date_day``).
TIME_SPINE = "metricflow_time_spine"
_AGG = {"count": "count", "count_distinct": "count_distinct", "sum": "sum", "avg": "average",
        "min": "min", "max": "max", "median": "median", "percentile": "percentile"}
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}


def primary_entity(s: m.Source) -> str:
    """The entity MetricFlow names a source's own dimensions through."""
    return s.keyed_entity or s.key or s.name


def dimension_call(path: tuple[str, ...] | list[str]) -> str:
    """``Dimension('customer__segment')``; beyond one hop the first entities are the path.

    >>> dimension_call(["customer", "account", "tier"])
    "Dimension('account__tier', entity_path=['customer'])"
    """
    head = f"Dimension('{path[-2]}__{path[-1]}'"
    if len(path) > 2:
        head += ", entity_path=[" + ", ".join(f"'{p}'" for p in path[:-2]) + "]"
    return head + ")"


def _docs(key: str, items: list[dict[str, Any]]) -> str:
    """One YAML document per element, as MetricFlow's own parser reads them."""
    return "".join(f"---\n{dump({key: item})}" for item in items)


def _meta(data: dict[str, Any]) -> dict[str, Any]:
    return {"config": {"meta": {facts.KEY: data}}} if data else {}


class _Export:
    def __init__(self, project: m.Project) -> None:
        self.p = project
        self.dialect = project.config.dialect
        self.losses: list[Loss] = []
        self.measures: dict[str, list[dict[str, Any]]] = {s: [] for s in project.sources}
        self.implicit: dict[str, dict[str, None]] = {s: {} for s in project.sources}
        self.metrics: list[dict[str, Any]] = []
        self.queries: list[dict[str, Any]] = []
        self.taken = set(project.measures)
        self.parts: dict[str, int] = {}

    def lose(self, span: Any, element: str, what: str) -> None:
        self.losses.append(Loss.at(span, element, what))

    def fresh(self, base: str) -> str:
        name, n = base, 1
        while name in self.taken:
            n += 1
            name = f"{base}_{n}"
        self.taken.add(name)
        return name

    # ------------------------------------------------------------ filters
    def jinja(self, tree: Any, source: m.Source) -> str:
        def ref(path: tuple[str, ...]) -> str:
            if len(path) == 1:
                if source.dimension(path[0]) is None:
                    self.implicit[source.name][path[0]] = None
                path = (primary_entity(source), *path)
            return "{{ " + dimension_call(path) + " }}"
        return templated(tree, self.dialect, ref, source)

    # ------------------------------------------------------------ measures
    def measure(self, agg: m.Agg, name: str, owner: m.Measure) -> str:
        source = self.p.sources[agg.source]
        out: dict[str, Any] = {"name": name, "agg": _AGG[agg.func]}
        if agg.expr is None:
            out["expr"] = "1"
        else:
            tree, paths = inlined(agg.expr, source)
            if paths:
                self.lose(agg.span, f"measure {owner.name}",
                          f"MetricFlow measures read only their own table: {', '.join(paths)}")
            if agg.func in ("median", "percentile"):  # as osm computes it: in floating point
                tree = exp.Cast(this=tree, to=exp.DataType.build("double"))
                out |= _meta({"cast_double": True})
            out["expr"] = render(tree, self.dialect)
        if agg.percentile is not None:
            out["agg_params"] = {"percentile": float(agg.percentile),
                                 "use_discrete_percentile": False}
        self.measures[agg.source].append(out)
        return name

    def simple(self, agg: m.Agg, name: str, owner: m.Measure, helper: bool) -> dict[str, Any]:
        measure: dict[str, Any] = {"name": self.measure(agg, name, owner)}
        if agg.func in ("count", "count_distinct"):  # counting no rows is 0, not NULL
            measure["fill_nulls_with"] = 0
        metric: dict[str, Any] = {"name": name, "type": "simple",
                                  "type_params": {"measure": measure}}
        if agg.where is not None:
            metric["filter"] = self.jinja(agg.where, self.p.sources[agg.source])
        return metric | (_meta({"part_of": owner.name}) if helper else {})

    def conversion(self, c: m.Conv, name: str, owner: m.Measure) -> dict[str, Any]:
        self.lose(c.span, f"measure {owner.name}", "MetricFlow pairs each conversion with the "
                  "latest opportunity before it, .osm each entity's first event in the period "
                  "with any conversion after it: the rates can differ")
        params: dict[str, Any] = {}
        for role, src, where in (("base_measure", c.from_source, c.from_where),
                                 ("conversion_measure", c.to_source, c.to_where)):
            source = self.p.sources[src]
            entity = source.entity(c.entity)
            column = entity.column if entity else c.entity
            measure = self.fresh(f"{name}_{'base' if role == 'base_measure' else 'conv'}")
            self.measures[src].append({"name": measure, "agg": "count_distinct", "expr": column})
            params[role] = {"name": measure} | (
                {"filter": self.jinja(where, source)} if where is not None else {})
        params |= {"entity": c.entity, "window": str(c.within),
                   "calculation": "conversion_rate"}
        return {"name": name, "type": "conversion",
                "type_params": {"conversion_type_params": params}}

    def part(self, node: m.Expr, owner: m.Measure) -> str:
        """A metric name standing for one operand: a reference, or a helper metric."""
        if isinstance(node, m.Ref):
            return node.measure
        self.parts[owner.name] = self.parts.get(owner.name, 0) + 1
        name = self.fresh(f"{owner.name}_part{self.parts[owner.name]}")
        if isinstance(node, m.Agg):
            self.metrics.append(self.simple(node, name, owner, True))
        elif isinstance(node, m.Conv):
            self.metrics.append(self.conversion(node, name, owner) | _meta({"part_of": owner.name}))
        return name

    def expr(self, node: m.Expr, owner: m.Measure, used: list[str]) -> str:
        match node:
            case m.Const(value=value):
                return str(value)
            case m.BinOp(op=op, left=left, right=right):
                lhs, rhs = self.expr(left, owner, used), self.expr(right, owner, used)
                if isinstance(left, m.BinOp) and _PREC[left.op] < _PREC[op]:
                    lhs = f"({lhs})"
                if isinstance(right, m.BinOp) and _PREC[right.op] <= _PREC[op]:
                    rhs = f"({rhs})"
                return f"{lhs} {op} {rhs}"
            case m.Neg(operand=operand):
                return f"-({self.expr(operand, owner, used)})"
        name = self.part(node, owner)
        used.append(name)
        return name

    def kept(self, x: m.Measure) -> dict[str, Any]:
        """A window or running total MetricFlow can't carry (over several aggregates): a loss,
        kept as metadata."""
        if not (x.window or x.cumulative) or isinstance(x.formula, m.Agg):
            return {}
        self.lose(x.at("window" if x.window else "cumulative"), f"measure {x.name}",
                  "MetricFlow windows and running totals apply to one measure only; "
                  "kept under config.meta.metriclang")
        return {"window": str(x.window)} if x.window else {"cumulative": True}

    def metric(self, x: m.Measure) -> dict[str, Any] | None:
        """The metric of a measure (simple, cumulative, conversion, ratio or derived)."""
        f = x.formula
        if isinstance(f, m.Agg):
            metric = self.simple(f, x.name, x, False)
            if x.window or x.cumulative:
                metric["type"] = "cumulative"  # a period's value: its window's at its end
                metric["type_params"]["cumulative_type_params"] = (
                    {"window": str(x.window)} if x.window else {}) | {"period_agg": "last"}
            return metric
        if isinstance(f, m.Conv):
            return self.conversion(f, x.name, x)
        if isinstance(f, m.BinOp) and f.op == "/" and all(
                isinstance(n, (m.Agg, m.Conv, m.Ref)) for n in (f.left, f.right)):
            return {"name": x.name, "type": "ratio", "type_params": {
                "numerator": {"name": self.part(f.left, x)},
                "denominator": {"name": self.part(f.right, x)}}}
        if f is None:
            return None
        used: list[str] = []
        text = self.expr(f, x, used)
        if not used:
            self.lose(x.at("formula"), f"measure {x.name}",
                      "a formula of numbers only has no MetricFlow metric; not exported")
            return None
        return {"name": x.name, "type": "derived", "type_params": {
            "expr": text, "metrics": [{"name": n} for n in dict.fromkeys(used)]}}

    def saved_query(self, x: m.Measure) -> None:
        sources = [self.p.sources[n.source] for n in m.walk(x.formula) if isinstance(n, m.Agg)
                   ] if x.formula else []
        group = [f"TimeDimension('metric_time', '{x.grain}')"]
        for dim in x.dimensions:
            path = dim.split(".")
            if len(path) == 1 and sources:
                path = [primary_entity(sources[0]), *path]
            group.append(dimension_call(path))
        self.queries.append({"name": x.name, "query_params": {"metrics": [x.name],
                                                               "group_by": group}})

    # ------------------------------------------------------------ whole project
    def run(self) -> Converted:
        self.check_names()
        for x in self.p.measures.values():
            extra = self.kept(x)
            body = self.metric(x)
            if body is None:
                continue
            if x.label:
                body["label"] = x.label
            if x.description:
                body["description"] = x.description
            body["time_granularity"] = x.grain
            self.metrics.append(body | _meta(facts.measure_facts(x) | extra))
            self.saved_query(x)
        self.metrics.sort(key=lambda d: d["name"])
        if self.metrics:
            first = self.metrics[0].setdefault("config", {}).setdefault("meta", {})
            first.setdefault(facts.KEY, {})["project"] = facts.project_facts(self.p) | {
                "dialect": self.dialect}
        files = [("semantic_models.yml", _docs("semantic_model", [
                     self.semantic_model(s) for s in self.p.sources.values()])),
                 ("metrics.yml", _docs("metric", self.metrics)),
                 ("saved_queries.yml", _docs("saved_query", self.queries)),
                 ("project_configuration.yml", dump({"project_configuration": {
                     "time_spines": [{"node_relation": {"schema_name": self.spine_schema(),
                                                        "alias": TIME_SPINE},
                                      "primary_column": {"name": "date_day",
                                                         "time_granularity": "day"}}]}}))]
        return Converted(tuple(files), tuple(self.losses))

    def check_names(self) -> None:
        """Every name MetricFlow will see, against its rule."""
        named: list[tuple[str, str, Any]] = [("measure", x.name, x.name_span)
                                             for x in self.p.measures.values()]
        for s in self.p.sources.values():
            named.append(("source", s.name, s.name_span))
            named += [("entity", e.name, e.span) for e in s.entities]
            named += [("dimension", d.name, d.span) for d in s.dimensions]
        for kind, name, span in named:
            if not NAME.match(name):
                self.lose(span, f"{kind} {name}", "not a valid MetricFlow name (lower case "
                          "letters, digits, single underscores, no `__`)")

    def spine_schema(self) -> str:
        schemas = sorted({s.table[-2] for s in self.p.sources.values() if len(s.table) > 1})
        return schemas[0] if schemas else "main"

    def semantic_model(self, s: m.Source) -> dict[str, Any]:
        relation: dict[str, Any] = {"alias": s.table[-1],
                                    "schema_name": s.table[-2] if len(s.table) > 1 else "main"}
        if len(s.table) > 2:
            relation["database"] = s.table[-3]
        if len(s.table) > 3:
            self.lose(s.name_span, f"source {s.name}", "MetricFlow relations have at most "
                      "three parts (database.schema.table)")
        out: dict[str, Any] = {"name": s.name}
        if s.label:
            out["label"] = s.label
        out["node_relation"] = relation
        if s.time_column:
            out["defaults"] = {"agg_time_dimension": s.time_column}
        if not s.key or s.valid:  # a natural key (versions) is not a primary one
            out["primary_entity"] = primary_entity(s)
        out["entities"] = self.entities(s)
        out["dimensions"] = self.dimensions(s)
        out["measures"] = self.measures[s.name]
        if len(s.table) == 1:  # MetricFlow needs a schema: the one given is DuckDB's default
            out |= _meta({"table": s.table[0]})
        return out

    def entities(self, s: m.Source) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        keyed = s.keyed_entity
        if s.key and keyed is None:
            out.append({"name": s.key, "type": "primary", "expr": s.key}
                       | _meta({"key_only": True}))
        for e in s.entities:
            kind = ("natural" if s.valid else "primary") if e.name == keyed else "foreign"
            out.append({"name": e.name, "type": kind, "expr": e.column})
        return out

    def dimensions(self, s: m.Source) -> list[dict[str, Any]]:
        def time(name: str, validity: dict[str, bool] | None = None) -> dict[str, Any]:
            params: dict[str, Any] = {"time_granularity": "day"}
            if validity:
                params["validity_params"] = validity
            return {"name": name, "type": "time", "type_params": params}
        out = [time(s.time_column)] if s.time_column else []
        if s.valid:
            out += [time(s.valid[0], {"is_start": True}), time(s.valid[1], {"is_end": True})]
        for d in s.dimensions:
            out.append({"name": d.name, "type": "categorical"}
                       | ({} if bare_column(d) else {"expr": render(d.expr, self.dialect)}))
        declared = {d["name"] for d in out}
        out += [{"name": c, "type": "categorical"} | _meta({"implicit": True})
                for c in self.implicit[s.name] if c not in declared]
        return out


def export(project: m.Project) -> Converted:
    """The MetricFlow YAML files of a project, and the loss report."""
    return _Export(project).run()

