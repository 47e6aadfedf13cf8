"""The tools of ``osm mcp`` as methods of :class:`Tools`: each takes an agent's arguments
(lists and objects may arrive as JSON text), calls :mod:`metriclang.api` and returns JSON-ready
data. A bad argument raises :class:`~metriclang.errors.UsageError`, a problem in the specs
:class:`~metriclang.api.ProjectError`; the server turns both into tool errors.

The project is loaded afresh by every call, so an agent sees the files as they are now.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from metriclang import api
from metriclang.diagnostics import Severity
from metriclang.errors import UsageError
from metriclang.semantic.model import Project

#: The tools, in the order they are listed to a client.
NAMES = ("list_measures", "describe_measure", "get_drivers", "get_sql", "query",
         "check_project", "verify_links")
#: Rows a ``query`` returns unless it asks for another ``limit``.
DEFAULT_ROWS = 100
_QUERY_KEYS = ("measures", "by", "grain", "where", "from", "to", "compare", "order", "limit")

From = Annotated[str | None, Field(alias="from", description="First period, YYYY-MM-DD.")]
To = Annotated[str | None, Field(alias="to", description="Last period, YYYY-MM-DD.")]
Names = Annotated[list[str] | str, Field(description="Names: a list (or one name).")]


@dataclass(frozen=True)
class Tools:
    """The tools over one project and its warehouse (read-only sessions, as ``osm run``)."""

    path: Path
    db: str | None = None
    timeout: float | None = None
    #: The most rows one ``query`` returns, whatever its ``limit``.
    max_rows: int = 1000
    #: Verdicts of the last ``verify_links`` by (driver, driven): shown by ``get_drivers``.
    verdicts: dict[tuple[str, str], str] = field(default_factory=dict, compare=False)

    def project(self) -> Project:
        return api.load(self.path)

    def list_measures(self, text: str | None = None) -> dict[str, Any]:
        """The project's measures with kind, stage, owner, grain, the dimensions they can be
        queried by (`reachable`) and the measures they drive. `text` keeps those whose name,
        label or description contains it (any language, case ignored)."""
        from metriclang.report.catalog import links

        needle = (text or "").casefold()
        infos = [i for i in api.measures(self.project())
                 if needle in " ".join((i.name, i.label or "", i.description or "")).casefold()]
        return {"measures": [
            {"name": i.name, "label": i.label, "kind": i.kind, "stage": i.stage,
             "owner": i.owner, "grain": i.grain, "reachable": list(i.reachable),
             "drives": links(i.drives)} for i in infos]}

    def describe_measure(self, measure: str) -> dict[str, Any]:
        """Everything about one measure: label, formula, kind, grain, dimensions, sources,
        owner, stage, description, the measures it uses and is used in, what it drives and
        what drives it, where it is declared."""
        from metriclang.report.catalog import details_dict

        return details_dict(api.describe(self.project(), measure))

    def get_drivers(self, measure: str, depth: int = 3) -> dict[str, Any]:
        """The causal tree upstream of a measure, `depth` links deep: each driver with the
        link's effect and lag, and the link's verdict if `verify_links` has tested it."""
        def tree(target: str, drivers: tuple[api.Driver, ...]) -> list[dict[str, Any]]:
            return [{"measure": d.measure, "effect": d.effect, "lag": d.lag or None,
                     "verdict": self.verdicts.get((d.measure, target)),
                     "drivers": tree(d.measure, d.drivers)} for d in drivers]

        return {"measure": measure,
                "drivers": tree(measure, api.drivers(self.project(), measure, _int(depth)))}

    def get_sql(self, measure: str | None = None, query: dict[str, Any] | str | None = None,
                dialect: str | None = None) -> dict[str, Any]:
        """The SQL of one `measure` as declared, or of a `query` (an object with the
        arguments of the `query` tool), in a `dialect` (default: the project's)."""
        if (measure is None) == (query is None):
            raise UsageError("give either `measure` or `query`")
        project = self.project()
        if measure is not None:
            return {"sql": api.sql(project, measure, dialect)}
        options = _json(query)
        if not isinstance(options, dict) or "measures" not in options:
            raise UsageError("`query` is an object with `measures` and the options of `query`")
        unknown = sorted(set(options) - set(_QUERY_KEYS))
        if unknown:
            raise UsageError(f"unknown key `{unknown[0]}` in `query`; known: "
                             + ", ".join(_QUERY_KEYS))
        return {"sql": api.query_sql(
            project, _names(options["measures"]), by=_names(options.get("by") or []),
            grain=options.get("grain"), where=options.get("where"),
            date_from=_day(options.get("from"), "from"), date_to=_day(options.get("to"), "to"),
            compare=options.get("compare"), order=options.get("order"),
            limit=None if options.get("limit") is None else _int(options["limit"]),
            dialect=dialect)}

    def query(self, measures: Names, by: Names | None = None, grain: str | None = None,
              where: str | None = None, date_from: From = None, date_to: To = None,
              compare: str | None = None, order: str | None = None,
              limit: int = DEFAULT_ROWS) -> dict[str, Any]:
        """Run an ad-hoc query on the warehouse (read-only), as `osm query`: measures by
        dimensions, at a grain (day, week, month, quarter, year), filtered by a SQL condition
        over dimensions (`where`), between dates, compared with the previous_period or
        previous_year. At most `limit` rows; `truncated` says when there were more."""
        from metriclang.report.results import plain

        cap = _int(limit)
        if not 1 <= cap <= self.max_rows:
            raise UsageError(f"limit must be between 1 and {self.max_rows}, not {cap}")
        got = api.query(self.project(), _names(measures), by=_names(by or []), grain=grain,
                        where=where, date_from=_day(date_from, "from"),
                        date_to=_day(date_to, "to"), compare=compare, order=order,
                        limit=cap + 1, db=self.db, timeout=self.timeout)
        rows = [dict(zip(got.columns, map(plain, row), strict=True)) for row in got.rows]
        return {"columns": list(got.columns), "rows": rows[:cap], "truncated": len(rows) > cap,
                "notes": list(got.notes)}

    def check_project(self) -> dict[str, Any]:
        """Everything `osm check` reports: each diagnostic with code, severity, message,
        file, line, column and help (suppressed ones left out), and the counts."""
        from metriclang.report.json import diagnostic_dict

        project, diagnostics = api.check(self.path)
        active = list(diagnostics.active())
        return {"diagnostics": [diagnostic_dict(d) for d in active],
                "summary": {"files": len(project.files),
                            "errors": sum(d.severity is Severity.ERROR for d in active),
                            "warnings": sum(d.severity is Severity.WARNING for d in active)}}

    def verify_links(self, date_from: From = None, date_to: To = None) -> dict[str, Any]:
        """Test every `drives` link against the warehouse's data (`osm verify`): each link's
        verdict (supported, contradicted, weak, insufficient-data), best lag, estimate and
        p-value. Evidence, not proof of causation."""
        from metriclang.verify import CAVEAT, verify_project
        from metriclang.verify.render import link_dict, signal_dict

        report = verify_project(self.project(), self.db, _day(date_from, "from"),
                                _day(date_to, "to"), timeout=self.timeout)
        self.verdicts.clear()
        self.verdicts.update({(k.source, k.target): k.verdict for k in report.links})
        return {"caveat": CAVEAT, "links": [link_dict(k) for k in report.links],
                "signals": [signal_dict(s) for s in report.signals]}

    def measure_text(self, name: str) -> str:
        """One measure as ``osm show`` prints it (the ``osm://measure/NAME`` resource)."""
        from metriclang.report.catalog import details

        return details(api.describe(self.project(), name))


def _json(value: Any) -> Any:
    """An argument an agent may have sent as JSON text."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _names(value: Any) -> list[str]:
    value = _json(value)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise UsageError(f"expected a list of names, got {json.dumps(value)}")


def _int(value: Any) -> int:
    value = _json(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise UsageError(f"expected a whole number, got {json.dumps(value)}")


def _day(value: Any, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise UsageError(f"`{name}` is a date, YYYY-MM-DD, not {value!r}") from None
