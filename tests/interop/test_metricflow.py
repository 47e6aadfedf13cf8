"""``osm export --to metricflow`` and ``osm import --from metricflow``: the export passes
dbt-semantic-interfaces' own parser and validator, and importing it gives back the same
project under ``osm diff --fail-on any``, for both examples and the test corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from metriclang.cli import main
from tests.conftest import EXAMPLES, golden
from tests.interop.conftest import run_tool

CORPUS = Path(__file__).parent / "corpus"
GOLDENS = Path(__file__).parent / "goldens"
PROJECTS = {"shop": EXAMPLES / "shop", "manufacturer": EXAMPLES / "manufacturer",
            "edges": CORPUS / "edges"}
#: The only losses of the corpus, each documented in docs/interop.md.
LOSSES = {"shop": ["measures.osm:69:11: lost: measure checkout_conversion: MetricFlow pairs "
                   "each conversion with the latest opportunity before it, .osm each entity's "
                   "first event in the period with any conversion after it: the rates can "
                   "differ"],
          "manufacturer": [],
          "edges": ["edges.osm:58:3: lost: measure mobile_share_7d: MetricFlow windows and "
                    "running totals apply to one measure only; kept under "
                    "config.meta.metriclang"]}


def osm(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def lost(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ": lost: " in line]


@pytest.fixture(scope="module", params=sorted(PROJECTS))
def exported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[str, Path, str]:
    name = request.param
    out = tmp_path_factory.mktemp(name) / "metricflow"
    code, stdout, stderr = osm("export", str(PROJECTS[name]), "--to", "metricflow",
                               "--out", str(out))
    assert code == 0, stderr
    assert stdout == f"wrote 4 files to {out}\n"
    return name, out, stderr


def test_export_passes_dbt_semantic_interfaces(exported: tuple[str, Path, str],
                                               interop_python: Path) -> None:
    name, out, _ = exported
    checked = run_tool(interop_python, "dsi_validate.py", str(out))
    assert checked["parse_issues"] == [] and checked["errors"] == []
    from metriclang.load import load_project

    measures = set(load_project(PROJECTS[name]).project.measures)
    assert measures <= set(checked["metrics"])  # type: ignore[arg-type]
    assert set(checked["saved_queries"]) == measures  # type: ignore[arg-type]


def test_round_trip_is_the_same_project(exported: tuple[str, Path, str],
                                        tmp_path: Path) -> None:
    name, out, stderr = exported
    assert lost(stderr) == LOSSES[name]
    back = tmp_path / "back"
    code, _, err = osm("import", str(out), "--from", "metricflow", "--out", str(back))
    assert code == 0 and lost(err) == [], err
    code, stdout, _ = osm("diff", str(PROJECTS[name]), str(back), "--fail-on", "any")
    assert (code, stdout.splitlines()[-1]) == (0, "no change in meaning"), stdout
    for file in back.glob("*.osm"):  # canonical: the formatter has nothing to change
        assert osm("fmt", "--check", str(file))[0] == 0


def test_the_round_trip_check_sees_a_change(tmp_path: Path) -> None:
    """The diff above is not blind: an imported formula edited by hand is a change."""
    out, back = tmp_path / "mf", tmp_path / "back"
    osm("export", str(EXAMPLES / "shop"), "--to", "metricflow", "--out", str(out))
    text = (out / "metrics.yml").read_text(encoding="utf-8")
    (out / "metrics.yml").write_text(text.replace("= 'paid'", "= 'open'", 1),
                                     encoding="utf-8")
    osm("import", str(out), "--from", "metricflow", "--out", str(back))
    code, stdout, _ = osm("diff", str(EXAMPLES / "shop"), str(back), "--fail-on", "any")
    assert code == 1 and "formula" in stdout


def test_golden_shop_export(tmp_path: Path, update_goldens: bool) -> None:
    out = tmp_path / "mf"
    osm("export", str(EXAMPLES / "shop"), "--to", "metricflow", "--out", str(out))
    for file in sorted(out.glob("*.yml")):
        golden(GOLDENS / "shop.metricflow" / file.name, file.read_text(encoding="utf-8"),
               update_goldens)
    manifest = json.loads((out / ".osm-manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == sorted(f.name for f in out.glob("*.yml"))


def test_strict_writes_nothing_when_something_is_lost(tmp_path: Path) -> None:
    out = tmp_path / "mf"
    code, _, stderr = osm("export", str(CORPUS / "edges"), "--to", "metricflow", "--out",
                          str(out), "--strict")
    assert code == 1 and lost(stderr) == LOSSES["edges"] and not out.exists()
    code, _, _ = osm("export", str(EXAMPLES / "manufacturer"), "--to", "metricflow", "--out",
                     str(out), "--strict")
    assert code == 0 and (out / "metrics.yml").exists()


def test_output_directory_of_someone_else_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep", encoding="utf-8")
    code, _, stderr = osm("export", str(EXAMPLES / "shop"), "--to", "metricflow", "--out",
                          str(out))
    assert code == 2 and "not the previous output of `osm export`" in stderr
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_export_again_replaces_its_own_output(tmp_path: Path) -> None:
    out = tmp_path / "mf"
    for project in ("manufacturer", "shop"):
        assert osm("export", str(EXAMPLES / project), "--to", "metricflow", "--out",
                   str(out))[0] == 0
    assert "monthly_revenue" in (out / "metrics.yml").read_text(encoding="utf-8")


@pytest.mark.parametrize("to", ["metricflow", "osi", "cube"])
def test_a_project_with_errors_is_not_exported(to: str, tmp_path: Path) -> None:
    (tmp_path / "a.osm").write_text("measure m { formula count(nope) }\n", encoding="utf-8")
    code, _, stderr = osm("export", str(tmp_path), "--to", to, "--out", str(tmp_path / "out"))
    assert code == 1 and "a.osm:1:27: error[E110]" in stderr
    assert not (tmp_path / "out").exists()
