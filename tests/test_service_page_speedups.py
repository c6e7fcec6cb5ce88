"""The service page's cold-render speed-ups (#17) keep every figure as it was: `add_changes`'s integer
lookup gives the frame the whole-frame merge gives (values and dtypes, gaps and all), `attach_freshness`
reads numpy lists of load ids as it reads Python lists, and `channel_performance` built deferred takes
its parts suppressed for the viewer exactly as suppressing the unsuppressed parts there did."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrics.access import PUBLIC, viewing
from metrics.provenance import attach_freshness
from metrics.standards import standards_status
from metrics.suppression import deferred, for_viewer, is_deferred, undeferred
from metrics.survey import driver_scores
from metrics.trends import _add_changes_by_merge, _row_keys, add_changes
from tests.channel_warehouse import DECL, build_channels


def _quarterly() -> pd.DataFrame:
    """Two keys, quarters with a gap (FY2024 Q3 of 'a' missing), columns of several dtypes."""
    starts = [date(2023, 1, 1), date(2023, 4, 1), date(2023, 7, 1), date(2024, 1, 1), date(2024, 4, 1),
              date(2024, 10, 1)]
    return pd.DataFrame({
        "k": ["a"] * 6 + ["b"] * 2,
        "c": ["x"] * 8,
        "period_start": starts + [date(2023, 1, 1), date(2024, 1, 1)],
        "v": [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 5.0, 7.0],
        "n": np.arange(10, 18, dtype=np.int64),
        "flag": [True, False, True, False, True, False, True, True],
        "maybe": pd.array([1, None, 3, 4, 5, 6, 7, 8], dtype="Int64"),
        "label": pd.Series(list("pqrstuvw"), dtype="str"),
    })


def test_lookup_gives_the_merge_frame_by_hand() -> None:
    frame = _quarterly()
    out = add_changes(frame, ["k", "c"], "v", "quarter", carry=("n", "flag", "maybe", "label"))
    pd.testing.assert_frame_equal(out, _add_changes_by_merge(frame, ["k", "c"], "v", "quarter",
                                                             carry=("n", "flag", "maybe", "label")),
                                  check_exact=True)
    # By hand: 2023-04 follows 2023-01 (2 - 1); 2024-01 has no 2023-10 but a year before, 2023-01 (8 - 1);
    # 2024-10 follows no 2024-07; 'b' 2024-01 against its own 2023-01 (7 - 5), never a's.
    assert out["change_prev"].tolist()[1] == 1.0
    assert math.isnan(out["change_prev"][3]) and out["change_yago"][3] == 7.0
    assert math.isnan(out["change_prev"][5]) and math.isnan(out["change_yago"][5])
    assert out["change_yago"][7] == 2.0
    assert out["prev_n"].dtype == np.float64 and out["prev_n"][1] == 10  # a gap: an int turns float
    assert out["yago_label"][3] == "p" and pd.isna(out["yago_label"][0])


@pytest.mark.parametrize("grain", ["month", "quarter", "year"])
def test_lookup_and_merge_agree_without_gaps(grain: str) -> None:
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    starts = [pd.Timestamp(2022, 1, 1) + pd.DateOffset(months=months * i) for i in range(30)]
    frame = pd.DataFrame({"k": ["a", "b"] * 15, "period_start": [s.date() for s in starts],
                          "v": np.linspace(0, 1, 30), "n": np.arange(30, dtype=np.int64)})
    out = add_changes(frame, ["k"], "v", grain, carry=("n",))
    pd.testing.assert_frame_equal(out, _add_changes_by_merge(frame, ["k"], "v", grain, carry=("n",)),
                                  check_exact=True)


def test_frames_the_lookup_cannot_number_take_the_merge() -> None:
    mid_month = _quarterly().assign(period_start=[date(2023, 1, 15)] + list(_quarterly()["period_start"][1:]))
    repeated = pd.concat([_quarterly(), _quarterly().iloc[[5]]], ignore_index=True)
    missing_key = _quarterly().assign(k=["a", None, "a", "a", "a", "a", "b", "b"])
    for frame in (mid_month, repeated, missing_key):
        assert _row_keys(frame, ["k", "c"]) is None
        pd.testing.assert_frame_equal(add_changes(frame, ["k", "c"], "v", "quarter", carry=("n",)),
                                      _add_changes_by_merge(frame, ["k", "c"], "v", "quarter", carry=("n",)),
                                      check_exact=True)


def test_freshness_of_numpy_lists_as_of_python_lists() -> None:
    loads = pd.DataFrame({"load_id": [1, 2, 3],
                          "finished_at": pd.to_datetime(["2024-01-05", "2024-03-01", None]).astype(
                              "datetime64[us]"),
                          "synthetic": [False, True, False]})
    cells = [np.array([1, 2]), [1, 2], np.array([1]), (3,), None, np.array([], dtype=np.int64),
             np.array([1.0, np.nan])]
    out = attach_freshness(pd.DataFrame({"row": range(7), "load_ids": cells}), loads)
    assert out["last_loaded"].tolist()[:3] == [pd.Timestamp("2024-03-01")] * 2 + [pd.Timestamp("2024-01-05")]
    assert pd.isna(out["last_loaded"][3]) and pd.isna(out["last_loaded"][4])  # load 3 never finished
    assert out["last_loaded"][6] == pd.Timestamp("2024-01-05")
    # Synthetic when any known load is; no load at all: when the warehouse holds any synthetic load.
    assert out["synthetic"].tolist() == [True, True, False, False, True, True, False]
    assert out["last_loaded"].dtype == loads["finished_at"].dtype and out["synthetic"].dtype == bool


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_channels(tmp_path_factory.mktemp("speedups"))


def test_undeferred_parts_are_the_deferred_parts_suppressed(hand: Path) -> None:
    """What channel_performance relies on: inside `deferred`, a part asked for `undeferred` is the
    viewer's suppressed frame, the same as suppressing the deferred part, and deferral comes back after."""
    with viewing(PUBLIC), deferred():
        for build in (lambda: standards_status(hand, "quarter", data_dir=DECL),
                      lambda: driver_scores(hand, "quarter", by_channel=True, data_dir=DECL)):
            whole = build()
            with undeferred():
                assert not is_deferred()
                suppressed = build()
            assert is_deferred()
            pd.testing.assert_frame_equal(suppressed, for_viewer(whole, data_dir=DECL), check_exact=True)
