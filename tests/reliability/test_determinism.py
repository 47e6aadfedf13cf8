"""Determinism: byte-identical SQL, docs and JSON across runs, file orders and hash seeds.

The shop example is compiled (every dialect, fused too), documented and checked by real
``osm`` processes under several ``PYTHONHASHSEED`` values, and from copies whose files were
created in reverse order or split into one file per declaration under shuffled names.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES, ROOT

SEEDS = ("0", "1", "4242")


def osm(args: list[str], seed: str, cwd: Path) -> bytes:
    env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(ROOT), METRICLANG_NO_CACHE="1",
               NO_COLOR="1")
    done = subprocess.run([sys.executable, "-m", "metriclang.cli", *args], env=env, cwd=cwd,
                          capture_output=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr.decode()[-2000:]
    return done.stdout


def outputs(project: Path, work: Path, seed: str) -> dict[str, bytes]:
    """Every output of every command, by name (files of written directories included).

    Commands run next to the project (SARIF locations are relative to the working directory).
    """
    work.mkdir(parents=True)
    here, name = project.parent, project.name
    found = {
        "check.json": osm(["check", name, "--format", "json", "--today", "2026-11-01"],
                          seed, here),
        "check.sarif": osm(["check", name, "--format", "sarif", "--today", "2026-11-01"],
                           seed, here),
        "graph.json": osm(["graph", name, "--format", "json"], seed, here),
        "graph.dot": osm(["graph", name, "--format", "dot"], seed, here),
    }
    osm(["compile", name, "--dialect", "all", "--fused", "--out", str(work / "sql")], seed, here)
    osm(["docs", name, "--out", str(work / "site"), "--dialect", "duckdb", "--dialect",
         "postgres", "--today", "2026-11-01"], seed, here)
    for folder in ("sql", "site"):
        for path in sorted((work / folder).rglob("*")):
            if path.is_file():
                found[path.relative_to(work).as_posix()] = path.read_bytes()
    return found


def test_same_bytes_across_runs_and_hash_seeds(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "shop", project, ignore=shutil.ignore_patterns("*.duckdb"))
    first = outputs(project, tmp_path / "run0", SEEDS[0])
    assert len([k for k in first if k.startswith("sql/")]) > 50
    assert len([k for k in first if k.startswith("site/")]) > 20
    for i, seed in enumerate(SEEDS[1:], 1):
        again = outputs(project, tmp_path / f"run{i}", seed)
        assert again.keys() == first.keys()
        differ = [k for k in first if first[k] != again[k]]
        assert differ == [], f"PYTHONHASHSEED={seed} changed {differ[:5]}"


def split_copy(source: Path, target: Path, seed: int) -> None:
    """One declaration per file, shuffled names and creation order, nested folders."""
    decl = re.compile(r"^(?=(?:journey|source|measure|objective) )", re.M)
    parts: list[str] = []
    for path in sorted(source.glob("*.osm")):
        parts += [c for c in decl.split(path.read_text("utf-8")) if c.strip()]
    rng = random.Random(seed)
    rng.shuffle(parts)
    target.mkdir(parents=True)
    shutil.copy(source / "metriclang.toml", target / "metriclang.toml")
    for i, part in enumerate(parts):
        name = f"{'zyx'[i % 3]}{rng.randrange(10**6)}/{i}.osm"
        (target / name).parent.mkdir(exist_ok=True)
        (target / name).write_text(part, encoding="utf-8")


def test_same_sql_and_docs_whatever_the_files(tmp_path: Path) -> None:
    """Reverse creation order gives identical bytes; other file names give identical SQL."""
    base = tmp_path / "a" / "shop"
    shutil.copytree(EXAMPLES / "shop", base, ignore=shutil.ignore_patterns("*.duckdb"))
    reverse = tmp_path / "b" / "shop"
    reverse.mkdir(parents=True)
    for path in sorted(base.rglob("*"), reverse=True):
        rel = path.relative_to(base)
        if path.is_file():
            (reverse / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, reverse / rel)
    split = tmp_path / "c" / "shop"
    split_copy(base, split, seed=5)
    first = outputs(base, tmp_path / "out-a", SEEDS[0])
    assert outputs(reverse, tmp_path / "out-b", SEEDS[1]) == first
    other = outputs(split, tmp_path / "out-c", SEEDS[2])
    sql = {k: v for k, v in first.items() if k.startswith("sql/")}
    assert {k: v for k, v in other.items() if k.startswith("sql/")} == sql
    assert _meaning(other["graph.json"]) == _meaning(first["graph.json"])


def _meaning(data: bytes) -> object:
    """A JSON document without its source locations (those name the files)."""
    def strip(value: object) -> object:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("file", "line", "column")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    return strip(json.loads(data))
