"""How figures and labels read on every page: percents, points, counts, minutes, dates, intervals.

One place for number formatting, so that "78.3%", "+2.1 points" and "no data" look the same on
every page, table and chart summary. Pure functions of values: no Dash, no layout.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime

import pandas as pd

NO_DATA = "no data"


def is_missing(value: object) -> bool:
    """None, NaN, NaT and pandas NA are all "no data"."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_percent(value: object, digits: int = 0) -> str:
    """A share 0-1 as a percent: 0.783 -> "78%" (``digits`` decimals)."""
    if is_missing(value):
        return NO_DATA
    return f"{float(value) * 100:.{digits}f}%"


def fmt_percent1(value: object) -> str:
    """A share as a percent with one decimal: 0.7834 -> "78.3%"."""
    return fmt_percent(value, 1)


def fmt_points(value: object, digits: int = 1) -> str:
    """A change in a share as signed percentage points: 0.021 -> "+2.1 points"."""
    if is_missing(value):
        return NO_DATA
    points = round(float(value) * 100, digits)  # the sign of what is printed: never "−0.0"
    sign = "+" if points > 0 else ("−" if points < 0 else "")
    return f"{sign}{abs(points):.{digits}f} points"


def fmt_number(value: object, digits: int = 0) -> str:
    """A count or figure with thousands separators: 12345 -> "12,345"."""
    if is_missing(value):
        return NO_DATA
    return f"{float(value):,.{digits}f}"


def fmt_decimal(value: object) -> str:
    """A figure with one decimal: 76.43 -> "76.4"."""
    return fmt_number(value, 1)


def fmt_signed(value: object, digits: int = 1) -> str:
    """A signed difference: 2.43 -> "+2.4", -1.2 -> "−1.2"."""
    if is_missing(value):
        return NO_DATA
    number = round(float(value), digits)  # the sign of what is printed: never "−0.0"
    sign = "+" if number > 0 else ("−" if number < 0 else "")
    return f"{sign}{abs(number):,.{digits}f}"


def fmt_minutes(value: object) -> str:
    """A duration in minutes in the unit people read best: "4.6 minutes", "3.2 hours", "12.5 days"."""
    if is_missing(value):
        return NO_DATA
    minutes = float(value)
    if abs(minutes) < 120:
        return f"{minutes:,.1f} minutes"
    if abs(minutes) < 48 * 60:
        return f"{minutes / 60:,.1f} hours"
    return f"{minutes / 1440:,.1f} days"


def fmt_date(value: object) -> str:
    """A date as "September 30, 2024"."""
    if is_missing(value):
        return NO_DATA
    stamp = pd.Timestamp(value)
    return f"{stamp.strftime('%B')} {stamp.day}, {stamp.year}"

def fmt_interval(low: object, high: object, digits: int = 0) -> str:
    """A 95% interval of shares: "77%–80%" (``digits`` decimals: 1 gives "90.2%–90.4%")."""
    if is_missing(low) or is_missing(high):
        return NO_DATA
    return f"{fmt_percent(low, digits)}–{fmt_percent(high, digits)}"


def fmt_mean(value: object) -> str:
    """A mean answer on the 1-5 scale with two decimals, as performance.gov prints it: "4.52"."""
    return fmt_number(value, 2)


def fmt_mean_interval(low: object, high: object) -> str:
    """A 95% interval of a mean answer: "4.51–4.52"."""
    if is_missing(low) or is_missing(high):
        return NO_DATA
    return f"{fmt_mean(low)}–{fmt_mean(high)}"


def fmt_value(value: object, unit: str | None) -> str:
    """A metric value in its catalogue unit (minutes, share, usd, count, ...)."""
    if is_missing(value):
        return NO_DATA
    if unit == "minutes":
        return fmt_minutes(value)
    if unit in ("share", "percent"):
        return fmt_percent1(value)
    if unit == "usd":
        return f"${float(value):,.2f}"
    if unit == "days":
        return f"{float(value):,.1f} days"
    return fmt_decimal(value)


def last_updated_text(*sources: object) -> str | None:
    """"November 26, 2026, 10:44" for the newest load behind the figures shown.

    Each source is a frame (its ``last_loaded`` column), a Series, or a single timestamp/date."""
    stamps: list[pd.Timestamp] = []
    for source in sources:
        if isinstance(source, pd.DataFrame):
            values: Iterable[object] = source.get("last_loaded", [])
        elif isinstance(source, pd.Series):
            values = source
        else:
            values = [source]
        for value in values:
            if not is_missing(value):
                stamps.append(pd.Timestamp(value))
    if not stamps:
        return None
    newest = max(stamps)
    return f"{fmt_date(newest)}, {newest.strftime('%H:%M')}"


def as_date(value: object) -> date | None:
    """A date from a date, datetime or text; None when missing."""
    if is_missing(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def finite(value: object) -> bool:
    """A number that is not missing or infinite."""
    return not is_missing(value) and math.isfinite(float(value))
