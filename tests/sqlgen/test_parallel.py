"""``osm compile --jobs N``: forked workers render and write dialects; the output is the same."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from metriclang.cli import main
from metriclang.dialects import OUTPUT_DIALECTS
from metriclang.load import load_project
from metriclang.sqlgen import clear_memo, compile_sql
from metriclang.sqlgen.output import BY_COST, compile_project
from tests.conftest import EXAMPLES, ROOT

PROJECTS = [EXAMPLES / "shop", EXAMPLES / "manufacturer", ROOT / "tests" / "sqlgen" / "corpus",
            ROOT / "tests" / "sqlgen" / "joins"]


def compile_cli(project: Path, out: Path, jobs: int) -> tuple[int, str, str]:
    clear_memo()  # forked workers inherit the memo: start each run from scratch
    result = CliRunner().invoke(main, ["compile", str(project), "--dialect", "all", "--fused",
                                       "--jobs", str(jobs), "--out", str(out)])
    return result.exit_code, result.stdout, result.stderr


def tree(root: Path) -> dict[str, bytes]:
    """Every file and directory under ``root`` (directories as ``b""`` with a trailing /)."""
    return {p.relative_to(root).as_posix() + ("/" if p.is_dir() else ""):
            b"" if p.is_dir() else p.read_bytes() for p in sorted(root.rglob("*"))}


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_jobs_1_and_2_write_the_same_bytes(tmp_path: Path, project: Path) -> None:
    out = tmp_path / "sql"
    one = compile_cli(project, out, 1)
    written = tree(out)
    shutil.rmtree(out)
    assert compile_cli(project, out, 2) == one  # exit code, stdout, diagnostics
    assert tree(out) == written
    # what the workers wrote is each measure's compile_sql, in every dialect it can express
    loaded = load_project(project).project
    for dialect in OUTPUT_DIALECTS:
        for name in loaded.measures:
            sql, _ = compile_sql(loaded, name, dialect)
            path = out / dialect / f"{name}.sql"
            assert (path.read_text(encoding="utf-8") if path.exists() else None) == sql


def test_an_error_is_reported_the_same_with_1_and_2_jobs(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(EXAMPLES / "shop", project)
    out = tmp_path / "sql"
    assert compile_cli(project, out, 2)[0] == 0
    before = tree(out)
    (project / "broken.osm").write_text(
        "measure broken { formula conversion(sessions -> orders, within 1 day, by customer) "
        "cumulative }\n", encoding="utf-8")
    code, _, err = compile_cli(project, out, 1)
    assert code == 1 and "error[E183]" in err and f"{out} is unchanged" in err
    assert compile_cli(project, out, 2) == (code, "", err)
    assert tree(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_workers_give_the_same_files_manifest_and_diagnostics() -> None:
    project = load_project(EXAMPLES / "shop").project
    clear_memo()
    two = compile_project(project, OUTPUT_DIALECTS, fused=True, workers=2)
    one = compile_project(project, OUTPUT_DIALECTS, fused=True, workers=1)
    assert one.files == two.files and one.manifest == two.manifest
    assert one.diagnostics == two.diagnostics
    assert len(one.files) > 100  # every measure in every dialect it can express, plus fused
    assert {d.code for d in one.diagnostics} == {"W182"}  # dialect limits only


def test_every_dialect_has_a_place_in_the_work_order() -> None:
    assert sorted(BY_COST) == sorted(OUTPUT_DIALECTS)
