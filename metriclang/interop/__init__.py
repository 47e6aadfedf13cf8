"""Export a project to other semantic layers (MetricFlow, OSI, Cube) and import theirs.

Every exporter reads the loaded model (:mod:`metriclang.semantic.model`); every importer
writes ``.osm`` text through the formatter. What a format can't express is a :class:`Loss`,
reported with its position, never dropped silently. docs/interop.md has the mappings.
"""
