"""Small-sample statistics for shares: Wilson intervals and the pooled two-proportion z-test.

Pure functions on numbers or numpy/pandas arrays (vectorised), so a whole table is done at once.
Wilson rather than the normal approximation because survey cells and quiet months can be small
and shares near 0 or 1, where the normal interval spills outside [0, 1].
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

Z95 = 1.959963984540054  # two-sided 95 %
ALPHA = 0.05

ArrayLike = float | int | np.ndarray | pd.Series


def wilson_interval(k: ArrayLike, n: ArrayLike, z: float = Z95) -> tuple[ArrayLike, ArrayLike]:
    """Wilson score interval for k successes out of n (NaN where n is 0 or missing).

    90 of 100 gives 0.826 to 0.945.
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        z2 = z * z
        denom = 1 + z2 / n
        centre = (p + z2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
        bad = ~(n > 0)
        # Exactly 0 and 1 at the ends (rounding would otherwise leave 1e-17 either side).
        low = np.where(bad, np.nan, np.where(k <= 0, 0.0, np.clip(centre - half, 0.0, 1.0)))
        high = np.where(bad, np.nan, np.where(k >= n, 1.0, np.clip(centre + half, 0.0, 1.0)))
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


_erfc = np.frompyfunc(math.erfc, 1, 1)


def two_proportion_test(k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike
                        ) -> tuple[ArrayLike, ArrayLike]:
    """Pooled two-proportion z-test of k2/n2 against k1/n1: (z, two-sided p-value).

    z > 0 when the second share is higher. NaN when either n is 0 or missing; when both shares are
    0 or both 1 the pooled variance is 0 and there is no difference: z = 0, p = 1.
    """
    k1, n1, k2, n2 = (np.asarray(a, dtype=float) for a in (k1, n1, k2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (k1 + k2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        diff = k2 / n2 - k1 / n1
        z = np.where(se > 0, diff / se, 0.0)
        bad = ~((n1 > 0) & (n2 > 0))
        z = np.where(bad, np.nan, z)
        tail = np.asarray(_erfc(np.abs(np.nan_to_num(z)) / math.sqrt(2)), dtype=float)
        p = np.where(np.isnan(z), np.nan, tail)
    if z.ndim == 0:
        return float(z), float(p)
    return z, p


def significant(p: ArrayLike, alpha: float = ALPHA) -> ArrayLike:
    """True where p < alpha (False where p is NaN: no test, no claim)."""
    return np.asarray(p, dtype=float) < alpha


def add_interval(frame: pd.DataFrame, k: str, n: str, prefix: str = "") -> pd.DataFrame:
    """Add `{prefix}share`, `{prefix}ci_low`, `{prefix}ci_high` columns from counts columns k and n."""
    kk = frame[k].astype(float)
    nn = frame[n].astype(float)
    low, high = wilson_interval(kk.to_numpy(), nn.to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        frame[f"{prefix}share"] = np.where(nn > 0, kk / nn, np.nan)
    frame[f"{prefix}ci_low"] = low
    frame[f"{prefix}ci_high"] = high
    return frame
