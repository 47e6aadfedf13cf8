"""The measures of a project as a list (``osm ls``) and one measure in full (``osm show``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from metriclang.report import printable

if TYPE_CHECKING:
    from metriclang.api import MeasureInfo

_LIST = ("name", "kind", "grain", "dimensions", "owner", "stage")


def _text(value: Any) -> str:
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) or "-"
    return printable(str(value), False) if value is not None else "-"


def listing(infos: Sequence[MeasureInfo]) -> str:
    """One aligned line per measure: name, kind, grain, reachable dimensions, owner, stage."""
    rows = [_LIST] + [(i.name, _text(i.kind), i.grain, _text(i.reachable), _text(i.owner),
                       _text(i.stage)) for i in infos]
    widths = [max(len(r[c]) for r in rows) for c in range(len(_LIST))]
    return "".join("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() + "\n"
                   for r in rows)


def listing_json(infos: Sequence[MeasureInfo]) -> str:
    """``{"measures": [{name, label, kind, grain, dimensions, reachable, owner, stage}]}``."""
    keys = ("name", "label", "kind", "grain", "dimensions", "reachable", "owner", "stage")
    items = [{k: _jsonable(getattr(i, k)) for k in keys} for i in infos]
    return json.dumps({"measures": items}, ensure_ascii=False, indent=2) + "\n"


def _links(links: tuple[tuple[str, str, str], ...]) -> str:
    return ", ".join(f"{m} ({effect}{', lag ' + lag if lag else ''})"
                     for m, effect, lag in links) or "-"


def details(info: MeasureInfo) -> str:
    """Every field of one measure, a line each (lineage included)."""
    rows = [("measure", info.name), ("label", _text(info.label)), ("declared", info.location),
            ("formula", printable(info.formula, False)), ("kind", _text(info.kind)),
            ("grain", info.grain), ("dimensions", _text(info.dimensions)),
            ("reachable", _text(info.reachable)), ("sources", _text(info.sources)),
            ("owner", _text(info.owner)), ("stage", _text(info.stage)),
            ("uses", _text(info.uses)), ("used in", _text(info.used_in)),
            ("drives", _links(info.drives)), ("driven by", _links(info.driven_by)),
            ("description", _text(info.description))]
    width = max(len(k) for k, _ in rows)
    return "".join(f"{k.ljust(width)}  {v}\n" for k, v in rows)


def details_json(info: MeasureInfo) -> str:
    """Every field of one measure as JSON (links as ``{measure, effect, lag}``)."""
    return json.dumps(details_dict(info), ensure_ascii=False, indent=2) + "\n"


def details_dict(info: MeasureInfo) -> dict[str, Any]:
    """Every field of one measure as plain data (``osm show --format json``)."""
    data = {k: _jsonable(v) for k, v in asdict(info).items()}
    for key in ("drives", "driven_by"):
        data[key] = links(getattr(info, key))
    return data


def links(pairs: tuple[tuple[str, str, str], ...]) -> list[dict[str, str | None]]:
    """``drives`` links as ``[{measure, effect, lag}]`` (lag ``None`` when none is declared)."""
    return [{"measure": m, "effect": e, "lag": lag or None} for m, e, lag in pairs]


def _jsonable(value: Any) -> Any:
    return [_jsonable(v) for v in value] if isinstance(value, tuple | list) else value
