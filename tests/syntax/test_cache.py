"""The parse cache: large files only Lark reads are parsed once per content, entries are
written at exit and safe to lose; well-formed files never touch the cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from metriclang import cachefiles
from metriclang.dump import dump_ast
from metriclang.syntax import cache
from metriclang.syntax.parser import parse_file

BIG = "".join(f'measure m{i} "M {i}" {{\n  formula count(s where x > {i}) / 2\n  kind leading\n}}\n'
              for i in range(480)) + "measure broken {\n  grain: week\n}\n"


def _cached(path: str, text: str) -> cache.Parsed:
    """Parse through the cache and write the new entry at once (as the process's exit does)."""
    parsed = cache.parse_cached(path, text)
    cachefiles.write_pending()
    return parsed


def _entries(root: Path) -> list[Path]:
    return sorted((root / "ast").glob("*.pickle")) if (root / "ast").exists() else []


def test_large_file_is_cached_and_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    monkeypatch.setenv("METRICLANG_CACHE_DIR", str(tmp_path))
    assert len(BIG) >= cache.MIN_BYTES
    direct = parse_file("a.osm", BIG)
    cache.parse_cached("a.osm", BIG)
    assert _entries(tmp_path) == []  # nothing is written while the command works
    first = _cached("a.osm", BIG)
    (entry,) = _entries(tmp_path)
    second = _cached("a.osm", BIG)
    assert dump_ast(first[0]) == dump_ast(second[0]) == dump_ast(direct[0])
    assert first[1] == second[1] == direct[1] and [d.code for d in direct[1]] == ["E101"]
    assert len(second[0].declarations) == 480
    # another path or another text is another entry (spans name the file)
    _cached("b.osm", BIG)
    _cached("a.osm", BIG + "\n")
    assert len(_entries(tmp_path)) == 3
    # a damaged entry is ignored and parsing still gives the right tree
    entry.write_bytes(b"not a pickle")
    assert dump_ast(_cached("a.osm", BIG)[0]) == dump_ast(direct[0])


def test_small_files_and_disabled_cache_leave_nothing(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METRICLANG_CACHE_DIR", str(tmp_path))
    _cached("a.osm", "measure m { formula 1 }")
    assert _entries(tmp_path) == []
    monkeypatch.setenv("METRICLANG_NO_CACHE", "1")
    assert cachefiles.cache_dir() is None
    _cached("a.osm", BIG)
    assert _entries(tmp_path) == []


def test_unwritable_cache_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("METRICLANG_CACHE_DIR", str(blocker))
    tree, problems = _cached("a.osm", BIG)
    assert len(tree.declarations) == 480 and [d.code for d in problems] == ["E101"]


def test_default_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("METRICLANG_CACHE_DIR", raising=False)
    monkeypatch.delenv("METRICLANG_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cachefiles.cache_dir() == tmp_path / "metriclang"


def test_least_recently_used_entries_are_pruned(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METRICLANG_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cachefiles, "MAX_ENTRIES", 2)
    entry: dict[str, Path] = {}
    for name in ("a.osm", "b.osm"):  # each file's entry is the one its parse added
        before = set(_entries(tmp_path))
        _cached(name, BIG)
        (entry[name],) = set(_entries(tmp_path)) - before
    os.utime(entry["a.osm"], (1, 1))
    os.utime(entry["b.osm"], (2, 2))
    _cached("a.osm", BIG)  # a hit makes a.osm the most recently used
    assert entry["a.osm"].stat().st_mtime > 2
    _cached("c.osm", BIG)
    (entry["c.osm"],) = set(_entries(tmp_path)) - {entry["a.osm"], entry["b.osm"]}
    assert set(_entries(tmp_path)) == {entry["a.osm"], entry["c.osm"]}


def test_well_formed_files_never_touch_the_cache(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The hand-written parser reads them faster than an entry could be read back: no entry."""
    monkeypatch.setenv("METRICLANG_CACHE_DIR", str(tmp_path))
    good = BIG.replace("grain: week", "grain week")
    assert len(good) >= cache.MIN_BYTES
    tree, problems = _cached("a.osm", good)
    assert problems == () and len(tree.declarations) == 481
    assert _entries(tmp_path) == []
    assert dump_ast(tree) == dump_ast(parse_file("a.osm", good, fast=False)[0])


def test_entries_of_another_class_layout_are_not_read(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A tree pickled with other fields or without slots would unpickle wrong (fields set to
    the names of the old state's keys), so the classes' layout is part of every key."""
    monkeypatch.setenv("METRICLANG_CACHE_DIR", str(tmp_path))
    assert "Span(file,line,column,end_line,end_column)s" in cache._layout()
    monkeypatch.setattr(cache, "_layout", lambda: "an older layout")
    _cached("a.osm", BIG)
    monkeypatch.undo()
    monkeypatch.setenv("METRICLANG_CACHE_DIR", str(tmp_path))
    tree, _ = _cached("a.osm", BIG)
    assert len(_entries(tmp_path)) == 2
    assert dump_ast(tree) == dump_ast(parse_file("a.osm", BIG)[0])
