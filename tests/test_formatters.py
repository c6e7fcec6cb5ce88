"""Signed formatters print the sign of the number they show: a change that rounds to zero is "0.0"."""

from __future__ import annotations

import pytest

from dashboard.components import fmt_points, fmt_signed
from dashboard.formatting import (
    fmt_count_change,
    fmt_in_unit,
    fmt_interval,
    fmt_mean_interval,
    fmt_p_value,
    fmt_when,
    plural,
    unit_label,
)


@pytest.mark.parametrize(("share_change", "text"), [
    (0.021, "+2.1 points"), (-0.0126, "−1.3 points"), (-0.0004, "0.0 points"), (0.0004, "0.0 points"),
    (0.0, "0.0 points"),
])
def test_fmt_points(share_change: float, text: str) -> None:
    assert fmt_points(share_change) == text


@pytest.mark.parametrize(("difference", "text"), [
    (2.43, "+2.4"), (-1.26, "−1.3"), (-0.04, "0.0"), (1234.5, "+1,234.5"),
])
def test_fmt_signed(difference: float, text: str) -> None:
    assert fmt_signed(difference) == text


# --- intervals: enough decimals that the two ends never read alike (worked by hand) ---------------

@pytest.mark.parametrize(("low", "high", "digits", "text"), [
    (0.77, 0.80, 0, "77%–80%"),              # whole percents already differ
    (0.7996, 0.8004, 0, "79.96%–80.04%"),    # 80% and 80% at 0 and at 1 decimal ("80.0%"), differ at 2
    (0.7981, 0.8012, 0, "79.8%–80.1%"),      # 80%–80% at 0 decimals; 79.8 and 80.1 at 1
    (0.9021, 0.9042, 1, "90.2%–90.4%"),      # the published VHA interval, 1 decimal asked and enough
    (0.5, 0.5, 0, "50%–50%"),                # a degenerate interval stays as it is
    (0.800001, 0.800002, 0, "80.000%–80.000%"),  # at most three decimals
])
def test_fmt_interval_never_reads_two_equal_ends(low: float, high: float, digits: int, text: str) -> None:
    assert fmt_interval(low, high, digits) == text


def test_fmt_interval_missing_end_is_no_data() -> None:
    assert fmt_interval(None, 0.8) == "no data"


def test_fmt_mean_interval_adds_decimals() -> None:
    assert fmt_mean_interval(4.511, 4.524) == "4.51–4.52"
    assert fmt_mean_interval(4.5161, 4.5164) == "4.5161–4.5164"  # 4.52 / 4.516 both alike; 4 decimals differ


# --- p-values ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("p", "text"), [
    (0.0, "p < 0.001"), (0.00004, "p < 0.001"), (0.0004, "p < 0.001"),  # would print "p = 0.000"
    (0.0005, "p = 0.001"), (0.034, "p = 0.034"), (0.575, "p = 0.575"), (None, "no test"),
])
def test_fmt_p_value(p: float | None, text: str) -> None:
    assert fmt_p_value(p) == text


# --- plurals and counts ----------------------------------------------------------------------------

@pytest.mark.parametrize(("count", "args", "text"), [
    (1, ("service",), "1 service"), (0, ("service",), "0 services"), (2, ("service",), "2 services"),
    (1204, ("answer",), "1,204 answers"), (1, ("agency", "agencies"), "1 agency"),
    (3, ("agency", "agencies"), "3 agencies"), (-1, ("service",), "-1 service"),
])
def test_plural(count: int, args: tuple[str, ...], text: str) -> None:
    assert plural(count, *args) == text


@pytest.mark.parametrize(("change", "text"), [
    (-1, "1 service fewer"), (1, "1 service more"), (-3, "3 services fewer"), (2.0, "2 services more"),
    (0, "no change in the number of services"), (None, "no data"),
])
def test_fmt_count_change_never_signs_a_noun(change: float | None, text: str) -> None:
    assert fmt_count_change(change, "service") == text


def test_fmt_when_reads_not_yet_for_a_missing_date() -> None:
    assert f"Done on: {fmt_when(None)}" == "Done on: not yet"
    assert fmt_when("2025-03-31") == "March 31, 2025"


# --- units: one unit per column, the metric's declared display unit ------------------------------

@pytest.mark.parametrize(("value", "unit", "shown", "text"), [
    (121_000, "minutes", "days", "84.0 days"),        # 121000 / 1440 = 84.03
    (60.6, "minutes", "days", "0.042 days"),          # 60.6 / 1440 = 0.0421: the column's unit, 2 figures
    (42.1, "minutes", "minutes", "42.1 minutes"),     # never switched to hours or days by size
    (4_320, "minutes", "minutes", "4,320.0 minutes"),
    (90, "seconds", "minutes", "1.5 minutes"),
    (0.1234, "share", "percent", "12.3%"), (0.1234, "share", None, "12.3%"),
    (12.5, "usd", None, "$12.50"), (None, "minutes", "days", "no data"),
    (7, "business_days", "days", "7.0 business days"),  # across families: in its own unit, never days
])
def test_fmt_in_unit(value: float | None, unit: str, shown: str | None, text: str) -> None:
    assert fmt_in_unit(value, unit, shown) == text


def test_fmt_in_unit_bare_number_for_a_header_that_names_the_unit() -> None:
    assert fmt_in_unit(50_256, "minutes", "days", with_unit=False) == "34.9"  # 50256 / 1440 = 34.9
    assert unit_label("days") == "days" and unit_label("share") == "%" and unit_label("business_days") == \
        "business days"
