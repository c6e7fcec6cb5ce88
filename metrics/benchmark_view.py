"""The /benchmarks page's tables: federal services against the ACSI, over time and per service.

Built on `metrics.benchmarks.acsi_comparison` (which owns the comparison rule and its note): this
module only filters it by fiscal year and agency, pools it per year, and lists the ACSI series with
their sources.

Pooled index of a year = (sum over services of mean x n / sum of n - 1) / 4 x 100: the index of all
the year's satisfaction answers together, so a big service weighs as many answers as it has.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from metrics.benchmarks import COMPARISON_NOTE, acsi_comparison, acsi_scores
from metrics.cache import cached
from metrics.db import reader

#: ACSI series drawn over time, in legend order.
TIME_SERIES = {"federal_government_aggregate": "ACSI federal government", "national_acsi": "ACSI national"}


def comparison_note() -> str:
    """How the A-11 figure and the ACSI index are compared (printed on every benchmark view)."""
    return COMPARISON_NOTE


@cached
def acsi_history(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The ACSI federal-government and national scores by year, with their sources."""
    scores = acsi_scores(reader(db))
    scores = scores[scores["series"].isin(list(TIME_SERIES))].copy()
    scores["series_label"] = scores["series"].map(TIME_SERIES)
    scores["year"] = scores["year"].astype("int64")
    scores["synthetic"] = False  # published figures, shipped with their sources
    return scores[["series", "series_label", "entity", "year", "period", "score", "value_type",
                   "source_url", "synthetic"]].sort_values(["series", "year"], ignore_index=True)


def _with_agency(frame: pd.DataFrame, db: str | os.PathLike[str] | None) -> pd.DataFrame:
    ids = reader(db).df("SELECT service_id, agency_id FROM services")
    return frame.merge(ids, on="service_id", how="left")


@cached
def benchmark_options(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The fiscal years and agencies the comparison has rows for: kind (fiscal_year, agency), value, label."""
    frame = _with_agency(acsi_comparison(db), db)
    years = sorted({int(y) for y in frame["fiscal_year"].dropna()})
    agencies = (frame[["agency_id", "agency"]].dropna().drop_duplicates()
                .sort_values("agency", ignore_index=True))
    rows = [{"kind": "fiscal_year", "value": str(y), "label": f"FY{y}"} for y in years]
    rows += [{"kind": "agency", "value": a.agency_id, "label": a.agency} for a in agencies.itertuples()]
    return pd.DataFrame(rows, columns=["kind", "value", "label"])


@cached
def benchmark_gaps(db: str | os.PathLike[str] | None = None, fiscal_year: int | None = None,
                   agency_id: str | None = None) -> pd.DataFrame:
    """acsi_comparison for one fiscal year and/or agency (None: all), with `agency_id`."""
    frame = _with_agency(acsi_comparison(db), db)
    if fiscal_year is not None:
        frame = frame[frame["fiscal_year"] == int(fiscal_year)]
    if agency_id is not None:
        frame = frame[frame["agency_id"] == agency_id]
    return frame.sort_values(["agency", "service"], ignore_index=True)


@cached
def federal_index_by_year(db: str | os.PathLike[str] | None = None,
                          agency_id: str | None = None) -> pd.DataFrame:
    """Per fiscal year: pooled satisfaction index of the services (or one agency's), n, services, the ACSI
    federal and national scores and the gaps to them.
    Rows without a mean (no answers, or suppressed) do not count."""
    frame = benchmark_gaps(db, agency_id=agency_id)
    frame = frame[frame["mean"].notna() & (frame["n"].fillna(0) > 0)]
    cols = ["fiscal_year", "services", "n", "service_index", "acsi_federal", "gap_federal", "acsi_national",
            "gap_national", "comparison_note", "last_loaded", "synthetic"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    frame = frame.assign(points=frame["mean"] * frame["n"])
    out = frame.groupby("fiscal_year", as_index=False).agg(
        services=("service_id", "nunique"), n=("n", "sum"), points=("points", "sum"),
        acsi_federal=("acsi_federal", "first"), acsi_national=("acsi_national", "first"),
        last_loaded=("last_loaded", "max"),
        synthetic=("synthetic", "any"))
    out["service_index"] = (out["points"] / out["n"] - 1) / 4 * 100
    out["gap_federal"] = out["service_index"] - out["acsi_federal"]
    out["gap_national"] = out["service_index"] - out["acsi_national"]
    out["comparison_note"] = COMPARISON_NOTE
    out["n"] = out["n"].astype(np.int64)
    return out[cols]
