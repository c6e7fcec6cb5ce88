"""The vectorised suppression (metrics.suppression) hides exactly the cells the row-by-row algorithm it
replaced hid: that algorithm is kept here, unchanged, as the oracle, and both run on generated frames
(hypothesis) with several groupings (channel, driver, item), repeated keys, missing counts, periods
given three ways, earlier-row comparisons and rows the viewer sees in full."""

from __future__ import annotations

from datetime import date

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from core.fiscal import quarter_start
from metrics.suppression import (
    COMPARISONS,
    DIMENSIONS,
    PERIOD_COLUMNS,
    _key_columns,
    _nullable,
    _year_on,
    figure_columns,
    suppress,
)

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None)

# --- the oracle: the row-by-row algorithm as it was (metrics/suppression.py before #17.3) ------------------


def _codes(frame, cols):
    return {c: pd.factorize(frame[c].astype("object"), use_na_sentinel=False)[0].tolist() for c in cols}


def _rows(codes, cols, length):
    return list(zip(*[codes[c] for c in cols], strict=True)) if cols else [()] * length


def _follows(codes, dim, keys):
    dim_codes = codes[dim]
    distinct = len(set(dim_codes))
    return {
        col for col in keys if col != dim and len(set(zip(dim_codes, codes[col], strict=True))) == distinct
    }


def _complementary(frame, n, hidden, free, keys):
    hidden = hidden.copy()
    codes = _codes(frame, keys)
    groupings = []
    for dim in (d for d in DIMENSIONS if d in keys):
        group_keys = [c for c in keys if c not in DIMENSIONS[dim] and c not in _follows(codes, dim, keys)]
        groups: dict[tuple, list[int]] = {}
        for pos, key in enumerate(_rows(codes, group_keys, len(frame))):
            groups.setdefault(key, []).append(pos)
        groupings.append([members for members in groups.values() if len(members) > 1])
    for _ in range(100):
        changed = False
        for groups in groupings:
            for members in groups:
                shut = [p for p in members if hidden.iat[p] and free.iat[p]]
                if len(shut) != 1:
                    continue
                open_ = [p for p in members if not hidden.iat[p] and free.iat[p] and pd.notna(n.iat[p])]
                if open_:
                    pick = min(open_, key=lambda p: n.iat[p])
                    hidden.iat[pick] = True
                    changed = True
        if not changed:
            break
    return hidden


def _period_date(frame):
    if "period_start" in frame.columns:
        return [None if pd.isna(v) else pd.Timestamp(v).date() for v in frame["period_start"]]
    if "fiscal_year" in frame.columns and "quarter" in frame.columns:
        return [
            None if pd.isna(fy) or pd.isna(q) else quarter_start(int(fy), int(q))
            for fy, q in zip(frame["fiscal_year"], frame["quarter"], strict=True)
        ]
    if "fiscal_year" in frame.columns:
        return [None if pd.isna(fy) else date(int(fy) - 1, 10, 1) for fy in frame["fiscal_year"]]
    return None


def _comparisons(frame, hidden, keys):
    when = _period_date(frame)
    if when is None or not hidden.any():
        return [], []
    series_keys = [c for c in keys if c not in PERIOD_COLUMNS]
    series = _rows(_codes(frame, series_keys), series_keys, len(frame))
    by_series: dict[tuple, list[tuple[date, int]]] = {}
    for pos, (key, day) in enumerate(zip(series, when, strict=True)):
        if day is not None:
            by_series.setdefault(key, []).append((day, pos))
    after, year_on = [], []
    for rows in by_series.values():
        rows.sort()
        index = {day: pos for day, pos in rows}
        for i, (day, pos) in enumerate(rows):
            if not hidden.iat[pos]:
                continue
            if i + 1 < len(rows):
                after.append(rows[i + 1][1])
            later = index.get(_year_on(day))
            if later is not None:
                year_on.append(later)
    return after, year_on


def oracle(frame, k, free=None):
    """`suppress` as it was."""
    if "n" not in frame.columns:
        return frame
    out = frame.reset_index(drop=True).copy()
    free = (pd.Series(True, index=out.index) if free is None
            else pd.Series(list(free), index=out.index, dtype=bool))
    n = pd.to_numeric(out["n"], errors="coerce")
    before = (out["suppressed"].fillna(False).astype(bool) if "suppressed" in out.columns
              else pd.Series(False, index=out.index))
    figures = figure_columns(out)
    keys = _key_columns(out, figures)
    hidden = before | (free & n.notna() & (n > 0) & (n < k))
    after: list[int] = []
    year_on: list[int] = []
    if hidden.any():
        hidden = _complementary(out, n, hidden, free, keys)
        after, year_on = (
            [p for p in rows if not hidden.iat[p] and free.iat[p]] for rows in _comparisons(out, hidden, keys)
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


# --- generated frames ------------------------------------------------------------------------------------

QUARTERS = [quarter_start(2023, q) for q in (1, 2, 3, 4)] + [quarter_start(2024, q) for q in (1, 2)]
LEAP = [date(2024, 2, 29), date(2025, 2, 28), date(2023, 2, 28)]  # a year on from the 29th: the 28th


@st.composite
def frames(draw) -> tuple[pd.DataFrame, list[bool] | None, int]:
    size = draw(st.integers(0, 40))
    dims = draw(st.lists(st.sampled_from(["channel", "driver", "item", "touchpoint"]), unique=True,
                         max_size=3))
    when = draw(st.sampled_from(["period_start", "fiscal_quarter", "fiscal_year", "none"]))
    counts = st.one_of(st.none(), st.integers(0, 25))
    rows = []
    for _ in range(size):
        row = {"service_id": draw(st.sampled_from(["a", "b", "c"]))}
        for dim in dims:
            row[dim] = draw(st.sampled_from(["x", "y", "z", "w"]))
        if "channel" in dims and draw(st.booleans()):
            row["channel_raw"] = row["channel"].upper()
        if "driver" in dims:
            row["question_text"] = f"q-{row['driver']}"
        if when == "period_start":
            row["period_start"] = draw(st.one_of(st.none(), st.sampled_from(QUARTERS + LEAP)))
        elif when == "fiscal_quarter":
            row["fiscal_year"] = draw(st.sampled_from([2023, 2024, 2025]))
            row["quarter"] = draw(st.integers(1, 4))
        elif when == "fiscal_year":
            row["fiscal_year"] = draw(st.sampled_from([2022, 2023, 2024, 2025]))
        n = draw(counts)
        row["n"] = n
        row["agree_share"] = None if n is None else draw(st.floats(0, 1))
        row["prev_agree_share"] = draw(st.floats(0, 1))
        row["change_prev"] = draw(st.floats(-1, 1))
        row["yago_agree_share"] = draw(st.floats(0, 1))
        row["status"] = draw(st.sampled_from(["on track", "off track"]))
        rows.append(row)
    frame = pd.DataFrame(rows)
    if size and draw(st.booleans()):
        frame["suppressed"] = draw(st.lists(st.booleans(), min_size=size, max_size=size))
    if size and draw(st.booleans()):
        frame["n"] = frame["n"].astype("Int64")
    if size and draw(st.booleans()):  # an index that is not 0..n-1 comes back as it was
        frame.index = range(100, 100 + size)
    free = draw(st.one_of(st.none(), st.lists(st.booleans(), min_size=size, max_size=size)))
    return frame, free, draw(st.integers(1, 12))


@SETTINGS
@given(frames())
def test_the_same_cells_are_hidden_as_by_the_row_by_row_algorithm(case) -> None:
    frame, free, k = case
    expected = oracle(frame, k, free)
    got = suppress(frame, k=k, free=free)
    pd.testing.assert_frame_equal(got, expected)


def test_the_generated_frames_reach_every_rule() -> None:
    """The generator is not idle: frames where complements, next-period and year-on blanks all happen."""
    frame = pd.DataFrame({
        "service_id": ["a"] * 6,
        "channel": ["x", "y", "z", "x", "y", "x"],
        "period_start": [QUARTERS[0]] * 3 + [QUARTERS[1]] * 2 + [quarter_start(2024, 1)],
        "n": [3, 40, 50, 40, 40, 40],
        "agree_share": [0.5] * 6,
        "change_prev": [0.1] * 6,
        "yago_agree_share": [0.4] * 6,
    })
    got = suppress(frame, k=10)
    assert got["suppressed"].tolist() == [True, True, False, False, False, False]  # n=3 and the next smallest
    assert got["change_prev"].isna().tolist() == [True, True, False, True, True, False]  # after a hidden x, y
    assert got["yago_agree_share"].isna().tolist() == [True, True, False, False, False, True]  # x a year on
    pd.testing.assert_frame_equal(got, oracle(frame, 10))
