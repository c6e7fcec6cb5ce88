"""Signed formatters print the sign of the number they show: a change that rounds to zero is "0.0"."""

from __future__ import annotations

import pytest

from dashboard.components import fmt_points, fmt_signed


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
