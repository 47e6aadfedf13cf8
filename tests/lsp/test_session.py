"""The language server's session: unsaved buffers checked as if saved, only the edited file
parsed again, symbols read from the syntax trees."""

from __future__ import annotations

import shutil
from pathlib import Path

from metriclang.load import check
from metriclang.lsp.session import Session
from tests.conftest import EXAMPLES


def shop(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "shop", root, ignore=shutil.ignore_patterns("*.duckdb*"))
    return root


def test_a_buffer_is_checked_as_the_saved_file_would_be(tmp_path: Path) -> None:
    root = shop(tmp_path)
    session = Session(root)
    session.recheck()
    before = {rel: parsed for rel, parsed in session.parses.items()}
    text = (root / "measures.osm").read_text("utf-8")
    session.edits["measures.osm"] = text.replace("drives monthly_revenue lag 1 month",
                                                 "drives monthly_revenu lag 1 month")
    found = session.recheck().diagnostics
    for rel in ("sources.osm", "objectives.osm", "journey.osm"):
        assert session.parses[rel] is before[rel]  # not parsed again
    assert session.parses["measures.osm"] is not before["measures.osm"]
    (root / "measures.osm").write_text(session.edits["measures.osm"], "utf-8")
    saved = check(root).diagnostics
    assert [(d.code, d.span) for d in found] == [(d.code, d.span) for d in saved]
    assert any(d.code == "E111" for d in found)


def test_symbols_of_a_measure_across_files(tmp_path: Path) -> None:
    session = Session(shop(tmp_path))
    uses = session.all_of("measure", "repeat_purchase_rate")
    assert sum(o.declaration for o in uses) == 1
    files = {o.span.file for o in uses}
    assert files == {"measures.osm", "objectives.osm"}
    written = sum((tmp_path / "shop" / f).read_text("utf-8").count("repeat_purchase_rate")
                  for f in files)
    assert len(uses) == written
    at = uses[-1].span
    assert session.at(at.file, at.line, at.column + 3) == uses[-1]
    stage = session.all_of("stage", "shopper.repurchase")
    assert [o.declaration for o in stage].count(True) == 1 and len(stage) >= 2
