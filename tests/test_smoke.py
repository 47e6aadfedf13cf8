"""The example projects check clean through the public API."""

from __future__ import annotations

import pytest

from metriclang import check
from tests.conftest import EXAMPLES


@pytest.mark.parametrize("name", ["shop", "manufacturer"])
def test_example_checks_clean(name: str) -> None:
    loaded = check(EXAMPLES / name)
    assert [d.code for d in loaded.diagnostics if d.severity.value == "error"] == []
    assert len(loaded.project.measures) >= 8
