"""MetricFlow 0.213's SQL for metrics of a project; runs in the interop venv only.

Usage: ``python mf_sql.py`` with JSON on stdin: ``{"dir": DIR, "schema": SCHEMA,
"requests": [{"metric": NAME, "group_by": [...]}]}``. DIR holds MetricFlow YAML, in
MetricFlow's layout or dbt's (``semantic_models:`` lists, ``model: ref('x')``, read as the
table ``SCHEMA.x``); a project without ``project_configuration`` gets the time spine
``SCHEMA.metricflow_time_spine(date_day)``. Prints ``{"sql": {NAME: SQL}, "errors": [...]}``:
the SQL is run by the test itself, like ``bench/compare/side_metricflow.py`` does.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

import yaml
from metricflow.engine.metricflow_engine import MetricFlowEngine, MetricFlowQueryRequest
from metricflow.protocols.sql_client import SqlEngine
from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer
from metricflow_semantic_interfaces.parsing.dir_to_model import (
    parse_directory_of_yaml_files_to_semantic_manifest,
)
from metricflow_semantic_interfaces.validations.semantic_manifest_validator import (
    SemanticManifestValidator,
)
from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

PLURAL = {"semantic_models": "semantic_model", "metrics": "metric",
          "saved_queries": "saved_query"}


class RenderOnlyDuckDbClient:
    """The part of MetricFlow's ``SqlClient`` that ``explain`` uses."""

    sql_engine_type = SqlEngine.DUCKDB
    sql_plan_renderer = DuckDbSqlPlanRenderer()

    def query(self, stmt: str, sql_bind_parameter_set: object = None) -> None:
        raise NotImplementedError("the test runs the SQL itself")

    execute = dry_run = query

    def close(self) -> None:
        """Nothing to close."""

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"


def metricflow_layout(source: Path, schema: str, into: Path) -> None:
    """Rewrite dbt-layout YAML into MetricFlow's (one element per document)."""
    docs: list[dict[str, object]] = []
    for file in sorted([*source.rglob("*.yml"), *source.rglob("*.yaml")]):
        for doc in yaml.safe_load_all(file.read_text(encoding="utf-8")):
            if not isinstance(doc, dict):
                continue
            for plural, single in PLURAL.items():
                docs += [{single: item} for item in doc.get(plural) or []]
            docs += [{k: v} for k, v in doc.items() if k in (*PLURAL.values(),
                                                             "project_configuration")]
    for doc in docs:
        params = (doc.get("metric") or {}).get("type_params") or {}  # type: ignore[attr-defined]
        for key in ("measure", "numerator", "denominator"):  # dbt accepts bare names here
            if isinstance(params.get(key), str):
                params[key] = {"name": params[key]}
        model = doc.get("semantic_model")
        if isinstance(model, dict) and "model" in model:
            name = re.fullmatch(r"\s*ref\(\s*['\"]([^'\"]+)['\"]\s*\)\s*", model.pop("model"))
            model["node_relation"] = {"schema_name": schema, "alias": name.group(1)}
    if not any("project_configuration" in d for d in docs):
        docs.append({"project_configuration": {"time_spines": [{
            "node_relation": {"schema_name": schema, "alias": "metricflow_time_spine"},
            "primary_column": {"name": "date_day", "time_granularity": "day"}}]}})
    (into / "manifest.yml").write_text(yaml.safe_dump_all(docs), encoding="utf-8")


def main() -> None:
    job = json.load(sys.stdin)
    with tempfile.TemporaryDirectory() as tmp:
        metricflow_layout(Path(job["dir"]), job["schema"], Path(tmp))
        build = parse_directory_of_yaml_files_to_semantic_manifest(tmp)
    issues = SemanticManifestValidator().validate_semantic_manifest(build.semantic_manifest)
    engine = MetricFlowEngine(SemanticManifestLookup(build.semantic_manifest),
                              RenderOnlyDuckDbClient())  # type: ignore[arg-type]
    out: dict[str, str] = {}
    errors = [str(i) for i in issues.errors]
    for request in job["requests"]:
        try:
            query = MetricFlowQueryRequest.create(metric_names=[request["metric"]],
                                                  group_by_names=request["group_by"])
            out[request["metric"]] = engine.explain(query).sql_statement.sql
        except Exception as exc:  # reported to the test, which fails on it
            errors.append(f"{request['metric']}: {type(exc).__name__}: {exc}")
    print(json.dumps({"sql": out, "errors": errors}))


if __name__ == "__main__":
    main()
