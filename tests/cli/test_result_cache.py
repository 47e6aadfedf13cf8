"""The whole-project cache of ``osm check`` (``metriclang/resultcache.py``), through real runs
of the command: a cached report is byte-identical to an uncached one in every format, and any
change to what the diagnostics depend on misses."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pytest

from metriclang.report import FORMATS
from tests.conftest import EXAMPLES, ROOT

INVALID = ROOT / "tests" / "data" / "invalid"
Run = tuple[int, str, str]


def osm(cache: Path | None, *args: str | Path, cwd: Path = ROOT, off: bool = False) -> Run:
    """``osm ARGS`` in a fresh process with the cache in ``cache`` (None, or ``off``:
    ``METRICLANG_NO_CACHE=1``)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    env.pop("METRICLANG_NO_CACHE", None)
    if cache is None or off:
        env["METRICLANG_NO_CACHE"] = "1"
    if cache is not None:
        env["METRICLANG_CACHE_DIR"] = str(cache)
    done = subprocess.run([sys.executable, "-m", "metriclang.cli", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, encoding="utf-8", timeout=120)
    return done.returncode, done.stdout, done.stderr


def entry(cache: Path) -> Path:
    """The one entry of the cache (one project was checked)."""
    [found] = (cache / "check").glob("*.pickle")
    return found


def read(path: Path) -> tuple[object, Any]:
    """An entry: its key, then its diagnostics."""
    with path.open("rb") as handle:
        return pickle.load(handle), pickle.load(handle)


def identity(path: Path) -> tuple[int, int]:
    """Changes when the entry is written again (it is replaced by a new file)."""
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


OPTIONS = [("--format", f) for f in FORMATS] + [("--quiet",), ("--strict",),
                                                ("--ignore", "C207")]


@pytest.mark.parametrize("name", ["shop", "manufacturer", "invalid"])
def test_cached_reports_are_byte_identical(name: str, tmp_path: Path) -> None:
    """Every format and exit code, uncached then served from the cache; the project is
    given as a relative path from its parent (SARIF and GitHub print paths relative to it)."""
    project = tmp_path / name
    shutil.copytree(INVALID if name == "invalid" else EXAMPLES / name, project)
    cache = tmp_path / "cache"
    uncached = {o: osm(None, "check", name, *o, cwd=tmp_path) for o in OPTIONS}
    assert not cache.exists()
    for options in OPTIONS:
        first = osm(cache, "check", name, *options, cwd=tmp_path)  # a miss: written at exit
        written = identity(entry(cache))
        again = osm(cache, "check", name, *options, cwd=tmp_path)
        assert identity(entry(cache)) == written  # a hit writes nothing
        assert first == again == uncached[options], options
    assert uncached[("--format", "text")][0] == (1 if name == "invalid" else 0)
    assert uncached[("--format", "json")] != uncached[("--format", "sarif")]


def test_a_hit_is_read_from_the_entry(tmp_path: Path) -> None:
    """The entry is what is reported (a doctored message comes out), except with --db."""
    shutil.copytree(EXAMPLES / "shop", tmp_path / "shop")
    cache = tmp_path / "cache"
    code = osm(cache, "check", "shop", "--format", "json", cwd=tmp_path)[0]
    key, found = read(entry(cache))
    assert len(found) > 0
    doctored = (replace(found[0], message="served from the cache"), *found[1:])
    entry(cache).write_bytes(pickle.dumps(key) + pickle.dumps(doctored))
    assert "served from the cache" in osm(cache, "check", "shop", "--format", "json",
                                          cwd=tmp_path)[1]
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()  # a warehouse without tables
    warehouse = osm(cache, "check", "shop", "--format", "json", "--db", "duckdb:///empty.duckdb",
                    cwd=tmp_path)
    assert "served from the cache" not in warehouse[1]
    assert warehouse[0] == 1 and code == 0  # the empty warehouse lacks the tables


def _edit(project: Path, step: str) -> None:
    """One change to the shop project that changes what check reports."""
    if step == "edit a file":
        text = (project / "measures.osm").read_text("utf-8")
        (project / "measures.osm").write_text(text + "\nmeasure broken { }\n", "utf-8")
    elif step == "edit metriclang.toml":
        with (project / "metriclang.toml").open("a", encoding="utf-8") as out:
            out.write('\n[rules]\nE999 = "off"\n')
    elif step == "add a file":
        (project / "more.osm").write_text("measure other { }\n", "utf-8")
    elif step == "remove a file":
        (project / "more.osm").unlink()
    else:
        raise AssertionError(step)


STEPS = ["edit a file", "edit metriclang.toml", "add a file", "remove a file"]


def test_every_change_misses(tmp_path: Path) -> None:
    """Editing a file or the configuration, adding or removing a file, another --today or
    --select: each run reports what an uncached run reports, and rewrites the entry."""
    project = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "shop", project)
    cache = tmp_path / "cache"
    before = osm(cache, "check", project, "--format", "json")
    for step in STEPS:
        written = identity(entry(cache))
        _edit(project, step)
        uncached = osm(None, "check", project, "--format", "json")
        cached = osm(cache, "check", project, "--format", "json")
        assert cached == uncached != before, step
        assert identity(entry(cache)) != written, step
        before = cached
    for options in (("--today", "2031-01-01"), ("--select", "S")):
        written = identity(entry(cache))
        uncached = osm(None, "check", project, "--format", "json", *options)
        assert osm(cache, "check", project, "--format", "json", *options) == uncached
        assert identity(entry(cache)) != written, options


@pytest.mark.parametrize("content", [b"", b"not a pickle", pickle.dumps("key") + pickle.dumps(()),
                                     pickle.dumps({"a": 1}), b"KEY", b"KEY-TRUNCATED"],
                         ids=["empty", "garbage", "foreign-key", "foreign-type",
                              "right-key-foreign-value", "right-key-truncated"])
def test_a_corrupt_or_foreign_entry_is_ignored(content: bytes, tmp_path: Path) -> None:
    shutil.copytree(INVALID, tmp_path / "invalid")
    cache = tmp_path / "cache"
    uncached = osm(None, "check", "invalid", cwd=tmp_path)
    osm(cache, "check", "invalid", cwd=tmp_path)
    key, found = read(entry(cache))
    if content == b"KEY":  # the right key, then a foreign object
        content = pickle.dumps(key) + pickle.dumps([1, 2])
    elif content == b"KEY-TRUNCATED":
        content = pickle.dumps(key) + pickle.dumps(found)[:-40]
    entry(cache).write_bytes(content)
    assert osm(cache, "check", "invalid", cwd=tmp_path) == uncached
    assert read(entry(cache))[0] == key  # written again


def test_turned_off_writes_nothing(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert osm(cache, "check", EXAMPLES / "shop", off=True)[0] == 0
    assert not cache.exists()
    assert osm(cache, "check", EXAMPLES / "shop")[0] == 0
    assert entry(cache).exists()
