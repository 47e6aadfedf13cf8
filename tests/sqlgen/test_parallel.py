"""``compile_project`` renders dialects in worker processes for large projects: same output."""

from __future__ import annotations

from metriclang.dialects import OUTPUT_DIALECTS
from metriclang.load import load_project
from metriclang.sqlgen import clear_memo
from metriclang.sqlgen.output import compile_project
from tests.conftest import EXAMPLES


def test_workers_give_the_same_files_manifest_and_diagnostics() -> None:
    project = load_project(EXAMPLES / "shop").project
    clear_memo()  # the workers render from scratch (they inherit the parent's memo)
    two = compile_project(project, OUTPUT_DIALECTS, fused=True, workers=2)
    one = compile_project(project, OUTPUT_DIALECTS, fused=True, workers=1)
    assert one.files == two.files and one.manifest == two.manifest
    assert [d.code for d in one.diagnostics] == [d.code for d in two.diagnostics]
    assert len(one.files) > 100  # every measure in every dialect it can express, plus fused
    assert {d.code for d in one.diagnostics} == {"W182"}  # dialect limits only
