"""The test suite's own rules, from its source: one engine harness, one golden folder name,
no silent skips, no timing assertions, no private memos of the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

TESTS = ROOT / "tests"
HARNESS = TESTS / "harness.py"
SOURCES = sorted(p for p in TESTS.rglob("*.py") if "data" not in p.relative_to(TESTS).parts[:1])

#: (what is forbidden, pattern, where it is allowed)
RULES = [
    ("start PostgreSQL outside the harness", re.compile(r"\bpgserver\.get_server\b"), {HARNESS}),
    ("start Spark outside the harness", re.compile(r"\bSparkSession\b"), {HARNESS}),
    ("a silent importorskip (use tests.conftest.import_or_skip)",
     re.compile(r"\bpytest\.importorskip\("), set()),
    ("a silent skip (use tests.conftest.skip_or_fail)", re.compile(r"\bpytest\.skip\("),
     {TESTS / "conftest.py"}),
    ("a speed assertion (timings belong in bench/)",
     re.compile(r"speedup|perf_counter|time\.time\("), set()),
    ("a private memo of the code", re.compile(r"\._MEMO\b|\.cache_clear\(|\._cache\b"), set()),
]


@pytest.mark.parametrize(("what", "pattern", "allowed"), RULES, ids=[r[0] for r in RULES])
def test_no_test_breaks_the_rule(what: str, pattern: re.Pattern[str], allowed: set[Path]
                                 ) -> None:
    found = [f"{path.relative_to(ROOT)}:{n}" for path in SOURCES if path not in allowed
             for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
             if pattern.search(line) and path != Path(__file__)]
    assert found == [], f"{what}: {found}"


def test_one_golden_folder_name() -> None:
    assert sorted(p.relative_to(ROOT).as_posix() for p in TESTS.rglob("golden")) == []
    assert len(list(TESTS.rglob("goldens"))) >= 5
