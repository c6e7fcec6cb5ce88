"""Each service's satisfaction beside the American Customer Satisfaction Index (ACSI), same year.

An ACSI score is a 0-100 index modelled from several 1-10 questions; an A-11 agree share is the
share answering 4 or 5 on a 1-5 scale. They are different scales, so the agree share is never
compared with ACSI. What is compared is the service's mean answer to the A-11 satisfaction
question, rescaled to 0-100 the way ACSI rescales its own items: (mean - 1) / 4 x 100. The gap is
that index minus the ACSI score, in points, for the ACSI federal government aggregate, the national
ACSI, the nearest private industry (data/benchmark_peers.yaml) and the service's department, each
of the same year (the service's fiscal year against ACSI's study year); no figure for that year
means no gap, never a neighbouring year's. The `comparison_note` column says this on every row.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from core.declarations import load_declarations
from core.paths import DATA_DIR, data_file
from metrics.cache import cached
from metrics.db import Reader, reader
from metrics.survey import driver_scores

COMPARISON_NOTE = (
    "Service index = (mean answer − 1) ÷ 4 × 100, where the mean answer is the mean of the A-11 "
    "satisfaction answers on the 1–5 scale: the way ACSI rescales its items. ACSI scores are modelled "
    "0–100 indexes, not agree shares, so gaps are indicative. A service's fiscal year is compared with the "
    "ACSI study year of the same number."
)
BENCH_COLUMNS = ["series", "entity", "segment", "year", "period", "score", "value_type", "source_url"]


def _norm(text: object) -> str:
    text = re.sub(r"\s+", " ", str(text).replace("&", "and")).strip().lower()
    return re.sub(r"\bthe ", "", text)


def acsi_scores(r: Reader, data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """ACSI figures: the warehouse `benchmarks` table when loaded, else data/benchmarks_acsi.csv.

    A declarations folder other than data/ that has its own benchmarks_acsi.csv (a test, a what-if)
    takes precedence over both.
    """
    path = data_file("benchmarks_acsi.csv", data_dir)
    frame = pd.DataFrame()
    if path.parent.resolve() != DATA_DIR.resolve():
        frame = pd.read_csv(path)
    elif r.df("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'benchmarks'")["n"][0]:
        frame = r.df("SELECT * FROM benchmarks")
    if frame.empty:
        if not path.exists():
            return pd.DataFrame(columns=BENCH_COLUMNS)
        frame = pd.read_csv(path)
    for c in BENCH_COLUMNS:
        if c not in frame:
            frame[c] = None
    # One figure per series, entity and year: the annual one, else the latest quarter published.
    frame = frame[frame["segment"].isna() | (frame["segment"].astype(str).str.strip() == "")]
    period = frame["period"].astype(str)
    frame = frame.assign(_annual=period.eq("annual"), _period=period).sort_values(["_annual", "_period"])
    frame = frame.groupby(["series", "entity", "year"], as_index=False).last()
    return frame[BENCH_COLUMNS]


def _lookup(scores: pd.DataFrame, series: str) -> dict[tuple[str, int], tuple[float, str]]:
    s = scores[scores["series"] == series]
    return {(_norm(e), int(y)): (float(v), str(u)) for e, y, v, u in
            zip(s["entity"], s["year"], s["score"], s["source_url"], strict=True)}


@cached
def acsi_comparison(db: str | os.PathLike[str] | None = None,
                    data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """Per service x fiscal year: satisfaction index and its gap to ACSI federal, national, industry."""
    r = reader(db)
    sat = driver_scores(db, "year", by_channel=False, data_dir=data_dir)
    sat = sat[sat["driver"] == "satisfaction"].reset_index(drop=True)
    peers = load_declarations(Path(data_dir)).peers
    scores = acsi_scores(r, data_dir)
    departments = r.df("SELECT s.service_id, a.department FROM services s"
                       " LEFT JOIN agencies a USING (agency_id)")
    sat = sat.merge(departments.rename(columns={"department": "dept"}), on="service_id", how="left")
    out = sat[["agency", "service_id", "service", "fiscal_year", "n", "mean", "agree_share", "last_loaded",
               "synthetic"]].copy()
    out["service_index"] = (out["mean"] - 1) / 4 * 100
    federal = scores[scores["series"] == "federal_government_aggregate"].set_index("year")["score"]
    national = scores[scores["series"] == "national_acsi"].set_index("year")["score"]
    industry = _lookup(scores, "private_industry")
    department = _lookup(scores, "department")
    out["acsi_federal"] = out["fiscal_year"].map(federal)
    out["acsi_national"] = out["fiscal_year"].map(national)
    out["industry"] = out["service_id"].map(peers)
    out["acsi_industry"] = [industry.get((_norm(i), int(y)), (np.nan, ""))[0] if isinstance(i, str)
                            else np.nan for i, y in zip(out["industry"], out["fiscal_year"], strict=True)]
    out["department"] = sat["dept"]
    out["acsi_department"] = [department.get((_norm(d), int(y)), (np.nan, ""))[0] if isinstance(d, str)
                              else np.nan for d, y in zip(sat["dept"], out["fiscal_year"], strict=True)]
    for name in ("federal", "national", "industry", "department"):
        out[f"gap_{name}"] = out["service_index"] - out[f"acsi_{name}"]
    out["comparison_note"] = COMPARISON_NOTE
    return out[["agency", "service_id", "service", "fiscal_year", "n", "mean", "service_index", "agree_share",
                "acsi_federal", "gap_federal", "acsi_national", "gap_national", "industry", "acsi_industry",
                "gap_industry", "department", "acsi_department", "gap_department", "comparison_note",
                "last_loaded", "synthetic"]].sort_values(["service_id", "fiscal_year"], ignore_index=True)
