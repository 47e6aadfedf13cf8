"""The examples of docs/fmt.md are in the layout they describe."""

from __future__ import annotations

import re

import pytest

from metriclang.fmt import format_text
from tests.conftest import ROOT

EXAMPLES = re.findall(r"```osm\n(.*?)```", (ROOT / "docs" / "fmt.md").read_text("utf-8"), re.S)


@pytest.mark.parametrize("text", [re.sub(r"(?m)^  ", "", t) if t.startswith("  ") else t
                                  for t in EXAMPLES])
def test_guide_examples_are_formatted(text: str) -> None:
    assert format_text(text).text == text
