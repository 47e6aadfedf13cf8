"""Dimensions reached through entities: ``customer.segment``, ``customer.account.region``.

A source whose ``key`` column is one of its ``entity`` columns is that entity's *dimension
source* (one row per entity, or per version with ``valid from .. to``). A path starts at the
source a measure reads, follows one entity per hop to its dimension source (many-to-one, so
joining it can never multiply rows) and ends at a dimension of the last one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from sqlglot import exp

from metriclang.errors import did_you_mean
from metriclang.semantic import model as m

#: Most entities one path may follow.
MAX_HOPS = 3
#: Separator of a joined dimension's output column (``customer.segment`` -> ``customer__segment``).
SEPARATOR = "__"


@dataclass(frozen=True)
class Hop:
    """Join the dimension source ``source`` on ``source.key = <previous row>.column``."""

    entity: str
    column: str
    source: str


@dataclass(frozen=True)
class JoinPath:
    """From a row of ``start``, through ``hops``, to ``dimension`` of the last hop's source."""

    start: str
    hops: tuple[Hop, ...]
    dimension: str

    @property
    def column(self) -> str:
        """The column the value is known by (``customer__segment``)."""
        return column_name(".".join([*(h.entity for h in self.hops), self.dimension]))


@dataclass(frozen=True)
class PathProblem:
    """Why a path does not resolve: its code, message and hint, and which part is wrong
    (index into the dotted parts; ``None``: the whole path)."""

    code: str
    message: str
    hint: str
    part: int | None


def column_name(dotted: str) -> str:
    """The output column of a dimension as written (``customer.segment`` -> ``customer__segment``).

    >>> column_name("customer.account.region"), column_name("channel")
    ('customer__account__region', 'channel')
    """
    return dotted.replace(".", SEPARATOR)


def dimension_sources(sources: Mapping[str, m.Source], entity: str) -> list[str]:
    """The sources that are ``entity``'s dimension source, in name order."""
    return sorted(s.name for s in sources.values() if s.keyed_entity == entity)


def reachable_dimensions(sources: Mapping[str, m.Source], start: str) -> tuple[str, ...]:
    """Every dimension a row of ``start`` reaches: its own, then each ``E.dim`` path through
    an entity with exactly one dimension source (many-to-one, no cycle, at most ``MAX_HOPS``)."""
    found = [d.name for d in sources[start].dimensions]

    def walk(name: str, prefix: tuple[str, ...], seen: tuple[str, ...]) -> None:
        for entity in sources[name].entities:
            targets = dimension_sources(sources, entity.name)
            if len(targets) != 1 or targets[0] in seen:
                continue
            path = (*prefix, entity.name)
            found.extend(".".join((*path, d.name)) for d in sources[targets[0]].dimensions)
            if len(path) < MAX_HOPS:
                walk(targets[0], path, (*seen, targets[0]))

    walk(start, (), (start,))
    return tuple(found)


def references(tree: exp.Expr, source: m.Source) -> Iterator[tuple[exp.Expr, tuple[str, ...]]]:
    """Every dotted reference in a fragment over ``source`` and its parts: sqlglot reads
    ``customer.segment`` as column ``segment`` of table ``customer`` (a qualifier naming the
    source or its table is the source's own column, as before)."""
    own = {source.name, *source.table[-1:]}
    for column in list(tree.find_all(exp.Column)):
        if not column.table or column.parts[0].name in own:
            continue
        node: exp.Expr = column
        parts = [p.name for p in column.parts]
        while isinstance(node.parent, exp.Dot) and node.parent.this is node:
            node = node.parent
            parts.append(node.expression.name)
        yield node, tuple(parts)


def resolve_path(sources: Mapping[str, m.Source], start: str, parts: Sequence[str]
                 ) -> JoinPath | PathProblem:
    """Resolve ``E1[.E2[.E3]].dim`` from a row of source ``start``."""
    entities, dimension = parts[:-1], parts[-1]
    if len(entities) > MAX_HOPS:
        return PathProblem("E118", f"`{'.'.join(parts)}` follows {len(entities)} entities; "
                           f"the most is {MAX_HOPS}", "add the dimension to a source nearer "
                           "the fact, or shorten the path", None)
    current, seen, hops = sources[start], [start], []
    for i, name in enumerate(entities):
        entity = current.entity(name)
        if entity is None:
            names = [e.name for e in current.entities]
            return PathProblem("E114", f"source `{current.name}` has no entity `{name}`",
                               did_you_mean(name, names) or f"declare `entity {name} = COLUMN` "
                               f"in source `{current.name}`", i)
        found = dimension_sources(sources, name)
        if not found:
            return PathProblem("E116", f"entity `{name}` has no dimension source",
                               f"declare a source with `key COLUMN` and `entity {name} = "
                               "COLUMN` on that same column (one row per entity)", i)
        if len(found) > 1:
            return PathProblem("E117", f"entity `{name}` has two dimension sources: "
                               f"{', '.join(f'`{s}`' for s in found)}", "keep `key` on one "
                               "of them: a dimension source must be the only one of its entity",
                               i)
        if found[0] in seen:
            loop = " -> ".join([*seen, found[0]])
            return PathProblem("E119", f"`{'.'.join(parts[:i + 1])}` goes round a cycle of "
                               f"entities: {loop}", "name the dimension on the source itself "
                               "(bare), or stop the path before it comes back", i)
        seen.append(found[0])
        hops.append(Hop(name, entity.column, found[0]))
        current = sources[found[0]]
    if current.dimension(dimension) is None:
        return _missing_dimension(sources, current, dimension, len(parts) - 1, entities)
    return JoinPath(start, tuple(hops), dimension)


def _missing_dimension(sources: Mapping[str, m.Source], source: m.Source, dimension: str, part: int,
                       entities: Sequence[str]) -> PathProblem:
    """E162 when another source of the last entity has the dimension (joining it would
    multiply rows), else E115."""
    entity = entities[-1]
    many = sorted(s.name for s in sources.values()
                  if s.keyed_entity != entity and s.entity(entity) is not None
                  and s.dimension(dimension) is not None)
    if many:
        return PathProblem("E162", f"`{'.'.join([*entities, dimension])}` would join "
                           f"one-to-many: `{dimension}` is a dimension of `{many[0]}`, which has "
                           f"many rows per {entity}", f"only the dimension source `{source.name}` "
                           f"(one row per {entity}) can be joined; declare `dimension "
                           f"{dimension}` there, or aggregate `{many[0]}` in its own measure",
                           part)
    return PathProblem("E115", f"dimension source `{source.name}` has no dimension "
                       f"`{dimension}`", did_you_mean(dimension, [d.name for d in
                                                                 source.dimensions])
                       or f"declare `dimension {dimension}` in source `{source.name}`", part)
