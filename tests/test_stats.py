"""Wilson intervals and the pooled two-proportion z-test against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrics.stats import add_interval, significant, two_proportion_test, wilson_interval


def test_wilson_90_of_100() -> None:
    # p = 0.9, z^2 = 3.8415: centre 0.91921 / 1.038415 = 0.88520, half 0.06186 / 1.038415 = 0.05957.
    low, high = wilson_interval(90, 100)
    assert low == pytest.approx(0.8256, abs=5e-5)
    assert high == pytest.approx(0.9448, abs=5e-5)
    assert (round(low * 100, 1), round(high * 100, 1)) == (82.6, 94.5)


def test_wilson_known_values_at_the_edges() -> None:
    # 0 of 10: upper bound z^2 / (n + z^2) = 3.8415 / 13.8415 = 0.2775; 10 of 10 mirrors it.
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=5e-5)
    assert wilson_interval(10, 10) == pytest.approx((0.7225, 1.0), abs=5e-5)
    # 5 of 10: the textbook 0.2366 - 0.7634.
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=5e-5)


def test_wilson_n_zero_is_nan_and_vectorised() -> None:
    low, high = wilson_interval(np.array([90, 0, 3]), np.array([100, 0, 0]))
    assert low[0] == pytest.approx(0.8256, abs=5e-5)
    assert math.isnan(low[1]) and math.isnan(high[2])


@given(st.integers(min_value=1, max_value=5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_the_share_and_mirrors(kn: tuple[int, int]) -> None:
    k, n = kn
    low, high = wilson_interval(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0
    mlow, mhigh = wilson_interval(n - k, n)
    assert low == pytest.approx(1 - mhigh, abs=1e-12)
    assert high == pytest.approx(1 - mlow, abs=1e-12)


def test_two_proportion_pooled_by_hand() -> None:
    # 90/100 then 80/100: pooled 0.85, se = sqrt(0.85 * 0.15 * 0.02) = 0.050498, z = -0.1 / se = -1.9803.
    z, p = two_proportion_test(90, 100, 80, 100)
    assert z == pytest.approx(-1.9803, abs=5e-4)
    assert p == pytest.approx(0.0477, abs=5e-4)
    assert bool(significant(p))
    # 50/100 then 55/100: pooled 0.525, se = 0.070622, z = 0.708, p = 0.479: no claim.
    z, p = two_proportion_test(50, 100, 55, 100)
    assert z == pytest.approx(0.708, abs=1e-3)
    assert p == pytest.approx(0.479, abs=1e-3)
    assert not bool(significant(p))


def test_two_proportion_degenerate_cases() -> None:
    z, p = two_proportion_test([0, 10, 5], [10, 10, 0], [0, 10, 5], [10, 10, 10])
    assert list(z[:2]) == [0.0, 0.0] and list(p[:2]) == [1.0, 1.0]  # no variance: no difference
    assert math.isnan(z[2]) and math.isnan(p[2])  # an empty sample: no test
    assert list(significant(p)) == [False, False, False]


def test_add_interval_on_a_frame() -> None:
    frame = add_interval(pd.DataFrame({"k": [90, 0], "n": [100, 0]}), "k", "n", prefix="agree_")
    assert frame["agree_share"].iloc[0] == 0.9
    assert frame["agree_ci_low"].iloc[0] == pytest.approx(0.8256, abs=5e-5)
    assert frame[["agree_share", "agree_ci_low", "agree_ci_high"]].iloc[1].isna().all()
