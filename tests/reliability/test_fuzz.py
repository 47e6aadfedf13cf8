"""Fuzzing the whole pipeline: grammar-aware generated projects and byte-level mutants.

Every input goes through check (every report format), SQL for every dialect (when the project
has no errors), fmt (idempotent, comments kept), docs and diff as real function calls (see
pipeline.py); a few go through the ``osm`` executable. Never a traceback, exit code 0 or 1,
every diagnostic inside its file. CI runs a bounded, derandomised sample (under a minute);
``-m slow`` runs many more. A failing input is written to tests/data/regressions/crashes/
(review it and commit it: test_regressions.py then runs it forever).
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark

from metriclang.load import Loaded
from metriclang.syntax.parser import grammar_text
from tests.conftest import EXAMPLES, ROOT
from tests.reliability.pipeline import run_pipeline
from tests.reliability.specgen import SECRET_MARK, config, db_url, project, valid_project

CRASHES = ROOT / "tests" / "data" / "regressions" / "crashes"
SEEDS = sorted(p for p in (ROOT / "tests").rglob("*.osm")
               if "regressions" not in p.parts and "dir_" not in p.as_posix())
FAST = ("duckdb", "postgres", "bigquery")


_KEPT: list[Path] = []


def keep_crash(files: dict[str, bytes], note: str) -> Path:
    """Save a failing project as a regression case named by its content.

    At most three per run: hypothesis replays a failure many times while shrinking it, and
    the smallest example is reported anyway.
    """
    digest = hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest()[:12]
    case = CRASHES / digest
    if len(_KEPT) >= 3:
        return _KEPT[-1]
    _KEPT.append(case)
    case.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        (case / rel).parent.mkdir(parents=True, exist_ok=True)
        (case / rel).write_bytes(data)
    (case / "NOTE.txt").write_text(note + "\n", encoding="utf-8")
    return case


def check_project(root: Path, files: dict[str, bytes], **options: object) -> Loaded:
    """Write ``files`` under ``root`` (emptied first) and run the pipeline; keep a crash."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    try:
        return run_pipeline(root, **options)  # type: ignore[arg-type]
    except BaseException as exc:
        case = keep_crash(files, f"{type(exc).__name__}: {exc}"[:2000])
        raise AssertionError(f"pipeline failed; input kept in {case}") from exc


# ------------------------------------------------------------------ grammar-aware


def _generated(tmp_path: Path, files: dict[str, str]) -> None:
    encoded = {k: v.encode("utf-8", "surrogatepass") for k, v in files.items()}
    check_project(tmp_path / "gen", encoded, docs=False, dialects=FAST)


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=project())
def test_generated_projects(tmp_path: Path, files: dict[str, str]) -> None:
    _generated(tmp_path, files)


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=project())
def test_generated_projects_many(tmp_path: Path, files: dict[str, str]) -> None:
    _generated(tmp_path, files)


@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=project())
def test_generated_projects_with_docs_and_diff(tmp_path: Path, files: dict[str, str]) -> None:
    encoded = {k: v.encode("utf-8", "surrogatepass") for k, v in files.items()}
    check_project(tmp_path / "gen", encoded, dialects=FAST, baseline=EXAMPLES / "shop")


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=valid_project())
def test_valid_projects_every_dialect(tmp_path: Path, files: dict[str, str]) -> None:
    """Projects without errors: SQL for all dialects (fused too), docs and diff."""
    encoded = {k: v.encode("utf-8") for k, v in files.items()}
    loaded = check_project(tmp_path / "gen", encoded, docs=False)
    assert not loaded.diagnostics.has_errors, [d.message for d in loaded.diagnostics]


@pytest.mark.slow
@settings(max_examples=400, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=valid_project())
def test_valid_projects_many(tmp_path: Path, files: dict[str, str]) -> None:
    encoded = {k: v.encode("utf-8") for k, v in files.items()}
    check_project(tmp_path / "gen", encoded, baseline=EXAMPLES / "shop")


@cache
def _grammar() -> Lark:
    return Lark(grammar_text(), parser="lalr", lexer="contextual", keep_all_tokens=True)


def _from_grammar(tmp_path: Path, text: str) -> None:
    encoded = {"a.osm": text.encode("utf-8", "surrogatepass")}
    check_project(tmp_path / "lark", encoded, docs=False, dialects=FAST)


@settings(max_examples=100, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_grammar_derived_strings(tmp_path: Path, data: st.DataObject) -> None:
    """Strings derived from grammar/osm.lark itself (hypothesis' from_lark)."""
    _from_grammar(tmp_path, data.draw(from_lark(_grammar(), start="start")))


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_grammar_derived_strings_many(tmp_path: Path, data: st.DataObject) -> None:
    _from_grammar(tmp_path, data.draw(from_lark(_grammar(), start="start")))


# ------------------------------------------------------------------ byte-level mutation

BYTES = (b"\x00", b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\r", b"\r\n", b"\x0c", b"\\", b"'",
         b'"', b"#", b"{", b"}", b"(", b")", b"->", b"\xe4\xb8\xad", b"\xe2\x80\x99", b"\n\n")


def mutate(data: bytes, rng: random.Random, donors: list[bytes]) -> bytes:
    """One byte-level edit: flip, insert, delete, duplicate, splice or truncate."""
    i = rng.randrange(len(data) + 1)
    j = min(len(data), i + rng.choice((1, 2, 8, 64)))
    match rng.randrange(7):
        case 0 if i < len(data):
            return data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1:]
        case 1:
            return data[:i] + rng.choice(BYTES) + data[i:]
        case 2:
            return data[:i] + data[j:]
        case 3:
            return data[:j] + data[i:j] + data[j:]
        case 4:
            donor = rng.choice(donors)
            k = rng.randrange(len(donor) + 1)
            return data[:i] + donor[k:k + rng.choice((5, 40, 300))] + data[i:]
        case 5:
            return data[:i]
        case _:
            return data[:i] + bytes([rng.randrange(256)]) + data[i:]


def mutants(seed: int, count: int) -> list[tuple[str, dict[str, bytes]]]:
    """``count`` projects: an example project or one test case file, mutated 1-4 times."""
    rng = random.Random(seed)
    donors = [p.read_bytes() for p in SEEDS]
    bases: list[tuple[str, dict[str, bytes]]] = [
        (name, {p.relative_to(EXAMPLES / name).as_posix(): p.read_bytes()
                for p in sorted((EXAMPLES / name).rglob("*"))
                if p.suffix == ".osm" or p.name == "metriclang.toml"})
        for name in ("shop", "manufacturer")]
    bases += [(p.relative_to(ROOT).as_posix(), {"case.osm": p.read_bytes()}) for p in SEEDS]
    out = []
    for _ in range(count):
        label, files = rng.choice(bases)
        files = dict(files)
        rel = rng.choice(sorted(files))
        for _ in range(rng.choice((1, 1, 2, 4))):
            files[rel] = mutate(files[rel], rng, donors)
        out.append((f"{label}:{rel}", files))
    return out


def _mutation_run(tmp_path: Path, seed: int, count: int, **options: object) -> None:
    for i, (label, files) in enumerate(mutants(seed, count)):
        try:
            check_project(tmp_path / "m", files, **options)
        except AssertionError as exc:
            raise AssertionError(f"mutant {i} of {label} (seed {seed})") from exc


def test_byte_mutations(tmp_path: Path) -> None:
    _mutation_run(tmp_path, seed=10, count=150, docs=False, dialects=FAST)


def test_byte_mutations_with_docs(tmp_path: Path) -> None:
    _mutation_run(tmp_path, seed=11, count=8, dialects=FAST, baseline=EXAMPLES / "shop")


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
def test_byte_mutations_many(tmp_path: Path, seed: int) -> None:
    _mutation_run(tmp_path, seed=100 + seed, count=500, docs=seed == 0)


# ------------------------------------------------------------------ the real executable

COMMANDS = (
    ["check", "{p}", "--format", "json"], ["check", "{p}", "--format", "sarif"],
    ["sql", "{p}", "repeat_purchase_rate", "--dialect", "snowflake"],
    ["compile", "{p}", "--dialect", "all", "--out", "{o}/sql"],
    ["docs", "{p}", "--out", "{o}/site", "--no-sql"], ["fmt", "--check", "{p}"],
    ["graph", "{p}", "--format", "dot"], ["diff", "{e}", "{p}", "--format", "json"],
)


@pytest.mark.parametrize("seed", range(3))
def test_mutants_through_osm(tmp_path: Path, seed: int) -> None:
    """The executable exits 0 or 1 (2 only for usage), never with a Python traceback."""
    label, files = mutants(1000 + seed, 1)[0]
    if label.startswith("tests/"):
        label, files = "shop", {p.name: mutate(p.read_bytes(), random.Random(seed), [b""])
                                for p in sorted((EXAMPLES / "shop").glob("*.osm"))}
    root = tmp_path / "p"
    root.mkdir()
    for rel, data in files.items():
        (root / rel).write_bytes(data)
    env = dict(os.environ, METRICLANG_NO_CACHE="1", NO_COLOR="1")
    for command in COMMANDS:
        args = [a.format(p=root, o=tmp_path, e=EXAMPLES / "shop") for a in command]
        done = subprocess.run([sys.executable, "-m", "metriclang.cli", *args], cwd=tmp_path,
                              capture_output=True, text=True, env=env, timeout=300)
        assert "Traceback" not in done.stderr + done.stdout, (args, done.stderr[-3000:])
        allowed = (0, 1, 2) if command[0] == "sql" else (0, 1)  # sql: unknown measure is usage
        assert done.returncode in allowed, (args, done.returncode, done.stderr[-2000:])


# ------------------------------------------------------------------ settings and URLs

#: In-process commands (click's runner: the same code path as ``osm``) for config fuzzing.
CONFIG_COMMANDS = (["check", "{p}"], ["sql", "{p}", "monthly_revenue"], ["graph", "{p}"],
                   ["run", "{p}", "monthly_revenue"], ["run", "{p}", "monthly_revenue",
                                                       "--db", "{u}"],
                   ["verify", "{p}", "--db", "{u}"],
                   ["diff", "{e}", "{p}", "--run", "--db", "{u}"])


def _no_traceback_with(tmp_path: Path, toml: str, url: str) -> None:
    """Every command on the shop specs with this metriclang.toml and --db URL: exit 0, 1 or 2,
    no exception, and the URL's secret never printed."""
    from click.testing import CliRunner

    root = tmp_path / "cfg"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(EXAMPLES / "shop", root, ignore=shutil.ignore_patterns("*.duckdb", "data"))
    # the TOML escapes undone, as a shell would pass the URL
    raw = url.encode("utf-8").decode("unicode_escape")
    runner = CliRunner(env={"OSM_DB_URL": "", "X": "x"})
    # the generated settings, then settings without errors, so that commands reach the URL
    for text in (toml, f'[project]\nwarehouse = "{url}"\n'):
        (root / "metriclang.toml").write_text(text, encoding="utf-8")
        for command in CONFIG_COMMANDS:
            _one_command(runner, [a.format(p=root, u=raw, e=EXAMPLES / "shop")
                                  for a in command], text)


def _one_command(runner: CliRunner, args: list[str], toml: str) -> None:
    from metriclang.cli import main

    result = runner.invoke(main, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        case = keep_crash({"metriclang.toml": toml.encode()}, f"{args}: "
                          f"{type(result.exception).__name__}: {result.exception}"[:2000])
        raise AssertionError(f"{args} raised; input kept in {case}") from result.exception
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.stderr)
    shown = result.stdout + result.stderr
    assert SECRET_MARK.lower() not in shown.lower(), (args, shown[-2000:])


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(toml=config(), url=db_url())
def test_config_types_and_urls(tmp_path: Path, toml: str, url: str) -> None:
    _no_traceback_with(tmp_path, toml, url)


@pytest.mark.slow
@settings(max_examples=500, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(toml=config(), url=db_url())
def test_config_types_and_urls_many(tmp_path: Path, toml: str, url: str) -> None:
    _no_traceback_with(tmp_path, toml, url)
