"""Write the metric set three times: an .osm project, a MetricFlow manifest, a Sidemantic model.

``write_all(size, root)`` creates ``root/osm``, ``root/metricflow`` and ``root/sidemantic``.
YAML is written as JSON documents (JSON is YAML), so no YAML library is needed here.
"""

from __future__ import annotations

import json
from pathlib import Path

from metricset import Metric, metric_set, paid_filter

# --------------------------------------------------------------------------------------- .osm

_OSM_SOURCES = """\
source orders "Orders" {
  table bench.orders
  time ordered_at
  key order_id
  entity customer = customer_id
  dimension status
  dimension channel
}

source sessions "Sessions" {
  table bench.sessions
  time started_at
  key session_id
  entity customer = customer_id
  dimension reached_checkout
}
"""


def _osm_formula(m: Metric) -> str:
    cond = f"status = 'paid' and amount >= {m.threshold}"
    revenue = f"sum(orders.amount where {cond})"
    match m.kind:
        case "count":
            return f"count(orders where {cond})"
        case "sum" | "window7" | "cumulative":
            return revenue
        case "ratio":
            return f"{revenue} / count(orders where {cond})"
        case "derived":
            return f"{m.sibling('sum')} - 5 * {m.sibling('count')}"
        case "conversion":
            return ("conversion(sessions where reached_checkout -> orders, "
                    f"within {m.window_days} days, by customer)")
    raise ValueError(m.kind)


def osm_measure(m: Metric) -> str:
    """One ``measure`` declaration."""
    lines = [f"measure {m.name} {{", f"  formula {_osm_formula(m)}", "  grain day",
             '  owner "bench@example.com"']
    if m.kind == "window7":
        lines.append("  window 7 days")
    if m.kind == "cumulative":
        lines.append("  cumulative")
        lines.append('  allow V401 "benchmark of running totals"')
    return "\n".join([*lines, "}", ""])


def write_osm(metrics: tuple[Metric, ...], out: Path, per_file: int = 500) -> None:
    """The .osm project: sources in one file, measures in files of ``per_file``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "sources.osm").write_text(_OSM_SOURCES, encoding="utf-8")
    for start in range(0, len(metrics), per_file):
        chunk = metrics[start:start + per_file]
        text = "\n".join(osm_measure(m) for m in chunk)
        (out / f"measures_{start // per_file:03d}.osm").write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------------- MetricFlow

def _mf_semantic_models() -> list[dict[str, object]]:
    def time_dim(name: str) -> dict[str, object]:
        return {"name": name, "type": "time", "type_params": {"time_granularity": "day"}}

    orders = {
        "name": "orders",
        "node_relation": {"schema_name": "bench", "alias": "orders"},
        "defaults": {"agg_time_dimension": "ordered_at"},
        "entities": [{"name": "order", "type": "primary", "expr": "order_id"},
                     {"name": "customer", "type": "foreign", "expr": "customer_id"}],
        "measures": [{"name": "order_count", "agg": "count", "expr": "order_id"},
                     {"name": "order_amount", "agg": "sum", "expr": "amount"},
                     {"name": "buyers", "agg": "count_distinct", "expr": "customer_id"}],
        "dimensions": [time_dim("ordered_at"),
                       {"name": "status", "type": "categorical"},
                       {"name": "channel", "type": "categorical"},
                       {"name": "amount", "type": "categorical"}],
    }
    sessions = {
        "name": "sessions",
        "node_relation": {"schema_name": "bench", "alias": "sessions"},
        "defaults": {"agg_time_dimension": "started_at"},
        "entities": [{"name": "session", "type": "primary", "expr": "session_id"},
                     {"name": "customer", "type": "foreign", "expr": "customer_id"}],
        "measures": [{"name": "session_count", "agg": "count", "expr": "session_id"},
                     {"name": "visitors", "agg": "count_distinct", "expr": "customer_id"}],
        "dimensions": [time_dim("started_at"),
                       {"name": "reached_checkout", "type": "categorical"}],
    }
    return [orders, sessions]


def _mf_filter(m: Metric) -> str:
    return ("{{ Dimension('order__status') }} = 'paid' AND "
            f"{{{{ Dimension('order__amount') }}}} >= {m.threshold}")


def mf_metric(m: Metric) -> dict[str, object]:
    """One MetricFlow metric definition (the idiomatic form for each kind)."""
    base: dict[str, object] = {"name": m.name, "description": m.kind}
    match m.kind:
        case "count":
            return base | {"type": "simple", "type_params": {"measure": "order_count"},
                           "filter": _mf_filter(m)}
        case "sum":
            return base | {"type": "simple", "type_params": {"measure": "order_amount"},
                           "filter": _mf_filter(m)}
        case "ratio":
            return base | {"type": "ratio", "type_params": {
                "numerator": {"name": m.sibling("sum")},
                "denominator": {"name": m.sibling("count")}}}
        case "derived":
            return base | {"type": "derived", "type_params": {
                "expr": f"{m.sibling('sum')} - 5 * {m.sibling('count')}",
                "metrics": [{"name": m.sibling("sum")}, {"name": m.sibling("count")}]}}
        case "window7" | "cumulative":
            # A filter on the input measure is silently dropped by MetricFlow 0.213 for
            # cumulative metrics (no WHERE in the SQL), so it sits on the metric.
            params: dict[str, object] = {"measure": {"name": "order_amount"}}
            if m.kind == "window7":
                params["cumulative_type_params"] = {"window": "7 days"}
            return base | {"type": "cumulative", "type_params": params, "filter": _mf_filter(m)}
        case "conversion":
            return base | {"type": "conversion", "type_params": {"conversion_type_params": {
                "base_measure": {"name": "visitors",
                                 "filter": "{{ Dimension('session__reached_checkout') }}"},
                "conversion_measure": {"name": "buyers"},
                "entity": "customer",
                "window": f"{m.window_days} days",
                "calculation": "conversion_rate"}}}
    raise ValueError(m.kind)


def _yaml_docs(key: str, items: list[dict[str, object]]) -> str:
    return "".join(f"---\n{json.dumps({key: item}, indent=1)}\n" for item in items)


def write_metricflow(metrics: tuple[Metric, ...], out: Path) -> None:
    """MetricFlow YAML: project configuration (time spine), semantic models, metrics."""
    out.mkdir(parents=True, exist_ok=True)
    config = {"time_spines": [{"node_relation": {"schema_name": "bench",
                                                 "alias": "mf_time_spine"},
                               "primary_column": {"name": "ds", "time_granularity": "day"}}]}
    (out / "project_configuration.yaml").write_text(
        _yaml_docs("project_configuration", [config]), encoding="utf-8")
    (out / "semantic_models.yaml").write_text(
        _yaml_docs("semantic_model", _mf_semantic_models()), encoding="utf-8")
    (out / "metrics.yaml").write_text(
        _yaml_docs("metric", [mf_metric(m) for m in metrics]), encoding="utf-8")


# --------------------------------------------------------------------------------- Sidemantic

#: Sidemantic's two-step conversion reads both events from one model with an event type.
_SM_EVENTS_SQL = (
    "SELECT customer_id, started_at AS event_time, 'checkout' AS event_type FROM bench.sessions "
    "WHERE reached_checkout UNION ALL "
    "SELECT customer_id, ordered_at AS event_time, 'order' AS event_type FROM bench.orders")


def sm_metric(m: Metric) -> dict[str, object]:
    """One Sidemantic metric (inside its model)."""
    filters = [f.strip() for f in paid_filter(m).split(" AND ")]
    match m.kind:
        case "count":
            return {"name": m.name, "agg": "count", "filters": filters}
        case "sum":
            return {"name": m.name, "agg": "sum", "sql": "amount", "filters": filters}
        case "ratio":
            return {"name": m.name, "type": "ratio", "numerator": m.sibling("sum"),
                    "denominator": m.sibling("count")}
        case "derived":
            return {"name": m.name, "type": "derived",
                    "sql": f"{m.sibling('sum')} - 5 * {m.sibling('count')}"}
        case "window7":
            return {"name": m.name, "type": "cumulative", "sql": m.sibling("sum"),
                    "window": "6 days"}
        case "cumulative":
            return {"name": m.name, "type": "cumulative", "sql": m.sibling("sum")}
        case "conversion":
            return {"name": m.name, "type": "conversion", "entity": "customer_id",
                    "base_event": "checkout", "conversion_event": "order",
                    "conversion_window": f"{m.window_days} days"}
    raise ValueError(m.kind)


def sm_model_of(m: Metric) -> str:
    """The Sidemantic model holding ``m``."""
    return "events" if m.kind == "conversion" else "orders"


def write_sidemantic(metrics: tuple[Metric, ...], out: Path) -> None:
    """Sidemantic native YAML: an orders model and an events model (for conversion)."""
    out.mkdir(parents=True, exist_ok=True)
    orders = {"name": "orders", "table": "bench.orders", "primary_key": "order_id",
              "dimensions": [{"name": "ordered_at", "type": "time", "sql": "ordered_at",
                              "granularity": "day"},
                             {"name": "status", "type": "categorical"},
                             {"name": "channel", "type": "categorical"}],
              "metrics": [sm_metric(m) for m in metrics if sm_model_of(m) == "orders"]}
    events = {"name": "events", "sql": _SM_EVENTS_SQL, "primary_key": "customer_id",
              "dimensions": [{"name": "event_time", "type": "time", "sql": "event_time",
                              "granularity": "day"},
                             {"name": "event_type", "type": "categorical"}],
              "metrics": [sm_metric(m) for m in metrics if sm_model_of(m) == "events"]}
    models = [orders] + ([events] if events["metrics"] else [])
    (out / "model.yml").write_text(json.dumps({"models": models}, indent=1) + "\n",
                                   encoding="utf-8")


def write_all(size: int, root: Path) -> tuple[Metric, ...]:
    """All three renderings of the first ``size`` metrics under ``root``."""
    metrics = metric_set(size)
    write_osm(metrics, root / "osm")
    write_metricflow(metrics, root / "metricflow")
    write_sidemantic(metrics, root / "sidemantic")
    return metrics
