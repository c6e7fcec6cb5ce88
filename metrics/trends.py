"""Change on the previous period and on the same period a year before, for any period table.

Works on any frame with a `period_start` column (the first day of a month, fiscal quarter or
fiscal year) and a set of key columns: the previous period starts one grain earlier, the same
period a year before starts twelve months earlier. A missing earlier period leaves NaN (no change
claimed), never a comparison with some other period.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

GRAIN_MONTHS = {"month": 1, "quarter": 3, "year": 12}
#: Months since year 0 stay below this, so (key group, month) packs into one integer.
_MONTH_SPAN = 1 << 20


def add_changes(frame: pd.DataFrame, keys: Sequence[str], value: str, grain: str,
                carry: Sequence[str] = ()) -> pd.DataFrame:
    """Add prev_{col} / yago_{col} for `value` and `carry` columns, and change_prev / change_yago.

    Keys plus period_start must identify a row.
    """
    cols = [value, *carry]
    out = frame.reset_index(drop=True)
    added = [f"{tag}_{c}" for tag in ("prev", "yago") for c in cols] + ["change_prev", "change_yago"]
    where = _row_keys(out, keys)
    if where is None or any(c in out.columns for c in added):
        return _add_changes_by_lookup(frame, keys, value, grain, carry)
    # Every period starts on the first of a month and every row has its own (keys, month): the row of
    # an earlier period is found by integer lookup, the same left join as a merge, row for row, and
    # the looked-up columns come out as a merge gives them (an int column with a gap turns float).
    columns = {c: out[c] for c in cols}
    new: dict[str, pd.Series] = {}
    for tag, shift in (("prev", GRAIN_MONTHS[grain]), ("yago", 12)):
        at = where.get_indexer(where.to_numpy() - shift)
        for c in cols:
            new[f"{tag}_{c}"] = pd.Series(pd.api.extensions.take(columns[c].array, at, allow_fill=True),
                                          index=out.index, name=f"{tag}_{c}")
        new[f"change_{tag}"] = (columns[value] - new[f"{tag}_{value}"]).rename(f"change_{tag}")
    return pd.concat([out, pd.DataFrame(new, index=out.index)], axis=1)


def _row_keys(out: pd.DataFrame, keys: Sequence[str]) -> pd.Index | None:
    """Each row's (key group, month of its period start) as one unique integer, or None when a period
    does not start at midnight on a first of a month, a key or start is missing, or two rows share one."""
    if len(out) == 0 or any(out[k].isna().any() for k in keys):
        return None
    stamps = _stamps(out["period_start"])
    if stamps is None:
        return None
    months = stamps.astype("datetime64[M]")
    if np.isnat(stamps).any() or not (months == stamps).all():
        return None
    group = np.zeros(len(out), dtype=np.int64)
    for k in keys:  # renumbered after each key, so the numbers stay below the number of rows
        codes, uniques = pd.factorize(out[k])
        group = pd.factorize(group * (len(uniques) + 1) + codes)[0].astype(np.int64)
    month = months.astype(np.int64) + 1970 * 12  # months since year 0: a year's look-back stays >= 0
    if month.min() < 12 or month.max() >= _MONTH_SPAN:
        return None
    index = pd.Index(group * _MONTH_SPAN + month)
    return index if index.is_unique else None


def _stamps(starts: pd.Series) -> np.ndarray | None:
    """The period starts as naive datetime64, as the merge reads them; None when tz-aware."""
    stamps = pd.to_datetime(starts)
    return stamps.to_numpy() if stamps.dtype.kind == "M" else None


def _add_changes_by_lookup(frame: pd.DataFrame, keys: Sequence[str], value: str, grain: str,
                           carry: Sequence[str] = ()) -> pd.DataFrame:
    """`add_changes` by merging the keys alone, for frames `_row_keys` cannot number."""
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
