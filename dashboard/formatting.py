"""How figures and labels read on every page: percents, points, counts, minutes, dates, intervals.

One place for number formatting, so that "78.3%", "+2.1 points" and "no data" look the same on
every page, table and chart summary. Pure functions of values: no Dash, no layout.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime

import pandas as pd

from core.units import in_unit

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


def _distinct_digits(low: float, high: float, digits: int, scale: float, most: int = 3) -> int:
    """The fewest decimals, from ``digits`` up to ``most``, at which two different ends of an interval
    print differently, so that an interval never reads "80%–80%"."""
    if low == high:
        return digits
    while digits < most and f"{low * scale:.{digits}f}" == f"{high * scale:.{digits}f}":
        digits += 1
    return digits


def fmt_interval(low: object, high: object, digits: int = 0) -> str:
    """A 95% interval of shares: "77%–80%" (``digits`` decimals at least: 1 gives "90.2%–90.4%").

    When the two ends would print alike, decimals are added (up to three) until they differ:
    0.7996–0.8004 reads "79.96%–80.04%", never "80%–80%"."""
    if is_missing(low) or is_missing(high):
        return NO_DATA
    shown = _distinct_digits(float(low), float(high), digits, 100)
    return f"{fmt_percent(low, shown)}–{fmt_percent(high, shown)}"


def fmt_mean(value: object) -> str:
    """A mean answer on the 1-5 scale with two decimals, as performance.gov prints it: "4.52"."""
    return fmt_number(value, 2)


def fmt_mean_interval(low: object, high: object) -> str:
    """A 95% interval of a mean answer: "4.51–4.52" (more decimals when two decimals would not differ)."""
    if is_missing(low) or is_missing(high):
        return NO_DATA
    shown = _distinct_digits(float(low), float(high), 2, 1, most=4)
    return f"{fmt_number(low, shown)}–{fmt_number(high, shown)}"


def fmt_p_value(p: object) -> str:
    """A p-value as people read it: "p < 0.001" below a thousandth, else "p = 0.034" (never "p = 0.000")."""
    if is_missing(p):
        return "no test"
    value = float(p)
    return "p < 0.001" if value < 0.0005 or f"{value:.3f}" == "0.000" else f"p = {value:.3f}"


def plural(count: object, singular: str, plural_form: str | None = None) -> str:
    """A count with its noun agreeing: "1 service", "2 services", "0 services", "1,204 answers"
    (``plural_form`` for irregular nouns: plural(2, "agency", "agencies"))."""
    many = plural_form or f"{singular}s"
    if is_missing(count):
        return f"{NO_DATA} ({many})"
    number = float(count)
    word = singular if abs(number) == 1 else many
    return f"{fmt_number(number, 0 if number == int(number) else 1)} {word}"


def fmt_count_change(change: object, singular: str, plural_form: str | None = None) -> str:
    """A change in a count in words, never a signed noun: "1 service more", "2 services fewer",
    "no change in the number of services" (instead of "−1 services")."""
    many = plural_form or f"{singular}s"
    if is_missing(change):
        return NO_DATA
    number = round(float(change))
    if number == 0:
        return f"no change in the number of {many}"
    return f"{plural(abs(number), singular, plural_form)} {'more' if number > 0 else 'fewer'}"


def fmt_when(value: object, *, missing: str = "not yet") -> str:
    """A date where a missing one means "has not happened": "September 30, 2024", or "not yet"
    (so a label such as "Done on:" never reads "Done on: no data")."""
    return missing if is_missing(value) else fmt_date(value)


#: How a duration unit reads after a number (singular, plural).
_UNIT_WORDS: dict[str, tuple[str, str]] = {
    "seconds": ("second", "seconds"), "minutes": ("minute", "minutes"), "hours": ("hour", "hours"),
    "days": ("day", "days"), "weeks": ("week", "weeks"), "business_days": ("business day", "business days"),
}


def unit_label(unit: str | None) -> str:
    """The words for a unit in a column header: "days", "business days", "%", "US dollars"."""
    if unit in _UNIT_WORDS:
        return _UNIT_WORDS[unit][1]
    return {"share": "%", "percent": "%", "usd": "US dollars", "count": "count", "index": "index (0–100)",
            "scale_1_5": "mean on the 1–5 scale"}.get(unit or "", unit or "")


def fmt_in_unit(value: object, unit: str | None, display_unit: str | None = None, *,
                with_unit: bool = True) -> str:
    """A figure stored in ``unit`` shown in ``display_unit`` (data/metrics.yaml), always in that one
    unit so a column never mixes "42.1 minutes" and "84.1 days": 121,000 minutes in days ->
    "84.0 days". ``with_unit=False`` prints the number alone, for a column whose header names the
    unit. Without a display unit (or across unit families) it falls back to ``fmt_value``."""
    if is_missing(value):
        return NO_DATA
    shown = display_unit or unit
    converted = in_unit(float(value), unit, shown) if unit and shown else None
    if converted is None:
        return fmt_value(value, unit)
    if shown in ("share", "percent"):
        number = f"{converted * (100 if shown == 'share' else 1):,.1f}"
        return f"{number}%" if with_unit else number
    # one decimal; a figure under 1 keeps two significant figures ("0.042 days", never "0.0 days")
    decimals = 1 if converted == 0 or abs(converted) >= 1 else (2 if abs(converted) >= 0.1 else 3)
    number = f"{converted:,.{decimals}f}"
    if not with_unit:
        return number
    if shown in _UNIT_WORDS:  # a figure with a decimal takes the plural: "1.0 days"
        return f"{number} {_UNIT_WORDS[shown][1]}"
    if shown == "usd":
        return f"${converted:,.2f}"
    return number


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
    if unit in ("days", "business_days", "hours", "weeks", "seconds"):
        return f"{float(value):,.1f} {unit.replace('_', ' ')}"
    return fmt_decimal(value)


class UpdatedText(str):
    """A "last updated" text that keeps the frames it was read from (``frames``), so that a chart's
    "Last updated" line can also name the loads and the source behind them
    (``dashboard.provenance_block``)."""

    frames: tuple[pd.DataFrame, ...] = ()


def last_updated_text(*sources: object) -> str | None:
    """"November 26, 2026, 10:44" for the newest load behind the figures shown (an ``UpdatedText``
    carrying the frames among ``sources``).

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
    text = UpdatedText(f"{fmt_date(newest)}, {newest.strftime('%H:%M')}")
    text.frames = tuple(s for s in sources if isinstance(s, pd.DataFrame))
    return text


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


def fmt_gap(value: object, unit: str | None, points: str = "percentage points") -> str:
    """A gap or change in its unit: "−18.8 points" (for `points`, the unit of a gap between shares),
    "+3.2 hours"."""
    if is_missing(value):
        return NO_DATA
    if unit == points:
        return f"{fmt_signed(value)} points"
    number = float(value)
    sign = "+" if number > 0 else ("−" if number < 0 else "")
    return f"{sign}{fmt_value(abs(number), unit)}"

