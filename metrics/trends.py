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
    # The earlier periods are looked up by the keys alone, not merged into the whole (wide) frame: the
    # same left join, row for row, without copying every other column twice.
    out = frame.reset_index(drop=True)
    where = out[list(keys)].assign(_ps=pd.to_datetime(out["period_start"]))
    for tag, shift in (("prev", months), ("yago", 12)):
        other = base.copy()
        other["_ps"] = other.pop("period_start") + pd.DateOffset(months=shift)
        other = other.rename(columns={c: f"{tag}_{c}" for c in cols})
        found = where.merge(other, on=[*keys, "_ps"], how="left")
        added = [f"{tag}_{c}" for c in cols]
        # Keys and period_start that do not identify a row (a join adds rows), or names already taken
        # (a merge would suffix them): the whole-frame merge, as ever.
        if len(found) != len(out) or any(c in out.columns for c in [*added, f"change_{tag}"]):
            return _add_changes_by_merge(frame, keys, value, grain, carry)
        for c in added:
            out[c] = found[c].set_axis(out.index)
        out[f"change_{tag}"] = out[value] - out[f"{tag}_{value}"]
    return out


def _add_changes_by_merge(frame: pd.DataFrame, keys: Sequence[str], value: str, grain: str,
                          carry: Sequence[str] = ()) -> pd.DataFrame:
    """`add_changes` as whole-frame merges, for frames whose keys repeat (every match kept)."""
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
