"""Mutation fuzzing of the example projects: ``osm check`` never raises, spans stay in the file.

Each mutation edits one file of an example project (delete, duplicate or swap characters or
lines, truncate, insert a stray character) and checks the project in-process through the same
code path as ``osm check`` (load, rules, text and JSON reports). CI runs a bounded, seeded
sample; ``-m slow`` runs many more. Inputs that once crashed the package are kept as
regression cases in tests/data/regressions.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from metriclang.load import check
from metriclang.report import reporter
from tests.conftest import EXAMPLES, ROOT

REGRESSIONS = ROOT / "tests" / "data" / "regressions"
STRAY = "{}()\"'#,.=<>-%:;*/+\\\n\t 0x_é中"

Mutation = Callable[[str, random.Random], str]


def _pos(text: str, rng: random.Random) -> int:
    return rng.randrange(len(text) + 1)


def delete_char(text: str, rng: random.Random) -> str:
    i = _pos(text, rng)
    return text[:i] + text[i + 1:]


def duplicate_char(text: str, rng: random.Random) -> str:
    i = _pos(text, rng)
    return text[:i] + text[i:i + 1] + text[i:]


def swap_chars(text: str, rng: random.Random) -> str:
    i = _pos(text, rng)
    return text[:i] + text[i + 1:i + 2] + text[i:i + 1] + text[i + 2:]


def insert_stray(text: str, rng: random.Random) -> str:
    i = _pos(text, rng)
    return text[:i] + rng.choice(STRAY) + text[i:]


def truncate(text: str, rng: random.Random) -> str:
    return text[:_pos(text, rng)]


def _lines(edit: Callable[[list[str], int], None]) -> Mutation:
    def mutate(text: str, rng: random.Random) -> str:
        lines = text.splitlines(keepends=True)
        if lines:
            edit(lines, rng.randrange(len(lines)))
        return "".join(lines)
    mutate.__name__ = edit.__name__
    return mutate


def _delete_line(lines: list[str], i: int) -> None:
    del lines[i]


def _duplicate_line(lines: list[str], i: int) -> None:
    lines.insert(i, lines[i])


def _swap_lines(lines: list[str], i: int) -> None:
    j = min(i + 1, len(lines) - 1)
    lines[i], lines[j] = lines[j], lines[i]


MUTATIONS: tuple[Mutation, ...] = (
    delete_char, duplicate_char, swap_chars, insert_stray, truncate,
    _lines(_delete_line), _lines(_duplicate_line), _lines(_swap_lines),
)
PROJECTS = ("shop", "manufacturer")


def mutants(seed: int, count: int) -> Iterator[tuple[str, str, str, str]]:
    """``count`` (project, file, mutation name, mutated text), reproducible from ``seed``."""
    rng = random.Random(seed)
    files = [(p, f) for p in PROJECTS for f in sorted((EXAMPLES / p).rglob("*.osm"))]
    for _ in range(count):
        project, path = rng.choice(files)
        text = path.read_text("utf-8")
        mutation = rng.choice(MUTATIONS)
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            text = mutation(text, rng)
        yield project, path.relative_to(EXAMPLES / project).as_posix(), mutation.__name__, text


def assert_checks_cleanly(root: Path) -> None:
    """Check the project as ``osm check`` does; every span must lie inside its file."""
    loaded = check(root)
    for fmt in ("text", "json"):
        reporter(fmt)(loaded.project, loaded.diagnostics, False)
    texts = {f.path: f.text for f in loaded.project.files}
    for d in loaded.diagnostics:
        if d.span.file not in texts:  # unreadable files and metriclang.toml
            assert (root / d.span.file).exists(), d
            continue
        lines = texts[d.span.file].split("\n")
        assert 1 <= d.span.line <= len(lines), (d, len(lines))
        assert 1 <= d.span.column <= len(lines[d.span.line - 1]) + 1, d
        assert (d.span.end_line, d.span.end_column) >= (d.span.line, d.span.column), d


def _run(tmp_path: Path, seed: int, count: int) -> None:
    copies = {p: tmp_path / p for p in PROJECTS}
    for project, copy in copies.items():
        shutil.copytree(EXAMPLES / project, copy)
    for project, rel, name, text in mutants(seed, count):
        target = copies[project] / rel
        original = (EXAMPLES / project / rel).read_bytes()
        target.write_text(text, "utf-8")
        try:
            assert_checks_cleanly(copies[project])
        except Exception as exc:
            raise AssertionError(f"{name} of {project}/{rel} broke the check:\n{text}") from exc
        finally:
            target.write_bytes(original)


def test_mutations_bounded(tmp_path: Path) -> None:
    _run(tmp_path, seed=20261123, count=240)


def test_mutations_through_the_command_line(tmp_path: Path) -> None:
    """A few mutants through ``python -m metriclang.cli check``: exit 0 or 1, valid JSON."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for n, (project, rel, name, text) in enumerate(mutants(seed=7, count=6)):
        copy = tmp_path / f"{n}"
        shutil.copytree(EXAMPLES / project, copy)
        (copy / rel).write_text(text, "utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "metriclang.cli", "check", str(copy), "--format", "json"],
            capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode in (0, 1), (name, result.stderr)
        assert result.stderr == "", (name, result.stderr)
        assert isinstance(json.loads(result.stdout)["diagnostics"], list)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_mutations_many(tmp_path: Path, seed: int) -> None:
    _run(tmp_path, seed=seed, count=400)


@pytest.mark.parametrize("case", sorted(REGRESSIONS.glob("*.osm")) if REGRESSIONS.exists()
                         else [], ids=lambda p: p.stem)
def test_regressions(tmp_path: Path, case: Path) -> None:
    """Inputs that once crashed or were wrongly rejected: no exception, no E1xx error."""
    shutil.copy(case, tmp_path / case.name)
    assert_checks_cleanly(tmp_path)
    assert [d.code for d in check(tmp_path).diagnostics if d.code.startswith("E")] == []
