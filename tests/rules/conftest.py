"""Rule tests run in re-raise mode: a crashing rule fails the test instead of becoming X001."""

from __future__ import annotations

import pytest

from metriclang.rules import RERAISE_ENV


@pytest.fixture(autouse=True)
def _reraise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RERAISE_ENV, "1")
