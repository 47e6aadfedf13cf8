"""``osm import --from osi``: an Apache Ossie (OSI) core semantic model as ``.osm`` files.

Reads the draft core spec ``0.2.0.dev0``: datasets become sources, relationships entities,
metrics measures (their ANSI SQL aggregate expression read with sqlglot); what ``osm export
--to osi`` kept under ``custom_extensions`` for ``METRICLANG`` is restored.
"""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path
from typing import Any

import sqlglot
import sqlglot.errors
from sqlglot import exp

from metriclang.interop.losses import Loss
from metriclang.interop.osi_export import DIALECT, VENDOR, VERSION
from metriclang.interop.osmtext import MeasureSpec, SourceSpec, project_files
from metriclang.interop.output import Converted
from metriclang.interop.reading import Element, documents
from metriclang.interop.sqltext import templated

_AGGS: dict[type[exp.Expr], str] = {exp.Sum: "sum", exp.Avg: "avg", exp.Min: "min", exp.Max: "max"}
_OPS: dict[type[exp.Expr], str] = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/"}


class Skip(Exception):
    """A metric whose expression .osm can't read: reported, left out."""


def extension(data: Any) -> dict[str, Any]:
    """metriclang's data in an element's ``custom_extensions`` (``{}`` when none)."""
    for ext in data.get("custom_extensions") or []:
        if isinstance(ext, dict) and ext.get("vendor_name") == VENDOR:
            try:
                found = json.loads(str(ext.get("data", "{}")))
            except ValueError:
                return {}
            return found if isinstance(found, dict) else {}
    return {}


def sql_of(item: Any) -> str | None:
    """The ANSI SQL (else the first) expression of a field or metric."""
    dialects = ((item.get("expression") or {}).get("dialects") or [])
    chosen = next((d for d in dialects if d.get("dialect") == DIALECT), None) or next(
        iter(dialects), None)
    return str(chosen["expression"]) if chosen else None


class _Import:
    def __init__(self, docs: list[tuple[str, Any]]) -> None:
        self.losses: list[Loss] = []
        self.models = [Element(file, model) for file, doc in docs if isinstance(doc, dict)
                       for model in doc.get("semantic_model") or [] if isinstance(model, dict)]
        for file, doc in docs:
            if isinstance(doc, dict) and doc.get("version") not in (None, VERSION):
                self.losses.append(Element(file, doc).loss(
                    "version", f"written for OSI {doc.get('version')}; read as {VERSION}"))
        self.datasets = {str(d["name"]): Element(m.file, d) for m in self.models
                         for d in m.get("datasets") or [] if isinstance(d, dict)}
        self.relationships = [Element(m.file, r) for m in self.models
                              for r in m.get("relationships") or [] if isinstance(r, dict)]
        self.metric_names = {str(x["name"]) for mo in self.models
                             for x in mo.get("metrics") or [] if isinstance(x, dict)}

    # ------------------------------------------------------------ sources
    def entities(self, name: str) -> list[tuple[str, str]]:
        """Entities of a dataset: metriclang's own, else one per relationship."""
        data = self.datasets[name]
        ext = extension(data.data)
        if "entities" in ext:
            return [(str(e["name"]), str(e["column"])) for e in ext["entities"]]
        out: dict[str, str] = {}
        for r in self.relationships:
            if r.get("from") == name:
                out[str(r.get("to"))] = str((r.get("from_columns") or [""])[0])
            if r.get("to") == name:
                out[name] = str((r.get("to_columns") or [""])[0])
        return sorted(out.items())

    def source(self, name: str, d: Element) -> SourceSpec | None:
        ext = extension(d.data)
        table = str(d.get("source", ""))
        if not table or any(c.isspace() or c == "(" for c in table):
            self.losses.append(d.loss(f"dataset {name}", "a query as source; not imported"))
            return None
        keys = d.get("primary_key") or []
        if len(keys) > 1:
            self.losses.append(d.loss(f"dataset {name}", "a composite primary key"))
        fields = [f for f in d.get("fields") or [] if isinstance(f, dict)]
        time = ext.get("time") or next((str(f["name"]) for f in fields if (
            f.get("dimension") or {}).get("is_time")), None)
        dims = []
        for f in fields:
            if f.get("name") == time:
                continue
            sql = sql_of(f)
            dims.append((str(f["name"]), None if sql in (None, f["name"]) else sql))
        valid = (str(ext["valid"][0]), str(ext["valid"][1])) if ext.get("valid") else None
        return SourceSpec(name, d.get("description"), table, time,
                          str(keys[0]) if len(keys) == 1 else None, valid,
                          tuple(self.entities(name)), tuple(dims))

    # ------------------------------------------------------------ formulas
    def path(self, start: str, target: str) -> list[str] | None:
        """Entity names from dataset ``start`` to ``target`` along relationships."""
        queue: deque[tuple[str, list[str]]] = deque([(start, [])])
        seen = {start}
        while queue:
            here, names = queue.popleft()
            if here == target:
                return names
            entities = dict((c, n) for n, c in self.entities(here))
            for r in self.relationships:
                if r.get("from") == here and r.get("to") not in seen:
                    column = str((r.get("from_columns") or [""])[0])
                    seen.add(str(r.get("to")))
                    queue.append((str(r.get("to")), [*names, entities.get(column,
                                                                           str(r.get("to")))]))
        return None

    def fragment(self, tree: exp.Expr, source: str, what: Element) -> str:
        """A row expression over ``source``: own columns bare, others as entity paths."""
        def name(path: tuple[str, ...]) -> str:
            if len(path) == 1 or path[0] == source:
                return path[-1]
            hops = self.path(source, path[0])
            if hops is None:
                self.losses.append(what.loss(f"metric {what.get('name')}", f"no relationship "
                                             f"from `{source}` to `{path[0]}`"))
                raise Skip(path[0])
            return ".".join([*hops, path[-1]])
        return templated(tree, "postgres", name)

    def aggregate(self, tree: exp.Expr, where: exp.Expr | None, what: Element,
                  counts: list[str]) -> str:
        arg: exp.Expr | None
        if isinstance(tree, exp.Count):
            inner = tree.this
            func, arg = ("count_distinct", inner.expressions[0]) if isinstance(
                inner, exp.Distinct) else ("count", None)
            key = inner if isinstance(inner, exp.Column) else None
        elif isinstance(tree, exp.WithinGroup) and isinstance(tree.this, exp.PercentileCont):
            fraction = tree.this.this.name
            func = "median" if fraction == "0.5" else "percentile"
            arg, key = tree.expression.expressions[0].this, None
        elif type(tree) in _AGGS:
            func, arg, key = _AGGS[type(tree)], tree.this, None
        else:
            self.losses.append(what.loss(f"metric {what.get('name')}",
                                         f"the aggregate `{tree.sql()}`"))
            raise Skip(tree.sql())
        tables = [c.table for c in (arg or key or exp.Null()).find_all(exp.Column)
                  if c.table] + [c.table for c in (where.find_all(exp.Column) if where else [])]
        source = (key.table if key is not None and key.table else None) or next(
            iter(tables), None) or (counts.pop(0) if counts else None)
        if source is None:
            self.losses.append(what.loss(f"metric {what.get('name')}", "an aggregate that "
                                         "names no dataset"))
            raise Skip("source")
        cond = f" where {self.fragment(where, source, what)}" if where is not None else ""
        if func == "count":
            return f"count({source}{cond})"
        assert arg is not None
        text = self.fragment(arg, source, what)
        if func == "percentile":
            return f"percentile({source}, {text}, {fraction}{cond})"
        return f"{func}({source}, {text}{cond})"

    def formula(self, tree: exp.Expr, what: Element, counts: list[str]) -> str:
        match tree:
            case exp.Paren():
                return f"({self.formula(tree.this, what, counts)})"
            case exp.Cast():
                return self.formula(tree.this, what, counts)
            case exp.Nullif() if tree.expression.name == "0":  # .osm division is safe
                return self.formula(tree.this, what, counts)
            case exp.Neg():
                return f"-{self.formula(tree.this, what, counts)}"
            case exp.Literal() if not tree.is_string:
                return tree.name
            case exp.Column() if not tree.table and tree.name in self.metric_names:
                return tree.name
            case exp.Filter():
                return self.aggregate(tree.this, tree.expression.this, what, counts)
            case exp.Binary() if type(tree) in _OPS:
                return (f"{self.formula(tree.this, what, counts)} {_OPS[type(tree)]} "
                        f"{self.formula(tree.expression, what, counts)}")
        return self.aggregate(tree, None, what, counts)

    def measure(self, e: Element) -> MeasureSpec:
        ext = extension(e.data)
        if ext.get("formula"):
            text = str(ext["formula"])
        else:
            sql = sql_of(e.data)
            try:
                tree = sqlglot.parse_one(sql or "", read="postgres")
            except sqlglot.errors.ParseError as exc:
                self.losses.append(e.loss(f"metric {e.get('name')}", f"unreadable SQL: {exc}"))
                raise Skip(str(e.get("name"))) from None
            text = self.formula(tree, e, list(ext.get("count_sources", [])))
        facts = {k: v for k, v in ext.items() if k in (
            "kind", "perspective", "stage", "direction", "unit", "owner", "target", "drives",
            "allow")}
        grain = ext.get("grain")
        return MeasureSpec(str(e.get("name")), ext.get("label"), text,
                           grain if grain and grain != "day" else None, ext.get("window"),
                           bool(ext.get("cumulative")), tuple(ext.get("dimensions") or ()),
                           e.get("description"), facts)

    def run(self) -> Converted:
        sources = [s for n, d in self.datasets.items() if (s := self.source(n, d)) is not None]
        measures = []
        for model in self.models:
            for x in model.get("metrics") or []:
                try:
                    measures.append(self.measure(Element(model.file, x)))
                except Skip:
                    continue
        project: dict[str, Any] = {}
        for model in self.models:
            project = project or extension(model.data)
        return Converted(tuple(sorted(project_files(sources, measures, project, "OSI")
                                      .items())), tuple(self.losses))


def import_paths(paths: tuple[Path, ...]) -> Converted:
    """``.osm`` files and ``metriclang.toml`` for OSI YAML files or directories."""
    return _Import(documents(paths)).run()
