"""``osm import --from metricflow``: dbt semantic layer YAML as ``.osm`` files.

Reads both layouts: MetricFlow's (one ``semantic_model:``/``metric:``/``saved_query:`` per
document) and dbt's (lists under ``semantic_models:``, ``metrics:``, ``saved_queries:``).
Facts under ``config.meta.metriclang`` (written by ``osm export``) are restored; metrics
marked ``part_of`` are folded back into the measure they were split from.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import sqlglot
import sqlglot.errors

from metriclang.interop import facts
from metriclang.interop.losses import Loss
from metriclang.interop.osmtext import MeasureSpec, SourceSpec, project_files
from metriclang.interop.output import Converted
from metriclang.interop.reading import Element, documents

_KINDS = {"semantic_model": "semantic_models", "metric": "metrics",
          "saved_query": "saved_queries"}
_AGG = {"sum": "sum", "average": "avg", "min": "min", "max": "max", "median": "median",
        "count_distinct": "count_distinct", "percentile": "percentile"}
_GRAINS = ("day", "week", "month", "quarter", "year")
_CALL = re.compile(r"\{\{\s*(Dimension|TimeDimension|Entity)\(([^)]*)\)\s*\}\}")
_ARG = re.compile(r"'([^']*)'|\[([^\]]*)\]")
_IDENT = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*\Z")


def one_line(sql: str) -> str:
    """A SQL expression on one line (through sqlglot), or as written when sqlglot can't
    read it.

    >>> one_line("CASE\\n  WHEN t = 'a  b' THEN 1\\nEND")
    "CASE WHEN t = 'a  b' THEN 1 END"
    """
    try:
        tree = sqlglot.parse_one(sql)
    except sqlglot.errors.ParseError:
        return sql.strip()
    return tree.sql() if tree is not None else sql.strip()


def uncast(sql: str) -> str:
    """The expression inside a top-level ``CAST``.

    >>> uncast("CAST(amount AS DOUBLE)")
    'amount'
    """
    tree = sqlglot.parse_one(sql)
    return tree.this.sql() if isinstance(tree, sqlglot.exp.Cast) else sql


class Skip(Exception):
    """A metric that can't be written in ``.osm``: its loss is recorded, it is left out."""


def _meta(data: Any) -> dict[str, Any]:
    config = data.get("config") or {}
    meta = (config.get("meta") if isinstance(config, dict) else None) or data.get("meta") or {}
    found = meta.get(facts.KEY) if isinstance(meta, dict) else None
    return dict(found) if isinstance(found, dict) else {}


def _input(value: Any) -> dict[str, Any]:
    """A metric or measure input: a bare name or ``{name, filter, alias, ...}``."""
    return {"name": value} if isinstance(value, str) else dict(value or {})


def _filters(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


class _Import:
    def __init__(self, docs: list[tuple[str, Any]]) -> None:
        self.losses: list[Loss] = []
        self.models: dict[str, Element] = {}
        self.metrics: dict[str, Element] = {}
        self.queries: list[Element] = []
        for file, doc in docs:
            if not isinstance(doc, dict):
                continue
            for single, plural in _KINDS.items():
                items = [doc[single]] if single in doc else list(doc.get(plural) or [])
                for item in items:
                    if isinstance(item, dict) and isinstance(item.get("name"), str):
                        self.add(single, Element(file, item))
        self.renamed: dict[str, str] = {}
        self.measures = {str(x["name"]): (e, x) for e in self.models.values()
                         for x in e.get("measures") or [] if isinstance(x, dict)}

    def add(self, kind: str, e: Element) -> None:
        match kind:
            case "semantic_model":
                self.models[e.get("name")] = e
            case "metric":
                self.metrics[e.get("name")] = e
            case _:
                self.queries.append(e)

    # ------------------------------------------------------------ sources
    @staticmethod
    def primary(e: Element) -> str | None:
        for x in e.get("entities") or []:
            if x.get("type") in ("primary", "natural"):
                return str(x["name"])
        value = e.get("primary_entity")
        return str(value) if value else None

    def table(self, e: Element) -> str:
        if _meta(e.data).get("table"):
            return str(_meta(e.data)["table"])
        rel = e.get("node_relation") or {}
        if rel:
            return ".".join(str(rel[k]) for k in ("database", "schema_name", "alias") if rel.get(k))
        ref = re.fullmatch(r"\s*ref\(\s*['\"]([^'\"]+)['\"]\s*\)\s*", str(e.get("model", "")))
        if ref:
            return ref.group(1)
        self.losses.append(e.loss(f"semantic_model {e.get('name')}", "no node_relation or "
                                  "model: ref(...); table name taken from the model's name"))
        return str(e.get("name"))

    def column(self, e: Element, item: Any, what: str) -> str:
        expr = str(item.get("expr") or item["name"]).strip()
        if not _IDENT.match(expr):
            self.losses.append(e.loss(f"semantic_model {e.get('name')}",
                                      f"{what} `{item['name']}` is the expression `{expr}`, "
                                      "not a column; its name is used", item))
            return str(item["name"])
        return expr

    def source(self, name: str, e: Element) -> SourceSpec:
        dims = [d for d in e.get("dimensions") or [] if isinstance(d, dict)]
        agg_time = (e.get("defaults") or {}).get("agg_time_dimension")
        times = [d for d in dims if d.get("type") == "time"]
        valid_from = next((d for d in times if (d.get("type_params") or {}).get(
            "validity_params", {}).get("is_start")), None)
        valid_to = next((d for d in times if (d.get("type_params") or {}).get(
            "validity_params", {}).get("is_end")), None)
        time = next((d for d in times if d.get("name") == agg_time), None)
        key, entities = None, []
        for x in e.get("entities") or []:
            column = self.column(e, x, "entity")
            if x.get("type") in ("primary", "natural"):
                key = column
            if not _meta(x).get("key_only"):
                entities.append((str(x["name"]), column))
        special = [d for d in (time, valid_from, valid_to) if d is not None]
        dimensions = []
        for d in dims:
            if any(d is s for s in special) or _meta(d).get("implicit"):
                continue
            expr = one_line(str(d.get("expr") or "")) or None
            dimensions.append((str(d["name"]), None if expr == d["name"] else expr))
        valid = None
        if valid_from is not None and valid_to is not None:
            valid = (self.column(e, valid_from, "dimension"), self.column(e, valid_to,
                                                                          "dimension"))
        return SourceSpec(name, e.get("label"), self.table(e),
                          self.column(e, time, "time dimension") if time else None, key,
                          valid, tuple(entities), tuple(dimensions))

    # ------------------------------------------------------------ filters
    def where(self, texts: list[str], model: Element, e: Element, what: str) -> str | None:
        """The ``.osm`` condition for Jinja filters on one semantic model's rows."""
        own = self.primary(model)

        def call(match: re.Match[str]) -> str:
            kind, args = match.group(1), _ARG.findall(match.group(2))
            name = args[0][0] if args else ""
            path = [p.strip(" '\"") for p in args[1][1].split(",")] if len(args) > 1 and \
                args[1][1] else []
            parts = [*path, *name.split("__")]
            if kind == "Entity":
                entity = next((x for x in model.get("entities") or []
                               if x.get("name") == parts[-1]), None)
                if entity is None:
                    raise Skip(f"{what}: filter on entity `{name}` of another model")
                return self.column(model, entity, "entity")
            if kind == "TimeDimension" and len(args) > 1 and args[1][0] not in ("", "day"):
                raise Skip(f"{what}: filter on {name} at grain {args[1][0]}")
            if len(parts) == 2 and parts[0] == own:
                return str(parts[1])
            return ".".join(parts)

        out = []
        for text in texts:
            try:
                out.append(_CALL.sub(call, text).strip())
            except Skip as exc:
                self.losses.append(e.loss(f"metric {e.get('name')}", str(exc)))
                raise
            if "{{" in out[-1] or "{%" in out[-1]:
                self.losses.append(e.loss(f"metric {e.get('name')}",
                                          f"{what}: Jinja beyond Dimension/Entity: {text}"))
                raise Skip(text)
        if not out:
            return None
        return out[0] if len(out) == 1 else " and ".join(f"({t})" for t in out)

    # ------------------------------------------------------------ formulas
    def aggregate(self, measure: str, filters: list[str], e: Element, used: list[str]) -> str:
        if measure not in self.measures:
            self.losses.append(e.loss(f"metric {e.get('name')}", f"unknown measure `{measure}`"))
            raise Skip(measure)
        model, x = self.measures[measure]
        source = self.name_of(model)
        used.append(source)
        if x.get("agg_time_dimension") and x["agg_time_dimension"] != (
                model.get("defaults") or {}).get("agg_time_dimension"):
            self.losses.append(model.loss(f"measure {measure}", "a time dimension of its own "
                                          "(agg_time_dimension); the model's is used", x))
        expr = one_line(str(x.get("expr") if x.get("expr") is not None else x["name"]))
        if _meta(x).get("cast_double"):  # osm export's CAST(... AS DOUBLE): osm casts itself
            expr = uncast(expr)
        agg = str(x.get("agg")).lower()
        conds = list(filters)
        if agg == "count" and expr not in ("1", "*"):
            conds.append(f"({expr}) is not null")
        if agg == "sum_boolean":
            conds.append(f"({expr})")
        cond = self.where(conds, model, e, "filter")
        tail = f" where {cond}" if cond else ""
        if agg in ("count", "sum_boolean"):
            return f"count({source}{tail})"
        if agg not in _AGG:
            self.losses.append(model.loss(f"measure {measure}", f"aggregation `{agg}`", x))
            raise Skip(agg)
        if agg == "percentile":
            p = (x.get("agg_params") or {}).get("percentile")
            if (x.get("agg_params") or {}).get("use_discrete_percentile"):
                self.losses.append(model.loss(f"measure {measure}", "discrete percentile; "
                                              "computed as a continuous one", x))
            return f"percentile({source}, {expr}, {p}{tail})"
        return f"{_AGG[agg]}({source}, {expr}{tail})"

    def operand(self, value: Any, e: Element, used: list[str]) -> str:
        inp = _input(value)
        name = str(inp.get("name"))
        target = self.metrics.get(name)
        if inp.get("offset_window") or inp.get("offset_to_grain"):
            self.losses.append(e.loss(f"metric {e.get('name')}", f"offset on input `{name}`"))
            raise Skip(name)
        if target is not None and (_meta(target.data).get("part_of") or inp.get("filter")):
            return f"({self.formula(target, _filters(inp.get('filter')), used)})"
        if target is not None:  # the referenced measure's sources count too
            self.formula(target, [], used)
        return name

    def formula(self, e: Element, extra: list[str], used: list[str]) -> str:
        kind = str(e.get("type", "")).lower()
        params = e.get("type_params") or {}
        filters = [*_filters(e.get("filter")), *extra]
        if kind in ("simple", "cumulative"):
            inp = _input(params.get("measure"))
            if "name" not in inp:
                self.losses.append(e.loss(f"metric {e.get('name')}", "a simple metric without "
                                          "a measure"))
                raise Skip(kind)
            text = self.aggregate(str(inp["name"]), [*filters, *_filters(inp.get("filter"))],
                                  e, used)
            if inp.get("fill_nulls_with") not in (None, 0) or (
                    inp.get("fill_nulls_with") == 0 and not text.startswith("count")):
                self.losses.append(e.loss(f"metric {e.get('name')}", "fill_nulls_with: .osm "
                                          "counts are 0 without rows, other aggregates NULL"))
            return text
        if filters:
            self.losses.append(e.loss(f"metric {e.get('name')}", f"a filter on a {kind} metric"))
            raise Skip(kind)
        if kind == "ratio":
            num = self.operand(params.get("numerator"), e, used)
            den = self.operand(params.get("denominator"), e, used)
            return f"{num} / {den}"
        if kind == "derived":
            expr = str(params.get("expr", ""))
            for inp in map(_input, params.get("metrics") or []):
                alias = inp.get("alias") or inp.get("name")
                text = self.operand(inp, e, used)
                expr = re.sub(rf"\b{re.escape(str(alias))}\b", text.replace("\\", r"\\"), expr)
            return expr
        if kind == "conversion":
            return self.conversion(e, params.get("conversion_type_params") or {}, used)
        self.losses.append(e.loss(f"metric {e.get('name')}", f"metric type `{kind}`"))
        raise Skip(kind)

    def conversion(self, e: Element, c: dict[str, Any], used: list[str]) -> str:
        if c.get("calculation", "conversion_rate") != "conversion_rate" or \
                c.get("constant_properties"):
            self.losses.append(e.loss(f"metric {e.get('name')}", "only conversion rates "
                                      "without constant properties are expressible"))
            raise Skip("conversion")
        sides = []
        for role in ("base_measure", "conversion_measure"):
            inp = _input(c.get(role))
            model, _ = self.measures.get(str(inp.get("name")), (None, None))
            if model is None:
                self.losses.append(e.loss(f"metric {e.get('name')}", f"unknown {role}"))
                raise Skip(role)
            used.append(self.name_of(model))
            cond = self.where(_filters(inp.get("filter")), model, e, role)
            sides.append(self.name_of(model) + (f" where {cond}" if cond else ""))
        window = str(c.get("window") or "").strip()
        if not window:
            self.losses.append(e.loss(f"metric {e.get('name')}", "a conversion without window"))
            raise Skip("window")
        return f"conversion({sides[0]} -> {sides[1]}, within {window}, by {c.get('entity')})"

    # ------------------------------------------------------------ measures
    def queries_of(self) -> dict[str, Element]:
        out: dict[str, Element] = {}
        for q in self.queries:
            metrics = (q.get("query_params") or {}).get("metrics") or []
            if len(metrics) == 1:
                out.setdefault(str(metrics[0]), q)
            else:
                self.losses.append(q.loss(f"saved_query {q.get('name')}", "a saved query of "
                                          "several metrics has no .osm counterpart"))
        return out

    def measure(self, e: Element, query: Element | None) -> MeasureSpec:
        used: list[str] = []
        formula = self.formula(e, [], used)
        meta = _meta(e.data)
        grain = e.get("time_granularity")
        dims: list[str] = []
        own = {self.primary(self.models[s]) for s in used[:1] if s in self.models}
        for group in ((query.get("query_params") or {}).get("group_by") or []) if query else []:
            text = "{{ " + str(group) + " }}"
            match = _CALL.fullmatch(text)
            if match and match.group(1) == "TimeDimension":
                args = _ARG.findall(match.group(2))
                grain = grain or (args[1][0] if len(args) > 1 else None)
            elif match:
                args = _ARG.findall(match.group(2))
                path = [p.strip(" '\"") for p in args[1][1].split(",")] if len(args) > 1 \
                    and args[1][1] else []
                parts = [*path, *args[0][0].split("__")]
                dims.append(parts[1] if len(parts) == 2 and parts[0] in own else ".".join(parts))
        if grain is not None and grain not in _GRAINS:
            self.losses.append(e.loss(f"metric {e.get('name')}", f"grain `{grain}`; day used"))
            grain = None
        params = e.get("type_params") or {}
        cumulative = params.get("cumulative_type_params") or {}
        window = cumulative.get("window") or params.get("window") or meta.get("window")
        if cumulative.get("grain_to_date") or params.get("grain_to_date"):
            self.losses.append(e.loss(f"metric {e.get('name')}", "grain_to_date (a running "
                                      "total that restarts each period)"))
            raise Skip("grain_to_date")
        running = (str(e.get("type")).lower() == "cumulative" and not window) or bool(
            meta.get("cumulative"))
        owned = {k: v for k, v in meta.items() if k not in ("project", "window", "cumulative")}
        return MeasureSpec(str(e.get("name")), e.get("label"), formula,
                           grain if grain and grain != "day" else None,
                           str(window) if window else None, running, tuple(dims),
                           e.get("description"), owned)

    def name_of(self, model: Element) -> str:
        name = str(model.get("name"))
        return self.renamed.get(name, name)

    def rename_clashes(self) -> None:
        """Names are global in .osm: a semantic model named like a metric gets ``_model``."""
        for name in sorted(set(self.models) & set(self.metrics)):
            new = f"{name}_model"
            while new in self.models or new in self.metrics:
                new += "_"
            e = self.models.pop(name)
            self.models[new] = e
            self.renamed[name] = new
            self.losses.append(e.loss(f"semantic_model {name}", f"renamed `{new}`: metric "
                                      f"`{name}` has its name, and .osm names are global"))

    def run(self, origin: str) -> Converted:
        self.rename_clashes()
        sources = [self.source(n, e) for n, e in self.models.items()]
        queries = self.queries_of()
        measures: list[MeasureSpec] = []
        project: dict[str, Any] = {}
        for name, e in sorted(self.metrics.items()):
            meta = _meta(e.data)
            project = project or meta.get("project", {})
            if meta.get("part_of"):
                continue
            try:
                measures.append(self.measure(e, queries.get(name)))
            except Skip:
                continue
        files = project_files(sources, measures, project, origin)
        return Converted(tuple(sorted(files.items())), tuple(self.losses))


def import_paths(paths: tuple[Path, ...]) -> Converted:
    """``.osm`` files and ``metriclang.toml`` for MetricFlow YAML files or directories."""
    return _Import(documents(paths)).run("MetricFlow")
