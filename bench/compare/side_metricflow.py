"""MetricFlow side of the benchmark; runs inside ``bench/.env/venv`` (never imports metriclang).

Usage: ``python side_metricflow.py [--dialect postgres] PROJECT_DIR OUT.json METRIC [METRIC ...]``:
each metric by day; ``python side_metricflow.py PROJECT_DIR OUT.json --query GROUP_BY,... METRIC
...``: one request of all the metrics grouped by those names (``joined_query.py``). The SQL is
rendered for DuckDB unless ``--dialect postgres`` (``kinds_pg.py``).
Writes timings (seconds) and the generated SQL of each metric (or the one request) to OUT.json.
"""

from __future__ import annotations

import json
import sys
import time
from importlib.metadata import version
from pathlib import Path

_t0 = time.perf_counter()
from metricflow.engine.metricflow_engine import (  # noqa: E402
    MetricFlowEngine,
    MetricFlowQueryRequest,
)
from metricflow.protocols.sql_client import SqlEngine  # noqa: E402
from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer  # noqa: E402
from metricflow.sql.render.postgres import PostgresSQLSqlPlanRenderer  # noqa: E402
from metricflow_semantic_interfaces.parsing.dir_to_model import (  # noqa: E402
    parse_directory_of_yaml_files_to_semantic_manifest,
)
from metricflow_semantic_interfaces.validations.semantic_manifest_validator import (  # noqa: E402
    SemanticManifestValidator,
)
from metricflow_semantics.model.semantic_manifest_lookup import (  # noqa: E402
    SemanticManifestLookup,
)

IMPORT_S = time.perf_counter() - _t0


class RenderOnlyClient:
    """The part of MetricFlow's ``SqlClient`` that ``explain`` uses: an engine's renderer.

    Queries are run by the harness itself (same connection for every tool).
    """

    def __init__(self, dialect: str) -> None:
        postgres = dialect == "postgres"
        self.sql_engine_type = SqlEngine.POSTGRES if postgres else SqlEngine.DUCKDB
        self.sql_plan_renderer = (PostgresSQLSqlPlanRenderer() if postgres
                                  else DuckDbSqlPlanRenderer())

    def query(self, stmt: str, sql_bind_parameter_set: object = None) -> None:
        raise NotImplementedError("the benchmark runs the SQL itself")

    execute = dry_run = query

    def close(self) -> None:
        """Nothing to close."""

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"


def _compile(engine: MetricFlowEngine, metrics: list[str],
             group_by: tuple[str, ...] = ("metric_time__day",)) -> str:
    request = MetricFlowQueryRequest.create(
        metric_names=metrics, group_by_names=list(group_by), order_by_names=list(group_by))
    return engine.explain(request).sql_statement.sql


def main(project: str, out: str, metrics: list[str], dialect: str = "duckdb") -> None:
    """Parse + validate, build the engine, then compile each metric (with ``--query``: the
    one request of all of them) twice (first, warm), rendered for ``dialect``."""
    requests: list[tuple[str, list[str], tuple[str, ...]]] = [
        (m, [m], ("metric_time__day",)) for m in metrics]
    if metrics[:1] == ["--query"]:
        requests = [(",".join(metrics[2:]), metrics[2:], tuple(metrics[1].split(",")))]
    result: dict[str, object] = {"tool": "metricflow", "version": version("metricflow"),
                                 "import_s": IMPORT_S}
    t, c = time.perf_counter(), time.process_time()
    build = parse_directory_of_yaml_files_to_semantic_manifest(project)
    issues = SemanticManifestValidator().validate_semantic_manifest(build.semantic_manifest)
    result["validate_s"] = time.perf_counter() - t
    result["validate_cpu_s"] = time.process_time() - c
    result["errors"] = [str(i) for i in issues.errors][:5]
    t = time.perf_counter()
    engine = MetricFlowEngine(SemanticManifestLookup(build.semantic_manifest),
                              RenderOnlyClient(dialect))  # type: ignore[arg-type]
    result["setup_s"] = time.perf_counter() - t
    compiled = []
    for name, names, group_by in requests:
        row: dict[str, object] = {"metric": name}
        try:
            t, c = time.perf_counter(), time.process_time()
            row["sql"] = _compile(engine, names, group_by)
            row["first_s"], row["first_cpu_s"] = time.perf_counter() - t, time.process_time() - c
            t, c = time.perf_counter(), time.process_time()
            _compile(engine, names, group_by)
            row["warm_s"], row["warm_cpu_s"] = time.perf_counter() - t, time.process_time() - c
        except Exception as exc:  # report, never hide: the harness prints it
            row["error"] = f"{type(exc).__name__}: {exc}"[:2000]
        compiled.append(row)
    result["compile"] = compiled
    Path(out).write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    args = sys.argv[1:]
    chosen = "duckdb"
    if args[:1] == ["--dialect"]:
        chosen, args = args[1], args[2:]
    main(args[0], args[1], args[2:], chosen)
