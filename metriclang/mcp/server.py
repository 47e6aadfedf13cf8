"""The MCP server (the ``mcp`` SDK's ``MCPServer``): the tools of :mod:`.tools`, the resources
``osm://measure/NAME``, stdio or streamable HTTP."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError

from metriclang.api import ProjectError
from metriclang.errors import UsageError
from metriclang.mcp.tools import NAMES, Tools

INSTRUCTIONS = """\
A metriclang project: business measures declared as code, with the causal links between them
(`drives ... lag ... effect ...`). Start with list_measures (filter by text), then
describe_measure and get_drivers to walk the causal tree upstream of a measure; verify_links
tests the links against the data; query runs read-only queries (as `osm query`); get_sql shows
the SQL; check_project lists the problems `osm check` reports."""

#: Arguments whose names are Python keywords: the SDK passes them by their alias.
_KEYWORDS = {"from": "date_from", "to": "date_to"}
#: Host names that reach this machine only.
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _as_tool_error(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with a problem in the arguments or the specs raised as a tool error (and the
    ``from``/``to`` arguments given to its ``date_from``/``date_to``)."""
    from metriclang.warehouse.result import EngineError

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **{_KEYWORDS.get(k, k): v for k, v in kwargs.items()})
        except (UsageError, ProjectError, EngineError) as exc:
            raise ToolError(str(exc)) from None

    return call


def build(tools: Tools) -> MCPServer:
    """The server with every tool and the measure resources."""
    server: MCPServer = MCPServer("osm", instructions=INSTRUCTIONS, log_level="WARNING")
    for name in NAMES:
        server.add_tool(_as_tool_error(getattr(tools, name)), name=name, structured_output=True)

    @server.resource("osm://measure/{name}", mime_type="text/plain")
    def measure(name: str) -> str:
        """One measure in full, as `osm show` prints it."""
        try:
            return tools.measure_text(name)
        except (UsageError, ProjectError) as exc:
            raise ResourceNotFoundError(str(exc)) from None

    return server


def serve(tools: Tools, transport: str = "stdio", host: str = "127.0.0.1",
          port: int = 8000) -> None:
    """Run until the client goes (stdio) or the process is stopped (HTTP)."""
    server = build(tools)
    if transport == "stdio":
        server.run("stdio")
        return
    where = "this machine only" if host in LOOPBACK else "THE NETWORK (read-only, no auth)"
    print(f"osm mcp: serving http://{host}:{port}/mcp to {where}", file=sys.stderr)
    server.run("streamable-http", host=host, port=port)
