"""Semantic diff of two loaded projects: added, removed, renamed and changed elements.

Elements are compared through their canonical fields (:mod:`metriclang.diff.canon`), so
layout, comments, statement order and file moves are not changes. A removed element and an
added one of the same kind with the same definition (labels and descriptions aside) are a
rename; references to renamed elements are followed before anything else is compared.
Breaking changes are those that change what consumers of a measure read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from metriclang.diagnostics import Diagnostic
from metriclang.diff.canon import DOC_FIELDS, KINDS, Fields, Key, elements
from metriclang.load import Loaded
from metriclang.semantic import model as m
from metriclang.semantic.graph import reachable


@dataclass(frozen=True)
class Element:
    kind: str
    name: str


@dataclass(frozen=True)
class Rename:
    kind: str
    old: str
    new: str


@dataclass(frozen=True)
class FieldChange:
    """One field of one element, before and after (None: absent on that side)."""

    field: str
    old: str | None
    new: str | None
    breaking: bool


@dataclass(frozen=True)
class Changed:
    kind: str
    name: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class Breaking:
    """A change that alters what consumers read, and why."""

    kind: str
    name: str
    change: str
    reason: str


@dataclass(frozen=True)
class ModelDiff:
    """Everything that differs between two sides, sorted by kind then name."""

    old: str
    new: str
    added: tuple[Element, ...]
    removed: tuple[Element, ...]
    renamed: tuple[Rename, ...]
    changed: tuple[Changed, ...]
    breaking: tuple[Breaking, ...]
    diagnostics_new: tuple[Diagnostic, ...]
    diagnostics_fixed: tuple[Diagnostic, ...]

    @property
    def empty(self) -> bool:
        """No change in meaning and no new diagnostic."""
        return not (self.added or self.removed or self.renamed or self.changed
                    or self.diagnostics_new)


def _order(key: Key) -> tuple[int, str]:
    return KINDS.index(key[0]), key[1]


def _definition(fields: Fields) -> Fields:
    return {k: v for k, v in fields.items() if k not in DOC_FIELDS and v is not None}


def detect_renames(old: m.Project, new: m.Project) -> dict[str, str]:
    """Old name -> new name for every element whose definition is unchanged.

    Runs to a fixed point: once a source is known renamed, a measure over it can match.
    """
    rename: dict[str, str] = {}
    after = elements(new)
    while True:
        before = elements(old, rename)
        gone = sorted((k for k in before if k not in after), key=_order)
        fresh = sorted((k for k in after if k not in before), key=_order)
        found = False
        for key in gone:
            match = next((f for f in fresh if f[0] == key[0]
                          and _definition(after[f]) == _definition(before[key])), None)
            if match is not None:
                original = next(n for n in _names(old, key[0]) if rename.get(n, n) == key[1])
                rename[original] = match[1]
                fresh.remove(match)
                found = True
        if not found:
            return rename


def _names(project: m.Project, kind: str) -> list[str]:
    if kind == "strategy":
        return [s.name for s in project.strategies]
    return list(getattr(project, kind + "s"))


def _dependents(project: m.Project, name: str) -> list[str]:
    """Measures whose formulas use ``name``, directly or through other measures."""
    users: dict[str, set[str]] = {}
    for measure in project.measures.values():
        if measure.formula is not None:
            for node in m.walk(measure.formula):
                if isinstance(node, m.Ref):
                    users.setdefault(node.measure, set()).add(measure.name)
    return sorted(reachable([name], lambda n: users.get(n, ())) - {name})


def _split(value: str | None) -> set[str]:
    return {v.strip() for v in (value or "").split(",") if v.strip()}


def _measure_reason(c: FieldChange) -> str | None:
    match c.field:
        case "formula":
            return "formula changed: every consumer's numbers change"
        case "grain":
            return f"grain changed from {c.old} to {c.new}: one row per {c.new} instead of " \
                f"per {c.old}"
        case "window" | "cumulative":
            what = "trailing window" if c.field == "window" else "running total"
            return f"{what} changed ({c.old or 'none'} → {c.new or 'none'}): every value changes"
        case "dimensions":
            gone = sorted(_split(c.old) - _split(c.new))
            if gone:
                return ("dimension " + ", ".join(f"`{d}`" for d in gone) + " removed: that "
                        "output column disappears and rows are merged")
            return ("output columns changed (" + ", ".join(f"`{d}`" for d in sorted(
                _split(c.new) - _split(c.old))) + " added): each period is split into more rows")
    return None


def _source_reason(c: FieldChange) -> str | None:
    kind, _, name = c.field.partition(" ")
    if kind == "dimension" and c.new is None:
        return f"dimension `{name}` removed: measures and queries grouped by it break"
    if kind == "dimension" and c.old is not None:
        return f"dimension `{name}` is computed differently: grouped numbers change"
    if kind == "entity" and c.old is not None:
        return f"entity `{name}` now matches on another column: conversions change"
    if c.field in ("table", "time"):
        what = "read another table" if c.field == "table" else "cut periods on another column"
        return f"measures over this source now {what}: their numbers change"
    return None


def _reason(kind: str, field: str, old: str | None, new: str | None) -> str | None:
    """Why a field change is breaking, or None when it is not."""
    change = FieldChange(field, old, new, True)
    if kind == "measure":
        return _measure_reason(change)
    if kind == "source":
        return _source_reason(change)
    return None


def _field_changes(kind: str, old: Fields, new: Fields) -> list[tuple[FieldChange, str | None]]:
    out = []
    for field in list(dict.fromkeys([*new, *old])):
        a, b = old.get(field), new.get(field)
        if a != b:
            reason = _reason(kind, field, a, b)
            out.append((FieldChange(field, a, b, reason is not None), reason))
    return out


def _diagnostic_key(d: Diagnostic, rename: Mapping[str, str]) -> tuple[str, ...]:
    """What identifies a diagnostic across versions: not its position (files move)."""
    message = d.message
    for old, new in rename.items():
        message = message.replace(f"`{old}`", f"`{new}`")
    return d.code, d.severity.value, message


def _only_in(these: tuple[Diagnostic, ...], others: tuple[Diagnostic, ...],
             rename_these: Mapping[str, str], rename_others: Mapping[str, str]
             ) -> tuple[Diagnostic, ...]:
    counts = Counter(_diagnostic_key(d, rename_others) for d in others)
    out = []
    for d in these:
        key = _diagnostic_key(d, rename_these)
        if counts[key]:
            counts[key] -= 1
        else:
            out.append(d)
    return tuple(out)


def compare(old: Loaded, new: Loaded, old_label: str = "old",
            new_label: str = "new") -> ModelDiff:
    """The semantic difference between two loaded (and checked) projects."""
    rename = detect_renames(old.project, new.project)
    before, after = elements(old.project, rename), elements(new.project)
    kind_of = {name: kind for kind, name in before}
    added = tuple(Element(*k) for k in sorted(after.keys() - before.keys(), key=_order))
    removed_keys = sorted(before.keys() - after.keys(), key=_order)
    renamed = tuple(sorted((Rename(kind_of[n], o, n) for o, n in rename.items()),
                           key=lambda r: (KINDS.index(r.kind), r.old)))
    breaking: list[Breaking] = []
    for r in renamed:
        if r.kind == "measure":
            breaking.append(Breaking(r.kind, r.new, f"renamed from `{r.old}`",
                                     f"measure `{r.old}` is now `{r.new}`: queries, dashboards "
                                     "and specs that use the old name break"))
    removed = tuple(Element(*k) for k in removed_keys)
    for e in removed:
        if e.kind == "measure":
            breaking.append(Breaking(e.kind, e.name, "removed", f"measure `{e.name}` no longer "
                                     "exists: every query, dashboard and spec using it breaks"))
        elif e.kind == "source":
            breaking.append(Breaking(e.kind, e.name, "removed", f"source `{e.name}` no longer "
                                     "exists: measures over it can no longer be computed"))
    changed = []
    for key in sorted(before.keys() & after.keys(), key=_order):
        pairs = _field_changes(key[0], before[key], after[key])
        if not pairs:
            continue
        changed.append(Changed(key[0], key[1], tuple(c for c, _ in pairs)))
        for c, reason in pairs:
            if reason is None:
                continue
            numbers = key[0] == "measure" and c.field in ("formula", "window", "cumulative")
            users = _dependents(new.project, key[1]) if numbers else []
            if users:
                reason += "; also changes " + ", ".join(f"`{u}`" for u in users)
            breaking.append(Breaking(key[0], key[1], c.field, reason))
    breaking.sort(key=lambda b: (KINDS.index(b.kind), b.name, b.change))
    old_d, new_d = old.diagnostics.active(), new.diagnostics.active()
    return ModelDiff(old_label, new_label, added, removed, renamed, tuple(changed),
                     tuple(breaking), _only_in(new_d, old_d, {}, rename),
                     _only_in(old_d, new_d, rename, {}))
