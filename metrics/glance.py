"""A service at a glance: one row per service x period x measure, for the tiles atop a service page.

In the manner of GOV.UK's Performance Platform and Australia's DTA dashboard: trust (A-11 agree share),
the standards met (on track, of those judged), the wait and processing times (medians of the
transactions, or the agency's reported average), and where the agency reports them cost per
transaction, digital take-up and completion rate; each with its change on the previous period and on
the same period a year before (metrics.trends). The contact-centre measures that have private-sector
benchmarks (data/benchmarks_operational.csv) come in the same frame (`OPERATIONAL`).

Values are in the metric's declared display unit (data/metrics.yaml `display_unit`: processing time
in days, never minutes), so the page only formats. `n` is the count behind a figure (answers,
transactions, calls) where there is one: the frame is suppressed for the viewer like every other.
A reported measure uses the figure for all channels; failing that, the one channel that reports it
(`channel` says which); cost per transaction, reported by channel only, is the channels' costs
weighted by their reported transactions (total cost over total transactions).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from core.declarations import load_declarations
from core.fiscal import period_label
from core.models import Declarations
from core.paths import DATA_DIR
from core.units import in_unit
from core.vocab import JUDGED
from metrics.cache import cached
from metrics.db import Reader, reader
from metrics.provenance import attach_freshness, loads_table
from metrics.standards import reported_values, standards_status
from metrics.survey import driver_scores
from metrics.trends import add_changes

#: The tiles, in the order a page shows them: measure -> (label, metric of data/metrics.yaml).
TILES: dict[str, tuple[str, str]] = {
    "trust": ("Trust", "trust_agree_share"),
    "standards_met": ("Standards met", ""),
    "wait_time": ("Wait time (median)", "wait_time_median"),
    "processing_time": ("Processing time (median)", "processing_time_median"),
    "cost_per_transaction": ("Cost per transaction", "cost_per_transaction"),
    "digital_take_up": ("Digital take-up", "digital_take_up"),
    "completion_rate": ("Completion rate", "completion_rate"),
}
#: Contact-centre measures with private-sector benchmarks: measure = metric key.
OPERATIONAL = ("calls_answered_within_standard", "first_contact_resolution", "average_speed_of_answer")
#: Agency-reported averages a processing-time tile falls back on, in this order, without transactions.
PROCESSING_REPORTED = ("processing_time_average", "processing_time_average_business_days")

COLUMNS = ["agency_id", "service_id", "service", "grain", "period", "period_start", "measure", "label",
           "metric", "unit", "direction", "channel", "value", "out_of", "n", "prev_value", "prev_out_of",
           "change_prev", "yago_value", "yago_out_of", "change_yago", "last_loaded", "synthetic"]


def display_unit(decl: Declarations, metric: str) -> str:
    """The unit a metric is shown in: its `display_unit`, else the unit it is stored in."""
    m = decl.metrics[metric]
    return m.display_unit or m.unit


def _shown(values: pd.Series, decl: Declarations, metric: str) -> pd.Series:
    """Stored values of `metric` in its display unit."""
    unit = decl.metrics[metric].unit
    factor = in_unit(1.0, unit, display_unit(decl, metric))
    return values.astype(float) * (factor if factor is not None else 1.0)


def _trust(db: str, grain: str, data_dir: str | os.PathLike[str]) -> pd.DataFrame:
    s = driver_scores(db, grain, by_channel=False, data_dir=data_dir)
    s = s[s["driver"] == "trust"]
    return pd.DataFrame({"service_id": s["service_id"], "period_start": s["period_start"], "measure": "trust",
                         "metric": "trust_agree_share", "channel": "all", "value": s["agree_share"],
                         "n": s["n"], "last_loaded": s["last_loaded"], "synthetic": s["synthetic"]})


def _standards(db: str, grain: str, data_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """Standards on track of those judged (on track, at risk, off track) per service and period."""
    s = standards_status(db, grain, data_dir=data_dir)
    s = s.assign(_met=s["status"].eq("on track").fillna(False),
                 _judged=s["status"].isin(JUDGED).fillna(False))
    g = s.groupby(["service_id", "period_start"], as_index=False).agg(
        value=("_met", "sum"), out_of=("_judged", "sum"), last_loaded=("last_loaded", "max"),
        synthetic=("synthetic", "any"))
    g = g[g["out_of"] > 0]
    return g.assign(measure="standards_met", metric="", channel="all", n=np.nan)


def _times(r: Reader, grain: str, decl: Declarations) -> pd.DataFrame:
    ops = r.df("SELECT service_id, period_start, n_wait, wait_median, n_processing, processing_median,"
               " load_ids FROM service_period WHERE grain = ? AND channel = 'all'", [grain])
    ops = attach_freshness(ops, loads_table(r))
    parts = []
    for measure, stem in (("wait_time", "wait"), ("processing_time", "processing")):
        metric = TILES[measure][1]
        rows = ops[ops[f"{stem}_median"].notna()]
        parts.append(pd.DataFrame({
            "service_id": rows["service_id"], "period_start": rows["period_start"], "measure": measure,
            "metric": metric, "channel": "all", "value": _shown(rows[f"{stem}_median"], decl, metric),
            "n": rows[f"n_{stem}"], "last_loaded": rows["last_loaded"], "synthetic": rows["synthetic"]}))
    return pd.concat(parts, ignore_index=True)


def _one_channel(rep: pd.DataFrame) -> pd.DataFrame:
    """Per service x metric: the all-channel figures, else those of the only channel reporting it."""
    if rep.empty:
        return rep.iloc[0:0]
    groups = rep.groupby(["service_id", "metric"], sort=False)
    is_all = rep["channel"] == "all"
    has_all = is_all.groupby([rep["service_id"], rep["metric"]], sort=False).transform("any")
    has_all = has_all.astype("boolean").fillna(False).astype(bool)
    single = groups["channel"].transform("nunique") == 1
    code = groups.ngroup().to_numpy()
    keep = ((has_all & is_all) | (~has_all & single)).to_numpy(dtype=bool) & (code >= 0)
    # Group by group in order of first appearance, each group's rows in their order (as a loop would).
    order = np.flatnonzero(keep)[np.argsort(code[keep], kind="stable")]
    return rep.iloc[order].reset_index(drop=True)


def _cost_over_channels(rep: pd.DataFrame) -> pd.DataFrame:
    """Cost per transaction for all channels where only channels report it: sum(cost x transactions) /
    sum(transactions) over the channels, when every channel reporting a cost reports its transactions."""
    cost = rep[(rep["metric"] == "cost_per_transaction") & (rep["channel"] != "all")]
    tx = rep[(rep["metric"] == "transactions") & (rep["channel"] != "all")]
    both = cost.merge(tx[["service_id", "channel", "period_start", "value", "load_ids"]],
                      on=["service_id", "channel", "period_start"], how="left", suffixes=("", "_tx"))
    rows = []
    value, value_tx = both["value"].to_numpy(dtype=float), both["value_tx"].to_numpy(dtype=float)
    id_lists = [*zip(both["load_ids"], both["load_ids_tx"], strict=True)]
    groups = both.groupby(["service_id", "period_start"]).indices  # positions per group, keys in order
    for (service, start), at in sorted(groups.items(), key=lambda kv: kv[0]):
        tx = value_tx[at]
        if np.isnan(tx).any() or tx.sum() <= 0:
            continue
        weighted = value[at] * tx
        ids = sorted({int(i) for p in at for v in id_lists[p] for i in list(v)})
        rows.append({"service_id": service, "channel": "all", "metric": "cost_per_transaction",
                     "period_start": start,
                     "value": float(np.where(np.isnan(weighted), 0.0, weighted).sum() / tx.sum()),
                     "n": np.nan, "parts": len(at), "load_ids": ids})
    return pd.DataFrame(rows, columns=list(rep.columns))


def _reported(r: Reader, grain: str, decl: Declarations) -> pd.DataFrame:
    keys = ["cost_per_transaction", "digital_take_up", "completion_rate", "transactions", *OPERATIONAL,
            *PROCESSING_REPORTED]
    rep = reported_values(r, grain, {k: decl.metrics[k].aggregate for k in keys if k in decl.metrics})
    has_all_cost = set(rep.loc[(rep["metric"] == "cost_per_transaction") & (rep["channel"] == "all"),
                               "service_id"])
    combined = _cost_over_channels(rep[~rep["service_id"].isin(has_all_cost)])
    rep = pd.concat([rep[rep["metric"] != "cost_per_transaction"],
                     rep[(rep["metric"] == "cost_per_transaction") & rep["service_id"].isin(has_all_cost)],
                     combined], ignore_index=True)
    rep = _one_channel(rep[rep["metric"] != "transactions"])
    rep = attach_freshness(rep, loads_table(r))
    rep["value"] = [v * (in_unit(1.0, decl.metrics[m].unit, display_unit(decl, m)) or 1.0)
                    for m, v in zip(rep["metric"], rep["value"].astype(float), strict=True)]
    by_metric = {metric: measure for measure, (_, metric) in TILES.items() if metric}
    rep["measure"] = [by_metric.get(m, m) for m in rep["metric"]]
    return rep.drop(columns=["parts"])


def _processing_fallback(times: pd.DataFrame, rep: pd.DataFrame) -> pd.DataFrame:
    """Reported processing averages for the services without transaction times, first one declared."""
    timed = set(times.loc[times["measure"] == "processing_time", "service_id"])
    out = []
    for metric in PROCESSING_REPORTED:
        rows = rep[(rep["metric"] == metric) & ~rep["service_id"].isin(timed)]
        out.append(rows.assign(measure="processing_time"))
        timed |= set(rows["service_id"])
    return pd.concat(out, ignore_index=True)


@cached
def service_glance(db: str | os.PathLike[str] | None = None, grain: str = "quarter",
                   data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """Per service x fiscal quarter (or year) x measure: value in its display unit, and the changes."""
    if grain not in ("quarter", "year"):
        raise ValueError("grain must be quarter or year")
    decl = load_declarations(Path(data_dir))
    r = reader(db)
    times = _times(r, grain, decl)
    rep = _reported(r, grain, decl)
    rep = pd.concat([rep[~rep["metric"].isin(PROCESSING_REPORTED)], _processing_fallback(times, rep)],
                    ignore_index=True)
    frame = pd.concat([_trust(db, grain, data_dir), _standards(db, grain, data_dir), times, rep],
                      ignore_index=True)
    frame["period_start"] = pd.to_datetime(frame["period_start"]).dt.date
    frame["value"] = frame["value"].astype(float)
    frame["out_of"] = pd.to_numeric(frame.get("out_of"), errors="coerce")
    frame["n"] = pd.to_numeric(frame["n"], errors="coerce")
    frame = add_changes(frame, ["service_id", "measure"], "value", grain, carry=("out_of",))
    labels = {measure: label for measure, (label, _) in TILES.items()}
    frame["label"] = [labels.get(m) or decl.metrics[m].label for m in frame["measure"]]
    frame["unit"] = ["count" if not m else display_unit(decl, m) for m in frame["metric"]]
    frame["direction"] = ["higher" if not m else decl.metrics[m].direction for m in frame["metric"]]
    frame["grain"] = grain
    frame["period"] = [period_label(grain, p) for p in frame["period_start"]]
    names = r.df("SELECT service_id, name AS service, agency_id FROM services")
    frame = frame.merge(names, on="service_id", how="left")
    frame["synthetic"] = frame["synthetic"].fillna(False).astype(bool)
    order = {m: i for i, m in enumerate([*TILES, *OPERATIONAL])}
    frame = frame.assign(_o=frame["measure"].map(order)).sort_values(["service_id", "_o", "period_start"])
    return frame[COLUMNS].reset_index(drop=True)


def metric_display_unit(metric: str, data_dir: str | os.PathLike[str] = DATA_DIR) -> str:
    """The unit a page shows `metric` in (data/metrics.yaml `display_unit`, else its stored `unit`)."""
    return display_unit(load_declarations(Path(data_dir)), metric)
