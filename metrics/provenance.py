"""Where each figure comes from: the newest load that fed it and whether any of it is synthetic.

Rollup and fact rows carry the ids of the loads behind them; this joins those to `loads` so every
figure shows its data freshness (`last_loaded`, the newest `loads.finished_at`) and a `synthetic`
flag (true when any contributing load is the generated demo data). A row no load fed (a period
nobody reported) is flagged synthetic when the warehouse holds synthetic loads, since the absence
is then a fact about demo data.
"""

from __future__ import annotations

import pandas as pd

from metrics.db import Reader


def loads_table(r: Reader) -> pd.DataFrame:
    return r.df("SELECT load_id, finished_at, synthetic FROM loads WHERE status <> 'refused'")


def attach_freshness(frame: pd.DataFrame, loads: pd.DataFrame, ids_col: str = "load_ids") -> pd.DataFrame:
    """Add `last_loaded` and `synthetic` from a column holding lists of load ids; drop that column."""
    any_synthetic = bool(loads["synthetic"].any()) if len(loads) else False
    if frame.empty:
        out = frame.drop(columns=[ids_col], errors="ignore")
        out["last_loaded"] = pd.Series(dtype="datetime64[us]")
        out["synthetic"] = pd.Series(dtype=bool)
        return out
    ids = frame[ids_col].apply(lambda v: list(v) if isinstance(v, (list, tuple)) or hasattr(v, "tolist")
                               else [])
    exploded = pd.DataFrame({"row": range(len(frame)), "load_id": ids.to_numpy()}).explode("load_id")
    exploded = exploded.dropna(subset=["load_id"]).astype({"load_id": "int64"})
    info = exploded.merge(loads, on="load_id", how="left").groupby("row").agg(
        last_loaded=("finished_at", "max"), synthetic=("synthetic", "any"))
    out = frame.drop(columns=[ids_col]).reset_index(drop=True)
    out = out.join(info, how="left")
    out["synthetic"] = out["synthetic"].astype("boolean").fillna(any_synthetic).astype(bool)
    return out
