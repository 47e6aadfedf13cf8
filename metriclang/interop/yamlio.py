"""YAML in and out: deterministic dumps, and loads that keep each mapping's position."""

from __future__ import annotations

from typing import Any

import yaml  # type: ignore[import-untyped,unused-ignore]


class Located(dict[str, Any]):
    """A YAML mapping that remembers where it was written (1-based line and column)."""

    line: int = 1
    column: int = 1


class _Loader(yaml.SafeLoader):  # type: ignore[misc,unused-ignore]
    """The safe loader, building :class:`Located` mappings."""


def _mapping(loader: _Loader, node: yaml.MappingNode) -> Located:
    out = Located(loader.construct_mapping(node, deep=True))
    out.line, out.column = node.start_mark.line + 1, node.start_mark.column + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_all(text: str) -> list[Any]:
    """Every document of a YAML text (safe types only); raises :class:`yaml.YAMLError`."""
    return [doc for doc in yaml.load_all(text, Loader=_Loader) if doc is not None]


class _Dumper(yaml.SafeDumper):  # type: ignore[misc,unused-ignore]
    """Block style, keys in the order given, long strings unwrapped."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else ('"' if "'" in value else None)
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(data: Any) -> str:
    """One YAML document, deterministic (insertion order, UTF-8 text, no line wrapping).

    >>> print(dump({"b": [1, {"a": "x: y"}], "c": "多", "d": "{{ D('x') }} = 'y'"}), end="")
    b:
    - 1
    - a: 'x: y'
    c: 多
    d: "{{ D('x') }} = 'y'"
    """
    text: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=10_000)
    return text
