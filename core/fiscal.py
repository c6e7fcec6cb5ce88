"""The federal fiscal calendar, once: the fiscal year starts 1 October of the calendar year before.

FY2024 Q1 is October-December 2023; FY2024 Q4 is July-September 2024. Every room asks this module
which quarter a date is in and where a quarter starts and ends, instead of redoing the arithmetic.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

#: The fiscal years the warehouse covers (its calendar table, and every year check on input).
FIRST_FISCAL_YEAR = 1990
LAST_FISCAL_YEAR = 2100
FIRST_MONTH = 10  # October


def is_fiscal_year(value: object) -> bool:
    """A whole year the warehouse covers."""
    return isinstance(value, int) and not isinstance(value, bool) and \
        FIRST_FISCAL_YEAR <= value <= LAST_FISCAL_YEAR


def fiscal_year_of(day: date) -> int:
    return day.year + (day.month >= FIRST_MONTH)


def fiscal_quarter_of(day: date) -> tuple[int, int]:
    """(fiscal year, quarter 1-4) of a date."""
    return fiscal_year_of(day), (day.month - FIRST_MONTH) % 12 // 3 + 1


def quarter_start(fiscal_year: int, quarter: int) -> date:
    """First day of a fiscal quarter: FY2024 Q1 starts 1 October 2023."""
    month = FIRST_MONTH + 3 * (quarter - 1)
    return date(fiscal_year - 1 + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def quarter_bounds(fiscal_year: int, quarter: int) -> tuple[date, date]:
    """First and last day of a fiscal quarter."""
    start = quarter_start(fiscal_year, quarter)
    nxt = quarter_start(fiscal_year + quarter // 4, quarter % 4 + 1)
    return start, nxt - timedelta(days=1)


def fiscal_year_start(fiscal_year: int) -> date:
    return quarter_start(fiscal_year, 1)


def quarter_label(fiscal_year: int, quarter: int) -> str:
    """'FY2025 Q3'."""
    return f"FY{fiscal_year} Q{quarter}"


def period_label(grain: str, start: date) -> str:
    """'2024-03', 'FY2024 Q2' or 'FY2024' for a period of that grain starting on `start`."""
    start = pd.Timestamp(start).date()
    if grain == "month":
        return f"{start:%Y-%m}"
    fy, q = fiscal_quarter_of(start)
    return quarter_label(fy, q) if grain == "quarter" else f"FY{fy}"


def fiscal_columns(starts: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Fiscal year and quarter (nullable integers) of each date in a column."""
    start = pd.to_datetime(starts)
    year = (start.dt.year + (start.dt.month >= FIRST_MONTH)).astype("Int64")
    quarter = (((start.dt.month - FIRST_MONTH) % 12) // 3 + 1).astype("Int64")
    return year, quarter


#: The fiscal calendar table's rows as DuckDB SQL over a date `d` (see core.schema `fiscal_calendar`).
CALENDAR_SQL = f"""
    SELECT d::DATE,
           year(d + INTERVAL 3 MONTH),
           quarter(d + INTERVAL 3 MONTH),
           month(d + INTERVAL 3 MONTH),
           date_trunc('month', d)::DATE,
           (date_trunc('quarter', d + INTERVAL 3 MONTH) - INTERVAL 3 MONTH)::DATE,
           make_date(year(d + INTERVAL 3 MONTH) - 1, {FIRST_MONTH}, 1)
    FROM range(DATE '{FIRST_FISCAL_YEAR - 1}-{FIRST_MONTH}-01', DATE '{LAST_FISCAL_YEAR}-{FIRST_MONTH}-01',
               INTERVAL 1 DAY) t(d)
"""
