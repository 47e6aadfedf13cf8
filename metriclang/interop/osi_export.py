"""``osm export --to osi``: the project as one Apache Ossie (OSI) core semantic model.

Pinned to the draft core spec ``0.2.0.dev0`` (apache/ossie ``core-spec/osi-schema.json``).
Sources are datasets (fields for the time column and dimensions), entities with a dimension
source are relationships, measures are metrics with one ANSI SQL aggregate expression
(``SUM(orders.amount) FILTER (WHERE orders.status = 'paid')``). Everything else metriclang
knows is JSON under ``custom_extensions`` for the vendor ``METRICLANG`` (docs/interop.md).
"""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any

from sqlglot import exp

from metriclang.interop import facts
from metriclang.interop.losses import Loss
from metriclang.interop.output import Converted
from metriclang.interop.sqltext import column_path
from metriclang.interop.yamlio import dump
from metriclang.semantic import model as m
from metriclang.semantic.joins import JoinPath, resolve_path

#: The OSI core spec version implemented (a draft: it may change before 0.2.0).
VERSION = "0.2.0.dev0"
VENDOR = "METRICLANG"
DIALECT = "ANSI_SQL"
_FUNCS: dict[str, type[exp.Expr]] = {
    "sum": exp.Sum, "avg": exp.Avg, "min": exp.Min, "max": exp.Max}
_OPS: dict[str, type[exp.Binary]] = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul, "/": exp.Div}


def extension(data: dict[str, Any]) -> list[dict[str, str]]:
    """``custom_extensions`` with metriclang's data (empty data: none)."""
    if not data:
        return []
    return [{"vendor_name": VENDOR, "data": json.dumps(data, ensure_ascii=False,
                                                      sort_keys=True)}]


def expression(sql: str) -> dict[str, Any]:
    return {"dialects": [{"dialect": DIALECT, "expression": sql}]}


class _Osi:
    def __init__(self, project: m.Project) -> None:
        self.p = project
        self.losses: list[Loss] = []

    def qualified(self, tree: exp.Expr, source: m.Source) -> exp.Expr:
        """Columns named by their dataset; an entity path by its dimension source's dataset."""
        def swap(node: exp.Expr) -> exp.Expr:
            if not isinstance(node, exp.Column):
                return node
            path = column_path(node, source)
            if len(path) == 1:
                return exp.column(path[0], table=source.name)
            joined = resolve_path(self.p.sources, source.name, path)
            if isinstance(joined, JoinPath):
                return exp.column(joined.dimension, table=joined.hops[-1].source)
            return node
        return tree.copy().transform(swap)

    def aggregate(self, agg: m.Agg) -> exp.Expr:
        source = self.p.sources[agg.source]
        arg = self.qualified(agg.expr, source) if agg.expr is not None else None
        match agg.func:
            case "count":  # rows: by the primary key, which names the dataset
                tree: exp.Expr = exp.Count(this=exp.column(source.key, table=source.name)
                                                 if source.key else exp.Star())
            case "count_distinct":
                tree = exp.Count(this=exp.Distinct(expressions=[arg]))
            case "median" | "percentile":
                fraction = exp.Literal.number("0.5" if agg.func == "median"
                                              else str(agg.percentile))
                tree = exp.WithinGroup(this=exp.PercentileCont(this=fraction),
                                       expression=exp.Order(expressions=[
                                           exp.Ordered(this=arg)]))
            case func:
                tree = _FUNCS[func](this=arg)
        if agg.where is None:
            return tree
        return exp.Filter(this=tree, expression=exp.Where(
            this=self.qualified(agg.where, source)))

    def formula(self, node: m.Expr) -> exp.Expr:
        match node:
            case m.Const(value=value):
                return exp.Literal.number(str(value))
            case m.Ref(measure=name):
                return exp.column(name)
            case m.Agg():
                return self.aggregate(node)
            case m.BinOp(op=op, left=left, right=right):
                return _OPS[op](this=self.wrap(left, op, False),
                                expression=self.wrap(right, op, True))
            case m.Neg(operand=operand):
                return exp.Neg(this=exp.Paren(this=self.formula(operand)))
        raise ValueError(node)

    def wrap(self, node: m.Expr, op: str, right: bool) -> exp.Expr:
        tree = self.formula(node)
        prec = {"+": 1, "-": 1, "*": 2, "/": 2}
        if isinstance(node, m.BinOp) and (prec[node.op] < prec[op]
                                          or (right and prec[node.op] == prec[op])):
            return exp.Paren(this=tree)
        return tree

    def metric(self, x: m.Measure) -> dict[str, Any]:
        ext = facts.measure_facts(x) | {"grain": x.grain}
        for key, value in (("label", x.label), ("window", str(x.window) if x.window else None),
                           ("dimensions", list(x.dimensions) or None),
                           ("cumulative", x.cumulative or None)):
            if value is not None:
                ext[key] = value
        nodes = m.walk(x.formula) if x.formula else []
        keyless = [n.source for n in nodes if isinstance(n, m.Agg) and n.func == "count"
                   and not self.p.sources[n.source].key]
        if keyless:  # COUNT(*) names no dataset: say which, in order
            ext["count_sources"] = keyless
        if any(isinstance(n, m.Conv) for n in nodes) or x.formula is None:
            self.losses.append(Loss.at(x.at("formula"), f"measure {x.name}",
                                       "OSI expressions are SQL aggregates, which have no "
                                       "conversion; the formula is kept in custom_extensions"))
            ext["formula"] = self.text(x.formula.span) if x.formula else ""
            sql = "NULL"
        else:
            sql = self.formula(x.formula).sql(dialect="postgres")
        out: dict[str, Any] = {"name": x.name, "expression": expression(sql)}
        if x.description:
            out["description"] = x.description
        return out | {"custom_extensions": extension(ext)}

    def text(self, span: Any) -> str:
        """The text a span covers, on one line (a formula as written)."""
        file = self.p.file(span.file)
        if file is None:
            return ""
        lines = file.lines
        text = file.text[lines.offset((span.line, span.column)):
                         lines.offset((span.end_line, span.end_column))]
        return " ".join(text.split())

    def dataset(self, s: m.Source) -> dict[str, Any]:
        out: dict[str, Any] = {"name": s.name, "source": ".".join(s.table)}
        if s.key:
            out["primary_key"] = [s.key]
        if s.label:
            out["description"] = s.label
        fields = []
        if s.time_column:
            fields.append({"name": s.time_column, "expression": expression(s.time_column),
                           "dimension": {"is_time": True}})
        for d in s.dimensions:
            fields.append({"name": d.name, "expression": expression(
                d.expr.sql(dialect="postgres")), "dimension": {"is_time": False}})
        out["fields"] = fields
        ext: dict[str, Any] = {"entities": [{"name": e.name, "column": e.column}
                                            for e in s.entities]}
        if s.time_column:
            ext["time"] = s.time_column
        if s.valid:
            ext["valid"] = list(s.valid)
        return out | {"custom_extensions": extension(ext)}

    def relationships(self) -> list[dict[str, Any]]:
        out = []
        for s in self.p.sources.values():
            for e in s.entities:
                if e.name == s.keyed_entity:
                    continue
                targets = [t for t in self.p.sources.values() if t.keyed_entity == e.name]
                if len(targets) == 1 and targets[0].key:
                    out.append({"name": f"{s.name}_{e.name}", "from": s.name,
                                "to": targets[0].name, "from_columns": [e.column],
                                "to_columns": [targets[0].key]})
        return out

    def run(self) -> Converted:
        model: dict[str, Any] = {
            "name": PurePath(self.p.root).name or "metriclang",
            "datasets": [self.dataset(s) for s in self.p.sources.values()],
            "relationships": self.relationships(),
            "metrics": [self.metric(x) for x in self.p.measures.values()],
            "custom_extensions": extension(facts.project_facts(self.p)
                                           | {"dialect": self.p.config.dialect})}
        text = dump({"version": VERSION, "semantic_model": [model]})
        return Converted((("semantic_model.yml", text),), tuple(self.losses))


def export(project: m.Project) -> Converted:
    """The OSI YAML of a project, and the loss report."""
    return _Osi(project).run()
