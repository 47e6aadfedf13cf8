"""``osm mcp``: the project's measures, causal tree, SQL and read-only queries as tools of a
Model Context Protocol server, for AI agents (docs/agents.md).

The tools (:mod:`.tools`) stand on :mod:`metriclang.api`; the server (:mod:`.server`) needs
the ``mcp`` package (``pip install 'metriclang[mcp]'``).
"""
