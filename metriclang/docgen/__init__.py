"""The documentation site: ``osm docs`` (see :mod:`metriclang.docgen.site`)."""
