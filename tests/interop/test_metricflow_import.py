"""``osm import --from metricflow`` of constructs .osm can't express: each is in the loss
report at its YAML position, the rest is imported; bad YAML is a positioned error."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from metriclang.cli import main
from metriclang.load import load_project

LOSSES = Path(__file__).parent / "corpus" / "mf_losses"


def osm(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_every_loss_is_reported_where_it_was_written(tmp_path: Path) -> None:
    out = tmp_path / "osm"
    code, _, stderr = osm("import", str(LOSSES), "--from", "metricflow", "--out", str(out))
    assert [line.split(": lost: ")[0] + ": " + line.split(": lost: ")[1].split(":")[0]
            for line in stderr.splitlines() if ": lost: " in line] == [
        "metrics.yml:2:5: metric paid_revenue",
        "metrics.yml:9:5: metric revenue_ytd",
        "metrics.yml:15:5: metric revenue_growth",
        "metrics.yml:25:5: metric monthly_paid",
        "metrics.yml:38:5: metric share",
        "metrics.yml:44:5: metric repeat_buyers",
        "metrics.yml:53:5: metric ghost",
        "metrics.yml:58:5: saved_query board",
        "models.yml:31:9: measure shipped_revenue",
        "models.yml:35:9: measure p90_amount"]
    assert "10 constructs could not be expressed in .osm" in stderr
    # What can be expressed is written, and checked: the saved query's group-by names a
    # dimension source the YAML doesn't have, reported at its .osm position.
    assert sorted(load_project(out).project.measures) == ["p90", "paid_revenue", "shipped"]
    assert code == 1 and "measures.osm:10:14: error[E116]" in stderr
    text = (out / "measures.osm").read_text(encoding="utf-8")
    assert "formula sum(orders, amount where status = 'paid')" in text
    assert "grain week" in text and "percentile(orders, amount, 0.9)" in text


def test_strict_import_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "osm"
    code, _, stderr = osm("import", str(LOSSES), "--from", "metricflow", "--out", str(out),
                          "--strict")
    assert code == 1 and "--strict and something was lost" in stderr and not out.exists()


def test_bad_yaml_is_a_positioned_error(tmp_path: Path) -> None:
    (tmp_path / "m.yml").write_text("metrics:\n  - name: a\n    type: [simple\n",
                                    encoding="utf-8")
    code, _, stderr = osm("import", str(tmp_path / "m.yml"), "--from", "metricflow", "--out",
                          str(tmp_path / "out"))
    assert code == 2 and "m.yml:4:1: not valid YAML" in stderr
    assert "Traceback" not in stderr and not (tmp_path / "out").exists()


def test_missing_input_is_a_usage_error(tmp_path: Path) -> None:
    code, _, stderr = osm("import", str(tmp_path / "nope"), "--from", "metricflow", "--out",
                          str(tmp_path / "out"))
    assert code == 2 and "path does not exist" in stderr


def test_a_folder_without_yaml_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notes.txt").write_text("no models here\n", encoding="utf-8")
    for source in ("metricflow", "osi"):
        code, _, stderr = osm("import", str(tmp_path / "in"), "--from", source, "--out",
                              str(tmp_path / "out"))
        assert code == 2 and "no .yml or .yaml file in" in stderr and "nothing to import" in stderr
        assert not (tmp_path / "out").exists()


def test_names_metricflow_rejects_are_losses(tmp_path: Path) -> None:
    (tmp_path / "p.osm").write_text(
        "source Orders { table s.orders time at dimension big__deal = amount > 100 }\n"
        "measure orders_n { formula count(Orders) }\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["export", str(tmp_path), "--to", "metricflow", "--out",
                                       str(tmp_path / "mf")])
    assert [x.split(": lost: ")[1].split(":")[0] for x in result.stderr.splitlines()
            if ": lost: " in x] == ["source Orders", "dimension big__deal"]
