"""The facts only metriclang has (kinds, stages, targets, ``drives``, objectives, journeys),
as plain data to keep under another format's metadata, so an import restores them."""

from __future__ import annotations

from typing import Any

from metriclang.semantic import model as m

#: The key every format's metadata keeps metriclang's facts under.
KEY = "metriclang"


def _number(value: Any) -> str:
    return str(value)


def measure_facts(x: m.Measure) -> dict[str, Any]:
    """A measure's statements that no other semantic layer has (only those written)."""
    out: dict[str, Any] = {}
    for field in ("kind", "perspective", "stage", "direction", "unit", "owner"):
        if getattr(x, field) is not None:
            out[field] = getattr(x, field)
    if x.target is not None:
        out["target"] = _number(x.target)
    if x.drives:
        out["drives"] = [{"measure": d.target, "effect": d.effect}
                         | ({"lag": str(d.lag)} if d.lag else {}) for d in x.drives]
    if x.allows:
        out["allow"] = [{"code": a.code, "reason": a.reason} for a in x.allows]
    return out


def _strategy(s: m.Strategy) -> dict[str, Any]:
    out: dict[str, Any] = {"name": s.name}
    for field in ("label", "hypothesis", "stage", "owner", "description"):
        if getattr(s, field) is not None:
            out[field] = getattr(s, field)
    if s.measures:
        out["measures"] = list(s.measures)
    if s.allows:
        out["allow"] = [{"code": a.code, "reason": a.reason} for a in s.allows]
    return out


def _objective(o: m.Objective) -> dict[str, Any]:
    out: dict[str, Any] = {"name": o.name}
    for field in ("label", "owner", "description", "north_star"):
        if getattr(o, field) is not None:
            out[field] = getattr(o, field)
    if o.targets:
        out["targets"] = [{"measure": t.measure, "op": t.op, "value": _number(t.value)}
                          | ({"by": t.by.isoformat()} if t.by else {}) for t in o.targets]
    if o.allows:
        out["allow"] = [{"code": a.code, "reason": a.reason} for a in o.allows]
    out["strategies"] = [_strategy(s) for s in o.strategies]
    return out


def project_facts(project: m.Project) -> dict[str, Any]:
    """Journeys and objectives (with their strategies), empty parts left out."""
    out: dict[str, Any] = {}
    if project.journeys:
        out["journeys"] = [
            {"name": j.name} | ({"label": j.label} if j.label else {})
            | {"stages": [{"name": s.name} | ({"label": s.label} if s.label else {})
                          for s in j.stages]}
            for j in project.journeys.values()]
    if project.objectives:
        out["objectives"] = [_objective(o) for o in project.objectives.values()]
    return out
