"""Whether a GPRA indicator met its target: one pure rule, used for APR files and declared goals.

Decided when read, not stored, so a change of rule needs no reload. Status is one of `met`,
`not met`, `no data` (no actual yet, whatever the rule) or `no rule` (an actual, but no direction or
no target to judge it by): a blank direction is never guessed.
"""

from __future__ import annotations

import math
import os

import pandas as pd

from metrics.db import reader

MET, NOT_MET, NO_DATA, NO_RULE = "met", "not met", "no data", "no rule"
DIRECTIONS = ("increase", "decrease", "range")
# Targets and actuals are published with a few decimals; equal within this counts as equal.
EPSILON = 1e-9

GOAL_COLUMNS = ["agency", "goal", "indicator", "fiscal_year", "target", "actual", "min_target", "max_target",
                "direction", "status", "synthetic"]


def _value(x: object) -> float | None:
    if x is None:
        return None
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def gpra_status(target: float | None, actual: float | None, min_target: float | None,
                max_target: float | None, direction: str | None) -> str:
    """`met`, `not met`, `no data` or `no rule` for one indicator-year.

    direction: 'increase' (actual >= target), 'decrease' (actual <= target), 'range'
    (min_target <= actual <= max_target) or None (no rule). NaN counts as missing.
    """
    if isinstance(direction, str):
        direction = direction.strip().lower() or None
    if direction is not None and direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}; use one of {', '.join(DIRECTIONS)} or None")
    target, actual = _value(target), _value(actual)
    low, high = _value(min_target), _value(max_target)
    if actual is None:  # nothing to judge, whatever the rule: "no rule" is for an actual without one
        return NO_DATA
    if direction is None:
        return NO_RULE
    if direction == "range" and (low is None or high is None):
        return NO_RULE
    if direction != "range" and target is None:
        return NO_RULE
    if direction == "increase":
        met = actual >= target - EPSILON
    elif direction == "decrease":
        met = actual <= target + EPSILON
    else:
        met = low - EPSILON <= actual <= high + EPSILON
    return MET if met else NOT_MET


def goal_status(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per GPRA indicator and fiscal year, with its status."""
    frame = reader(db).df(
        "SELECT g.agency, g.goal, g.indicator, g.fiscal_year, g.target, g.actual, g.min_target, g.max_target,"
        " g.direction, l.synthetic FROM gpra_indicators g JOIN loads l USING (load_id)"
        " ORDER BY g.agency NULLS FIRST, g.goal, g.indicator, g.fiscal_year"
    )
    frame["status"] = [
        gpra_status(t, a, lo, hi, d if isinstance(d, str) else None)
        for t, a, lo, hi, d in zip(frame["target"], frame["actual"], frame["min_target"],
                                   frame["max_target"], frame["direction"], strict=True)
    ]
    return frame[GOAL_COLUMNS]
