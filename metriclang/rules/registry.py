"""The rules, in run order: an explicit tuple, not an import side effect."""

from __future__ import annotations

from metriclang.rules.base import Rule
from metriclang.rules.causal.c201_drives_cycle import DrivesCycle
from metriclang.rules.causal.c202_no_path_to_lagging import NoPathToLagging
from metriclang.rules.causal.c203_lagging_drives_leading import LaggingDrivesLeading
from metriclang.rules.causal.c204_strategy_without_path import StrategyWithoutPath
from metriclang.rules.causal.c205_sign_conflict import SignConflict
from metriclang.rules.causal.c206_lag_shorter_than_grain import LagShorterThanGrain
from metriclang.rules.causal.c207_chain_after_target_date import ChainAfterTargetDate
from metriclang.rules.structure.s301_objective_without_strategy import ObjectiveWithoutStrategy
from metriclang.rules.structure.s302_strategy_without_leading import StrategyWithoutLeading
from metriclang.rules.structure.s303_unused_measure import UnusedMeasure
from metriclang.rules.structure.s304_measure_without_kind import MeasureWithoutKind
from metriclang.rules.structure.s305_no_customer_perspective import NoCustomerPerspective
from metriclang.rules.structure.s306_share_above_whole import ShareAboveWhole
from metriclang.rules.suppress import UnusedAllow
from metriclang.rules.vanity.v401_cumulative_total import CumulativeTotal
from metriclang.rules.vanity.v402_vanity_count import VanityCount
from metriclang.rules.vanity.v403_no_decision import NoDecision

#: Rules that look at the project, in run order.
RULES: tuple[type[Rule], ...] = (
    DrivesCycle, NoPathToLagging, LaggingDrivesLeading, StrategyWithoutPath, SignConflict,
    LagShorterThanGrain, ChainAfterTargetDate,
    ObjectiveWithoutStrategy, StrategyWithoutLeading, UnusedMeasure, MeasureWithoutKind,
    NoCustomerPerspective, ShareAboveWhole,
    CumulativeTotal, VanityCount, NoDecision,
)
#: Every documented code: the rules and U501, which ``suppress.py`` reports.
DOCUMENTED: tuple[type[Rule], ...] = (*RULES, UnusedAllow)


def by_code(code: str) -> type[Rule] | None:
    """The rule with this code (any case), if there is one."""
    return next((r for r in DOCUMENTED if r.code == code.upper()), None)
