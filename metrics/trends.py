"""Change on the previous period and on the same period a year before, for any period table.

Works on any frame with a `period_start` column (the first day of a month, fiscal quarter or
fiscal year) and a set of key columns: the previous period starts one grain earlier, the same
period a year before starts twelve months earlier. A missing earlier period leaves NaN (no change
claimed), never a comparison with some other period.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

GRAIN_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def add_changes(frame: pd.DataFrame, keys: Sequence[str], value: str, grain: str,
                carry: Sequence[str] = ()) -> pd.DataFrame:
    """Add prev_{col} / yago_{col} for `value` and `carry` columns, and change_prev / change_yago.

    Keys plus period_start must identify a row.
    """
    months = GRAIN_MONTHS[grain]
    cols = [value, *carry]
    base = frame[[*keys, "period_start", *cols]].copy()
    base["period_start"] = pd.to_datetime(base["period_start"])
    out = frame.copy()
    out["_ps"] = pd.to_datetime(out["period_start"])
    for tag, shift in (("prev", months), ("yago", 12)):
        other = base.copy()
        other["_ps"] = other.pop("period_start") + pd.DateOffset(months=shift)
        other = other.rename(columns={c: f"{tag}_{c}" for c in cols})
        out = out.merge(other, on=[*keys, "_ps"], how="left")
        out[f"change_{tag}"] = out[value] - out[f"{tag}_{value}"]
    return out.drop(columns=["_ps"])
