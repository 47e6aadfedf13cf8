"""``osm mcp`` through the SDK's own stdio client: every tool on the shop example (DuckDB),
values equal to what ``osm query``, ``osm sql``, ``osm show``, ``osm check`` and ``osm verify``
print; bad arguments come back as tool errors and the server goes on."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from metriclang.cli import main
from tests.conftest import EXAMPLES, ROOT, import_or_skip

import_or_skip("mcp")

import anyio  # noqa: E402
from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402

TOOLS = ["list_measures", "describe_measure", "get_drivers", "get_sql", "query",
         "check_project", "verify_links"]
Call = Callable[[Client], Awaitable[Any]]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mcp") / "shop"
    shutil.copytree(EXAMPLES / "shop", path, ignore=shutil.ignore_patterns("*.duckdb*"))
    return path


def session(root: Path, calls: dict[str, Call], *args: str) -> dict[str, Any]:
    """Start ``osm mcp root`` as a subprocess, make every call in one session, stop it."""
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "metriclang.cli", "mcp", str(root), *args],
        env={"PYTHONPATH": str(ROOT)}, cwd=str(root.parent))
    out: dict[str, Any] = {}

    async def run() -> None:
        async with Client(params, read_timeout_seconds=120) as client:
            for key, call in calls.items():
                out[key] = await call(client)

    anyio.run(run)
    return out


def tool(name: str, **arguments: Any) -> Call:
    return lambda client: client.call_tool(name, arguments)


@pytest.fixture(scope="module")
def answers(shop: Path) -> dict[str, Any]:
    """One session: the tools listed, then each called; the warehouse is created on the way."""
    calls: dict[str, Call] = {
        "tools": lambda client: client.list_tools(),
        "list": tool("list_measures"),
        "list_zh": tool("list_measures", text="复购"),
        "describe": tool("describe_measure", measure="average_order_value"),
        "drivers_before": tool("get_drivers", measure="monthly_revenue", depth=1),
        "sql": tool("get_sql", measure="monthly_revenue", dialect="postgres"),
        "query_sql": tool("get_sql", query='{"measures": ["monthly_revenue"], "grain": "year"}'),
        "query": tool("query", measures=["monthly_revenue", "average_order_value"],
                      by=["customer.segment"], grain="quarter", **{"from": "2025-01-01"},
                      to="2025-12-31", limit=500),
        "query_json_strings": tool("query", measures='["monthly_revenue"]', grain="year",
                                   limit="1"),
        "check": tool("check_project"),
        "verify": tool("verify_links"),
        "drivers_after": tool("get_drivers", measure="monthly_revenue", depth="2"),
        "resource": lambda client: client.read_resource("osm://measure/monthly_revenue"),
        # bad arguments: each a tool error, and the session goes on
        "unknown_measure": tool("describe_measure", measure="montly_revenue"),
        "bad_depth": tool("get_drivers", measure="monthly_revenue", depth=0),
        "bad_type": tool("query", measures=[1, 2]),
        "bad_limit": tool("query", measures=["monthly_revenue"], limit=5000),
        "bad_date": tool("query", measures=["monthly_revenue"], **{"from": "last spring"}),
        "unsafe_where": tool("query", measures=["monthly_revenue"],
                             where="pg_sleep(1) = 0"),
        "both_sql": tool("get_sql", measure="monthly_revenue", query={"measures": ["x"]}),
        "bad_dialect": tool("get_sql", measure="monthly_revenue", dialect="cobol"),
        "last": tool("list_measures", text="no such words anywhere"),
    }
    return session(shop, calls)


def data(result: Any) -> Any:
    assert not result.is_error, result.content[0].text
    assert json.loads(result.content[0].text) == result.structured_content
    return result.structured_content


def cli(*args: str) -> str:
    got = CliRunner().invoke(main, list(args))
    assert got.exit_code in (0, 1), got.output
    return got.stdout


def test_lists_every_tool_with_a_description(answers: dict[str, Any]) -> None:
    tools = answers["tools"].tools
    assert [t.name for t in tools] == TOOLS
    assert all(t.description and len(t.description) > 40 for t in tools)
    schema = {t.name: t.input_schema for t in tools}["query"]
    assert {"measures", "by", "grain", "where", "from", "to", "compare", "limit"} <= set(
        schema["properties"])


def test_list_measures_matches_osm_ls_and_filters_in_chinese(shop: Path,
                                                            answers: dict[str, Any]) -> None:
    listed = data(answers["list"])["measures"]
    ls = json.loads(cli("ls", str(shop), "--format", "json"))["measures"]
    assert [m["name"] for m in listed] == [m["name"] for m in ls]
    assert [m["reachable"] for m in listed] == [m["reachable"] for m in ls]
    zh = data(answers["list_zh"])["measures"]
    assert [m["name"] for m in zh] == ["repeat_purchase_rate"]
    assert zh[0]["drives"] == [{"measure": "monthly_revenue", "effect": "positive",
                                "lag": "1 month"}]
    assert data(answers["last"]) == {"measures": []}


def test_describe_measure_is_osm_show(shop: Path, answers: dict[str, Any]) -> None:
    shown = json.loads(cli("show", str(shop), "average_order_value", "--format", "json"))
    assert data(answers["describe"]) == shown


def test_drivers_tree_with_verdicts_once_verified(shop: Path, answers: dict[str, Any]) -> None:
    verified = data(answers["verify"])["links"]
    expected = json.loads(cli("verify", str(shop), "--format", "json"))["links"]
    assert verified == expected
    links = {(k["from"], k["to"]): k for k in expected}

    def into(target: str) -> dict[str, tuple[str, str]]:
        return {src: (k["effect"], k["lag"]) for (src, dst), k in links.items() if dst == target}

    before = data(answers["drivers_before"])["drivers"]
    assert {d["measure"]: (d["effect"], d["lag"]) for d in before} == into("monthly_revenue")
    assert "repeat_purchase_rate" in into("monthly_revenue")
    assert all(d["verdict"] is None and d["drivers"] == [] for d in before)
    after = data(answers["drivers_after"])["drivers"]
    assert len(after) == len(before)
    for first in after:
        assert first["verdict"] == links[first["measure"], "monthly_revenue"]["verdict"]
        second = {d["measure"]: (d["effect"], d["lag"]) for d in first["drivers"]}
        assert second == into(first["measure"])
        assert all(d["verdict"] == links[d["measure"], first["measure"]]["verdict"]
                   and d["drivers"] == [] for d in first["drivers"])
    assert any(first["drivers"] for first in after)


def test_get_sql_is_osm_sql(shop: Path, answers: dict[str, Any]) -> None:
    assert data(answers["sql"])["sql"] == cli("sql", str(shop), "monthly_revenue",
                                              "--dialect", "postgres")
    assert data(answers["query_sql"])["sql"] == cli("query", str(shop), "monthly_revenue",
                                                    "--grain", "year", "--sql")


def test_query_values_equal_osm_query(shop: Path, answers: dict[str, Any]) -> None:
    got = data(answers["query"])
    expected = json.loads(cli("query", str(shop), "monthly_revenue", "average_order_value",
                              "--by", "customer.segment", "--grain", "quarter",
                              "--from", "2025-01-01", "--to", "2025-12-31",
                              "--format", "json"))
    assert got["columns"] == expected["columns"]
    assert got["rows"] == expected["rows"] and len(got["rows"]) >= 8
    assert got["truncated"] is False


def test_rows_are_capped_and_json_strings_accepted(shop: Path, answers: dict[str, Any]) -> None:
    got = data(answers["query_json_strings"])
    expected = json.loads(cli("query", str(shop), "monthly_revenue", "--grain", "year",
                              "--format", "json"))["rows"]
    assert len(expected) > 1
    assert got["rows"] == expected[:1] and got["truncated"] is True


def test_check_project_is_osm_check(shop: Path, answers: dict[str, Any]) -> None:
    checked = json.loads(cli("check", str(shop), "--format", "json"))
    active = [d for d in checked["diagnostics"] if not d["suppressed"]]
    got = data(answers["check"])
    assert got["diagnostics"] == active
    assert got["summary"]["errors"] == checked["summary"]["errors"] == 0


def test_measure_resource(shop: Path, answers: dict[str, Any]) -> None:
    text = answers["resource"].contents[0].text
    assert text == cli("show", str(shop), "monthly_revenue")


@pytest.mark.parametrize(("key", "message"), [
    ("unknown_measure", "did you mean `monthly_revenue`"),
    ("bad_depth", "depth must be 1 or more"),
    ("bad_type", "measures"),
    ("bad_limit", "limit must be between 1 and 1000"),
    ("bad_date", "`from` is a date"),
    ("unsafe_where", "pg_sleep"),
    ("both_sql", "either `measure` or `query`"),
    ("bad_dialect", "cobol"),
])
def test_bad_arguments_are_tool_errors(answers: dict[str, Any], key: str,
                                       message: str) -> None:
    result = answers[key]
    assert result.is_error
    assert message in result.content[0].text


def test_max_rows_option(shop: Path) -> None:
    got = session(shop, {"q": tool("query", measures=["monthly_revenue"], limit=3)},
                  "--max-rows", "2")["q"]
    assert got.is_error and "limit must be between 1 and 2" in got.content[0].text


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    got = CliRunner().invoke(main, ["mcp", str(tmp_path / "nothing")])
    assert got.exit_code == 2 and "path does not exist" in got.stderr


def test_http_transport_on_loopback(shop: Path) -> None:
    """``--transport http`` serves /mcp on 127.0.0.1 and says so; a client lists the tools."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "metriclang.cli", "mcp", str(shop), "--transport", "http",
         "--port", str(port)], env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=subprocess.PIPE, text=True)
    try:
        assert server.stderr is not None
        line = server.stderr.readline()
        assert line == f"osm mcp: serving http://127.0.0.1:{port}/mcp to this machine only\n"

        async def names() -> list[str]:
            for _ in range(100):  # until uvicorn listens
                try:
                    async with Client(f"http://127.0.0.1:{port}/mcp") as client:
                        return [t.name for t in (await client.list_tools()).tools]
                except Exception:  # not listening yet
                    await anyio.sleep(0.1)
            raise AssertionError("the server never answered")

        assert anyio.run(names) == TOOLS
    finally:
        server.terminate()
        server.wait(timeout=30)
