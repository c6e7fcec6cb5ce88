"""Small-number suppression of public figures (rule declared in data/publication.yaml).

Frames returned to a public viewer carry a boolean column `suppressed`; where it is True the
figures of the row are missing and pages print `suppressed_label()` in their place.

One function, `suppress`, applies the rule to any frame with an `n` column (the count behind a
row's figures), and `for_viewer` applies it for the current viewer; `metrics.cache.cached` and the
export registry call it, so every frame that leaves the metrics layer is covered. The rule, in
words, is `suppression_rule_text()`:

1. primary: a row built from 1 to k-1 responses or observations (n < k) is suppressed;
2. complementary: rows that add up to a published total - the same service and period across
   channels (or touchpoints), across drivers, across v2 items - form a group; when exactly one row
   of a group is suppressed, the row with the next smallest n is suppressed too, so that the total
   minus the visible rows gives only the sum of two hidden ones. Repeated until nothing changes;
3. comparisons: a visible row's change from (or test against) a suppressed row - the previous
   period, or the same period a year ago - is blanked, since it would give the hidden figure back;
4. a suppressed row keeps its keys (service, period, channel, ...); its figures, judgements
   (`status`) and its `n` are missing (NA).

Public viewers get every row suppressed this way; an agency manager gets it on other agencies'
rows (which are public figures to them), never on their own; OMB gets frames unchanged.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from core.fiscal import quarter_start
from core.paths import DATA_DIR, data_file
from metrics.access import Viewer, current_viewer

#: Whole-number columns that identify a row (not figures).
KEY_NUMBERS = frozenset(
    {"fiscal_year", "quarter", "year", "month", "question_number", "load_id", "seq", "baseline_year"}
)
#: Declared parameters (targets, thresholds): from data/, not from respondents; they stay.
PARAMETERS = frozenset(
    {
        "threshold",
        "threshold_minutes",
        "target_share",
        "at_risk_band",
        "target",
        "min_target",
        "max_target",
        "priority_goal",
    }
)
#: Text columns that are judgements made from the figures; hidden with them.
JUDGEMENTS = frozenset({"status"})
#: Never touched.
KEEP = frozenset({"suppressed", "synthetic"})
#: Dimensions whose rows add up to a total, and the columns that vary with each (left out of the group key).
DIMENSIONS: dict[str, frozenset[str]] = {
    "channel": frozenset({"channel", "channel_raw", "touchpoint"}),
    "touchpoint": frozenset({"channel", "channel_raw", "touchpoint"}),
    "driver": frozenset({"driver", "question_number", "question_text"}),
    "item": frozenset({"item"}),
}
#: Columns that place a row in time (left out of the series key for comparisons).
PERIOD_COLUMNS = frozenset(
    {"period", "period_start", "period_end", "fiscal_year", "quarter", "year", "month"}
)
#: Prefixes of columns that compare a row with an earlier one.
COMPARISONS = ("prev_", "yago_", "change", "p_value", "significant")  # `yago` in a name: a year before


_deferred: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "servicestat_suppression_deferred", default=False
)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Inside, `cached` functions return unsuppressed frames (cached apart) so that a frame built from
    them (an export) is suppressed once, as a whole, with its `suppressed` column and comparisons."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


@contextlib.contextmanager
def undeferred() -> Iterator[None]:
    """Inside, `cached` functions return frames suppressed for the viewer again, even within `deferred`:
    for a builder that would suppress its parts itself (the same frames the pages use, cached once)."""
    token = _deferred.set(False)
    try:
        yield
    finally:
        _deferred.reset(token)


def is_deferred() -> bool:
    return _deferred.get()


def _rules_file(data_dir: str | os.PathLike[str]) -> Path:
    return data_file("publication.yaml", data_dir)


def min_count(data_dir: str | os.PathLike[str] = DATA_DIR) -> int:
    """k: the fewest responses or observations a public figure may be built from."""
    path = _rules_file(data_dir)
    st = path.stat()
    return _min_count(str(path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=16)
def _min_count(path: str, mtime_ns: int, size: int) -> int:
    """The file parsed once per version (path, mtime, size): every suppressed frame asks for k."""
    del mtime_ns, size  # part of the key only
    rules = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    k = (rules.get("suppression") or {}).get("min_count", 10)
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"{path}: suppression.min_count must be a whole number of at least 1, not {k!r}")
    return k


def rules_stamp(data_dir: str | os.PathLike[str] = DATA_DIR) -> tuple[int, int]:
    """Changes when data/publication.yaml changes; part of the metrics cache key."""
    st = _rules_file(data_dir).stat()
    return (st.st_mtime_ns, st.st_size)


def suppressed_label(data_dir: str | os.PathLike[str] = DATA_DIR) -> str:
    """What a page or download shows in place of a suppressed figure."""
    return f"suppressed (fewer than {min_count(data_dir)})"


def suppression_rule_text(data_dir: str | os.PathLike[str] = DATA_DIR) -> str:
    """The rule in plain words, for the methodology page."""
    k = min_count(data_dir)
    return (
        f"A published figure built from fewer than {k} responses or observations is not shown; the page "
        f'says "{suppressed_label(data_dir)}" instead, and the count behind it is hidden too. So that '
        "totals cannot give a hidden figure away, when only one figure of a group that adds up to a "
        "total (the same service and period across channels, across survey drivers or across survey "
        "items) is hidden, the next smallest figure of that group is hidden as well, and a change from "
        "a hidden figure (on the previous period or a year earlier) is not shown either. Agencies and "
        "OMB see their own figures in full."
    )


def figure_columns(frame: pd.DataFrame) -> list[str]:
    """The columns blanked in a suppressed row: figures, and judgements made from them."""
    out = []
    for col, dtype in frame.dtypes.items():  # not frame[col]: a Series built per column costs more
        if col in KEEP or col in KEY_NUMBERS or col in PARAMETERS:
            continue
        numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_datetime64_any_dtype(dtype)
        if col == "n" or numeric or col in JUDGEMENTS:
            out.append(col)
    return out


def _key_columns(frame: pd.DataFrame, figures: Iterable[str]) -> list[str]:
    skip = set(figures) | KEEP
    dated = pd.api.types.is_datetime64_any_dtype
    return [c for c, dtype in frame.dtypes.items() if c not in skip and not dated(dtype)]


def _codes(frame: pd.DataFrame, cols: Iterable[str]) -> dict[str, np.ndarray]:
    """Each column as integer codes (missing values get their own code), for fast grouping. Factorised
    in its own dtype (no copy to Python objects): the same partition of the rows, at a third of the cost."""
    return {c: pd.factorize(frame[c], use_na_sentinel=False)[0] for c in cols}


def _group_ids(codes: dict[str, np.ndarray], cols: list[str], length: int) -> np.ndarray:
    """One integer per row, equal for rows equal in every column of `cols` (all equal when none)."""
    ids = np.zeros(length, dtype=np.int64)
    for col in cols:
        pair = ids * (int(codes[col].max(initial=0)) + 1) + codes[col]
        ids = pd.factorize(pair)[0].astype(np.int64)  # renumbered at each step: never overflows
    return ids


def _follows(codes: dict[str, np.ndarray], dim: str, keys: list[str]) -> set[str]:
    """Key columns that a dimension determines (a channel's label, a driver's question): left out of the
    group key with it, or every group would hold one row. A column constant over the frame counts too,
    harmlessly: it splits nothing."""
    dim_codes = codes[dim]

    def determined(col_codes: np.ndarray) -> bool:  # one value of `col` per value of the dimension
        seen = np.zeros(int(dim_codes.max(initial=-1)) + 1, dtype=np.int64)
        seen[dim_codes] = col_codes  # one of each dimension value's codes (the last)
        return bool((seen[dim_codes] == col_codes).all())

    return {col for col in keys if col != dim and determined(codes[col])}


def _complementary(
    frame: pd.DataFrame, n: pd.Series, hidden: pd.Series, free: pd.Series, keys: list[str],
    codes: dict[str, np.ndarray] | None = None,
) -> pd.Series:
    """Within each group adding up to a total, never leave exactly one row hidden.

    Each pass takes the groupings (channel, touchpoint, driver, item) in turn, and all groups of one
    grouping at once: they are disjoint, so none sees another's choice within the pass. In a group
    with exactly one hidden row (of those that may be hidden), the visible row with the smallest `n`
    is hidden too, the first in the frame on a tie."""
    shut_rows = hidden.to_numpy(dtype=bool, na_value=False).copy()
    free_rows = free.to_numpy(dtype=bool)
    counts = n.to_numpy(dtype=float, na_value=np.nan)
    known = ~np.isnan(counts)
    codes = _codes(frame, keys) if codes is None else codes
    groupings = []
    for dim in (d for d in DIMENSIONS if d in keys):
        group_keys = [c for c in keys if c not in DIMENSIONS[dim] and c not in _follows(codes, dim, keys)]
        groupings.append(_group_ids(codes, group_keys, len(frame)))
    for _ in range(100):  # each pass hides at least one more row, or stops
        changed = False
        for groups in groupings:
            size = int(groups.max(initial=-1)) + 1
            shut = np.bincount(groups, weights=shut_rows & free_rows, minlength=size)
            open_ = np.flatnonzero(~shut_rows & free_rows & known & (shut[groups] == 1))
            if not len(open_):
                continue
            order = open_[np.lexsort((open_, counts[open_], groups[open_]))]  # group, then n, then row
            first = np.ones(len(order), dtype=bool)
            first[1:] = groups[order[1:]] != groups[order[:-1]]
            shut_rows[order[first]] = True
            changed = True
        if not changed:
            break
    return pd.Series(shut_rows, index=hidden.index)


def _first_day(cols: tuple[str, ...], values: list[Any]) -> date | None:
    """The first day of a period given by `cols`: its period_start, fiscal year and quarter, or year."""
    if any(pd.isna(v) for v in values):
        return None
    if cols == ("period_start",):
        return pd.Timestamp(values[0]).date()
    if cols == ("fiscal_year", "quarter"):
        return quarter_start(int(values[0]), int(values[1]))
    return date(int(values[0]) - 1, 10, 1)


def _period_date(frame: pd.DataFrame) -> list[date | None] | None:
    """Each row's first day of its period; worked out once per distinct period, not once per row."""
    for cols in (("period_start",), ("fiscal_year", "quarter"), ("fiscal_year",)):
        if set(cols) <= set(frame.columns):
            break
    else:
        return None
    ids = _group_ids(_codes(frame, cols), list(cols), len(frame))
    _, first = np.unique(ids, return_index=True)  # ids run 0..k-1: one row of each
    values = [frame[c].to_numpy(dtype=object) for c in cols]
    days = [_first_day(cols, [v[i] for v in values]) for i in first]
    return [days[i] for i in ids]


def _year_on(day: date) -> date:
    """The same day a year later (29 February: the 28th)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def _comparisons(
    frame: pd.DataFrame, hidden: pd.Series, keys: list[str], codes: dict[str, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Rows (positions) whose comparison columns look at a hidden row: the next period, and a year on.
    `codes`: the key columns' codes when the caller has them already (`_codes`)."""
    none = np.array([], dtype=np.int64)
    when = _period_date(frame)
    if when is None or not hidden.any():
        return none, none
    series_keys = [c for c in keys if c not in PERIOD_COLUMNS]
    series = _group_ids(_codes(frame, series_keys) if codes is None else codes, series_keys, len(frame))
    dated = np.array([day is not None for day in when], dtype=bool)
    ordinal = np.array([day.toordinal() if day is not None else 0 for day in when], dtype=np.int64)
    rows = np.flatnonzero(dated)
    rows = rows[np.lexsort((rows, ordinal[rows], series[rows]))]  # series, then day, then row
    shut = hidden.to_numpy(dtype=bool, na_value=False)[rows]
    same_next = series[rows[1:]] == series[rows[:-1]]
    after = rows[1:][shut[:-1] & same_next]
    # A year on: the row of the same series dated a year after a hidden row (the last such row).
    placed = pd.DataFrame({"series": series[rows], "day": ordinal[rows], "row": rows})
    last = placed.drop_duplicates(["series", "day"], keep="last")
    wanted = placed[shut].copy()
    wanted["day"] = [_year_on(date.fromordinal(int(d))).toordinal() for d in wanted["day"]]
    year_on = wanted.merge(last, on=["series", "day"], suffixes=("_from", ""))["row"].to_numpy(np.int64)
    return after, year_on


def suppress(frame: pd.DataFrame, k: int | None = None, free: pd.Series | None = None) -> pd.DataFrame:
    """Apply the rule to a frame with an `n` column; frames without one come back unchanged.

    `free`: a boolean per row, False for rows the viewer may see in full (their own agency's), which
    are neither suppressed nor chosen as complements. Rows already marked `suppressed` stay so.
    """
    if "n" not in frame.columns:
        return frame
    k = min_count() if k is None else k
    out = frame.reset_index(drop=True).copy()
    free = (
        pd.Series(True, index=out.index)
        if free is None
        else pd.Series(list(free), index=out.index, dtype=bool)
    )
    n = pd.to_numeric(out["n"], errors="coerce")
    before = (
        out["suppressed"].fillna(False).astype(bool)
        if "suppressed" in out.columns
        else pd.Series(False, index=out.index)
    )
    figures = figure_columns(out)
    keys = _key_columns(out, figures)
    hidden = before | (free & n.notna() & (n > 0) & (n < k))
    after: list[int] = []
    year_on: list[int] = []
    if hidden.any():
        codes = _codes(out, keys)  # once for both steps
        hidden = _complementary(out, n, hidden, free, keys, codes)
        shown = ~hidden.to_numpy(dtype=bool) & free.to_numpy(dtype=bool)
        after, year_on = (
            [int(p) for p in rows[shown[rows]]] for rows in _comparisons(out, hidden, keys, codes)
        )
    for col in figures:
        if hidden.any() or after or year_on:
            out[col] = _nullable(out[col])
        if hidden.any():
            out.loc[hidden.to_numpy(), col] = pd.NA
    comparing = [c for c in figures if c.startswith(COMPARISONS) or "yago" in c]
    for rows, cols in (
        (after, [c for c in comparing if "yago" not in c]),
        (year_on, [c for c in comparing if "yago" in c]),
    ):
        for col in cols if rows else []:
            out.loc[out.index[rows], col] = pd.NA
    out["suppressed"] = hidden.astype(bool).to_numpy()
    out.index = frame.index
    return out


def _nullable(col: pd.Series) -> pd.Series:
    """A column that can hold NA without turning booleans into floats or text."""
    if pd.api.types.is_bool_dtype(col.dtype):
        return col.astype("boolean")
    if pd.api.types.is_integer_dtype(col.dtype) and not isinstance(
        col.dtype, pd.api.extensions.ExtensionDtype
    ):
        return col.astype("Int64")
    return col


@functools.lru_cache(maxsize=4)
def _service_agencies(stamp: tuple[int, int]) -> tuple[dict[str, str], dict[str, str]]:
    del stamp  # part of the key only
    services = pd.read_csv(DATA_DIR / "services.csv", dtype=str)
    return (
        dict(zip(services["service_id"], services["agency_id"], strict=True)),
        dict(zip(services["name"], services["agency_id"], strict=True)),
    )


def own_rows(frame: pd.DataFrame, agency_id: str) -> pd.Series:
    """True for the rows of an agency's own services (by agency_id, service_id or service name)."""
    if "agency_id" in frame.columns:
        return frame["agency_id"].astype("object").eq(agency_id).fillna(False).astype(bool)
    st = (DATA_DIR / "services.csv").stat()
    by_id, by_name = _service_agencies((st.st_mtime_ns, st.st_size))
    if "service_id" in frame.columns:
        return frame["service_id"].astype("object").map(by_id).eq(agency_id).fillna(False).astype(bool)
    if "service" in frame.columns:
        return frame["service"].astype("object").map(by_name).eq(agency_id).fillna(False).astype(bool)
    return pd.Series(False, index=frame.index)


def export_for_viewer(fn: Callable[[Any], pd.DataFrame], db: Any) -> pd.DataFrame:
    """Run an export so that it is suppressed once, at the end: built from unsuppressed frames when it
    keeps an `n` column; otherwise (nothing to suppress on) built from suppressed ones."""
    if current_viewer().role == "omb":
        return fn(db)
    with deferred():
        frame = fn(db)
    if isinstance(frame, pd.DataFrame) and "n" in frame.columns:
        return for_viewer(frame)
    return for_viewer(fn(db))


def for_viewer(
    frame: pd.DataFrame, viewer: Viewer | None = None, data_dir: str | os.PathLike[str] = DATA_DIR
) -> pd.DataFrame:
    """Suppress what `viewer` (default: the current one) may not see in full; OMB sees everything."""
    viewer = viewer or current_viewer()
    if viewer.role == "omb" or not isinstance(frame, pd.DataFrame) or "n" not in frame.columns:
        return frame
    free = ~own_rows(frame, viewer.agency_id) if viewer.role == "agency" else None
    return suppress(frame, k=min_count(data_dir), free=free)
