"""``api.drivers``: the causal tree upstream of a measure, depth-limited, cycles cut."""

from __future__ import annotations

from pathlib import Path

import pytest

from metriclang import api
from metriclang.errors import UsageError


def test_tree_depth_and_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.osm").write_text(
        "source s { table t time at }\n"
        "measure a { formula count(s) grain month drives b lag 1 month }\n"
        "measure b { formula count(s) grain month drives c effect negative }\n"
        "measure c { formula count(s) grain month drives a lag 2 weeks }\n"
        "measure d { formula count(s) grain month drives c }\n")
    project = api.load(tmp_path)
    tree = api.drivers(project, "c", depth=5)
    assert [(d.measure, d.effect, d.lag) for d in tree] == [
        ("b", "negative", ""), ("d", "positive", "")]
    b = tree[0]
    assert [(d.measure, d.lag) for d in b.drivers] == [("a", "1 month")]
    a = b.drivers[0]
    assert [(d.measure, d.lag, d.drivers) for d in a.drivers] == [("c", "2 weeks", ())]
    assert [d.drivers for d in api.drivers(project, "c", depth=1)] == [(), ()]
    with pytest.raises(UsageError, match="depth must be 1 or more"):
        api.drivers(project, "c", depth=0)
    with pytest.raises(UsageError, match="did you mean `c`"):
        api.drivers(project, "cc")
