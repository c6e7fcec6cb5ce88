"""Units a declared threshold may be written in, and how to compare one with another.

Durations convert to minutes, percents to shares; business days stand apart (see `convert`).
"""

from __future__ import annotations

# Threshold units: family and factor into the family's canonical unit.
THRESHOLD_UNITS: dict[str, tuple[str, float]] = {
    "seconds": ("minutes", 1 / 60),
    "minutes": ("minutes", 1.0),
    "hours": ("minutes", 60.0),
    "days": ("minutes", 1440.0),
    "weeks": ("minutes", 10080.0),
    "business_days": ("business_days", 1.0),
    "share": ("share", 1.0),
    "percent": ("share", 0.01),
    "count": ("count", 1.0),
    "index": ("index", 1.0),
    "scale_1_5": ("scale_1_5", 1.0),
    "usd": ("usd", 1.0),
}
BUSINESS_DAYS_PER_CALENDAR_MINUTE = 5 / (7 * 1440)  # a week is five business days


def convert(value: float, unit: str, to_unit: str) -> float | None:
    """`value unit` expressed in `to_unit`, or None when the two cannot be compared.

    Calendar time converts to business days at five business days a week (an approximation the
    methodology page states); business days never convert back to calendar minutes.
    """
    if unit not in THRESHOLD_UNITS:
        return None
    family, factor = THRESHOLD_UNITS[unit]
    base = value * factor
    if to_unit == family:
        return base
    if family == "minutes" and to_unit == "business_days":
        return base * BUSINESS_DAYS_PER_CALENDAR_MINUTE
    return None


def in_unit(value: float, unit: str, to_unit: str) -> float | None:
    """`value unit` in `to_unit` of the same family (minutes -> days, share -> percent); None across
    families. For showing a stored figure in a metric's `display_unit` (data/metrics.yaml)."""
    if unit not in THRESHOLD_UNITS or to_unit not in THRESHOLD_UNITS:
        return None
    family, factor = THRESHOLD_UNITS[unit]
    to_family, to_factor = THRESHOLD_UNITS[to_unit]
    return value * factor / to_factor if family == to_family else None
