"""The period select of agency and service pages: whole fiscal years and their quarters."""

from __future__ import annotations

import pandas as pd

from dashboard.views import period_options


def _periods(*names: str) -> pd.DataFrame:
    starts = {"FY2024": "2023-10-01", "FY2024 Q4": "2024-07-01", "FY2025 Q1": "2024-10-01",
              "FY2025 Q2": "2025-01-01", "FY2025 Q3": "2025-04-01"}
    return pd.DataFrame({"period": list(names), "period_start": pd.to_datetime([starts[n] for n in names])})


def test_a_year_in_progress_offers_its_quarters_without_a_whole_year() -> None:
    quarters = _periods("FY2024 Q4", "FY2025 Q1", "FY2025 Q2", "FY2025 Q3")
    years = _periods("FY2024")
    assert period_options(quarters, years) == [
        ("FY2025 Q3", "FY2025 Q3"), ("FY2025 Q2", "FY2025 Q2"), ("FY2025 Q1", "FY2025 Q1"),
        ("FY2024", "FY2024 (whole fiscal year)"), ("FY2024 Q4", "FY2024 Q4"),
    ]


def test_no_figures_no_options() -> None:
    assert period_options(_periods(), _periods()) == []
