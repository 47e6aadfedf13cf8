"""Write an imported model as ``.osm`` files: plain declarations, then the formatter."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from metriclang.fmt import format_text
from metriclang.fmt.printer import quote


@dataclass(frozen=True)
class SourceSpec:
    """One source to write; ``dimensions`` are ``(name, SQL or None for the bare column)``."""

    name: str
    label: str | None
    table: str
    time: str | None
    key: str | None = None
    valid: tuple[str, str] | None = None
    entities: tuple[tuple[str, str], ...] = ()
    dimensions: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True)
class MeasureSpec:
    """One measure to write; ``facts`` are metriclang's own statements (see ``facts.py``)."""

    name: str
    label: str | None
    formula: str
    grain: str | None = None
    window: str | None = None
    cumulative: bool = False
    dimensions: tuple[str, ...] = ()
    description: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)


def _head(keyword: str, name: str, label: str | None) -> str:
    return f"{keyword} {name}" + (f" {quote(label)}" if label else "") + " {"


def _allows(items: Iterable[dict[str, Any]]) -> list[str]:
    return [f"allow {a['code']} {quote(str(a['reason']))}" for a in items]


def source_text(s: SourceSpec) -> str:
    lines = [_head("source", s.name, s.label), f"table {s.table}"]
    lines += [f"time {s.time}"] if s.time else []
    lines += [f"key {s.key}"] if s.key else []
    lines += [f"valid from {s.valid[0]} to {s.valid[1]}"] if s.valid else []
    lines += [f"entity {n} = {c}" for n, c in s.entities]
    lines += [f"dimension {n}" + (f" = {e}" if e else "") for n, e in s.dimensions]
    return "\n".join([*lines, "}"])


def measure_text(x: MeasureSpec) -> str:
    f = x.facts
    lines = [_head("measure", x.name, x.label), f"formula {x.formula}"]
    lines += [f"{k} {f[k]}" for k in ("kind", "perspective", "stage") if k in f]
    lines += [f"grain {x.grain}"] if x.grain else []
    lines += [f"window {x.window}"] if x.window else []
    lines += ["cumulative"] if x.cumulative else []
    lines += [f"dimensions {', '.join(x.dimensions)}"] if x.dimensions else []
    lines += [f"direction {f['direction']}"] if "direction" in f else []
    lines += [f"unit {quote(str(f['unit']))}"] if "unit" in f else []
    lines += [f"target {f['target']}"] if "target" in f else []
    lines += [f"owner {quote(str(f['owner']))}"] if "owner" in f else []
    lines += [f"description {quote(x.description)}"] if x.description else []
    for d in f.get("drives", ()):
        lines.append(f"drives {d['measure']}" + (f" lag {d['lag']}" if d.get("lag") else "")
                     + f" effect {d.get('effect', 'positive')}")
    return "\n".join([*lines, *_allows(f.get("allow", ())), "}"])


def journey_text(j: dict[str, Any]) -> str:
    lines = [_head("journey", j["name"], j.get("label"))]
    lines += [f"stage {s['name']}" + (f" {quote(s['label'])}" if s.get("label") else "")
              for s in j.get("stages", ())]
    return "\n".join([*lines, "}"])


def _strategy_text(s: dict[str, Any]) -> str:
    lines = [_head("strategy", s["name"], s.get("label"))]
    lines += [f"hypothesis {quote(s['hypothesis'])}"] if "hypothesis" in s else []
    lines += [f"stage {s['stage']}"] if "stage" in s else []
    lines += [f"owner {quote(s['owner'])}"] if "owner" in s else []
    lines += [f"description {quote(s['description'])}"] if "description" in s else []
    lines += [f"measures {', '.join(s['measures'])}"] if s.get("measures") else []
    return "\n".join([*lines, *_allows(s.get("allow", ())), "}"])


def objective_text(o: dict[str, Any]) -> str:
    lines = [_head("objective", o["name"], o.get("label"))]
    lines += [f"owner {quote(o['owner'])}"] if "owner" in o else []
    lines += [f"description {quote(o['description'])}"] if "description" in o else []
    lines += [f"north_star {o['north_star']}"] if "north_star" in o else []
    lines += [f"target {t['measure']} {t['op']} {t['value']}"
              + (f" by {t['by']}" if t.get("by") else "") for t in o.get("targets", ())]
    lines += _allows(o.get("allow", ()))
    lines += [_strategy_text(s) for s in o.get("strategies", ())]
    return "\n".join([*lines, "}"])


def formatted(path: str, declarations: Iterable[str], header: str) -> str:
    """One file of declarations, through the formatter (canonical layout)."""
    text = "\n\n".join([f"# {header}", *declarations]) + "\n"
    result = format_text(text, path)
    if result.text is None:  # a name or fragment the .osm grammar can't read: keep it visible
        return text
    return result.text


def project_files(sources: Iterable[SourceSpec], measures: Iterable[MeasureSpec],
                  project: dict[str, Any], origin: str) -> dict[str, str]:
    """``.osm`` files and ``metriclang.toml`` of an imported project, by relative path."""
    header = f"Imported from {origin} by `osm import`."
    files = {"sources.osm": formatted("sources.osm", map(source_text, sources), header),
             "measures.osm": formatted("measures.osm", map(measure_text, measures), header)}
    plan = [*map(journey_text, project.get("journeys", ())),
            *map(objective_text, project.get("objectives", ()))]
    if plan:
        files["objectives.osm"] = formatted("objectives.osm", plan, header)
    dialect = project.get("dialect", "duckdb")
    files["metriclang.toml"] = f'[project]\ndialect = "{dialect}"\n'
    return files
