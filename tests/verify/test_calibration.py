"""The calibration suite of issue 18: verdict rates over seeds on scenarios generated in code
(:mod:`tests.verify.calibration`), through the stats layer (prepare → test → judge).

The bounded run (CI) uses 25 seeds and bounds loosened by 10 points for the rates that must
be high and 4 points for those that must be low (at most 2 of 25 seeds). On the same seeds
the first version fails six of them (measured: shared annual season supported 24%, same-week
common cause supported 96%, flow → stock supported 36% and contradicted 12%, target leading
never ``reversed``, monthly 36 periods supported 48%, 10% of weeks without rows supported
0%). The ``slow`` run holds the issue's bounds over 200 seeds: the table docs/verify.md
shows.
"""

from __future__ import annotations

import pytest

from tests.verify.calibration import SCENARIOS, failures, rates


@pytest.mark.parametrize("name", SCENARIOS)
def test_calibration_bounded(name: str) -> None:
    found = rates(SCENARIOS[name][0], range(1000, 1025))
    assert failures(name, found, loose=True) == []
    assert sum(v for k, v in found.items() if not k.startswith("lag ")) == pytest.approx(1.0)


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_calibration_200_seeds(name: str) -> None:
    assert failures(name, rates(SCENARIOS[name][0], range(200))) == []
