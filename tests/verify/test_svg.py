"""The link chart with gaps: a period without a value has no point, the line spans it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import numpy as np

from metriclang.source import Span
from metriclang.verify.result import LinkResult
from metriclang.verify.series import Pair
from metriclang.verify.svg import link_chart


def test_a_gap_has_no_point() -> None:
    weeks = tuple(date(2026, 1, 5) + timedelta(weeks=i) for i in range(5))
    pair = Pair("week", weeks, np.array([1.0, np.nan, 3.0, 2.0, 1.0]),
                np.array([0.0, 1.0, np.nan, 1.0, 0.0]))
    link = LinkResult("a", "b", "week", 1, "1 week", "positive", "weak", 5,
                      Span("m.osm", 1, 1, 1, 2), pair=pair)
    lines = ET.fromstring(link_chart(link)).findall("{http://www.w3.org/2000/svg}polyline")
    target, driver = (line.get("points", "").split() for line in lines)
    # target: 4 of 5 periods, x = 6 + i * 77 (width 308 over 4 steps); y from 0..1 scaled
    assert target == ["6.0,102.0", "83.0,22.0", "237.0,22.0", "314.0,102.0"]
    # driver shifted by one period, its last value not drawn, its gap skipped: 3 points
    assert [p.split(",")[0] for p in driver] == ["83.0", "237.0", "314.0"]
