"""Channel breakdown (online, phone, in person, mail): operations and trust per service and agency.

* `service_channels`: service x channel ('all' = every channel) x fiscal quarter or year -
  transactions, median and 90th-percentile wait and processing times (from the service_period
  rollup), and the trust agree share with its interval, n and the survey response rate;
* `agency_channels`: agency x channel x period - transactions and their share of the agency's
  transactions, trust pooled over the agency's services (agree and n summed, Wilson interval).
"""

from __future__ import annotations

import os

import pandas as pd

from core import vocab
from core.fiscal import period_label, quarter_start
from core.paths import DATA_DIR
from core.vocab import ALL_CHANNELS, UNSPECIFIED
from metrics.cache import cached
from metrics.db import reader
from metrics.provenance import attach_freshness, loads_table
from metrics.stats import add_interval
from metrics.survey import driver_scores

GRAINS = ("quarter", "year")
CHANNEL_ORDER = (*vocab.CHANNELS, UNSPECIFIED, ALL_CHANNELS)

SERVICE_COLUMNS = [
    "agency_id", "agency", "service_id", "service", "channel", "channel_label", "grain", "period",
    "period_start", "events", "completed", "n_wait", "wait_median", "wait_p90", "n_processing",
    "processing_median", "processing_p90", "trust_agree", "n", "trust_share", "trust_ci_low",
    "trust_ci_high", "offered", "responded", "response_rate", "last_loaded", "synthetic",
]


def channel_labels(data_dir: str | os.PathLike[str] = DATA_DIR) -> dict[str, str]:
    """Channel key -> label from data/channels.yaml, plus 'all' and 'unspecified'."""
    return {**vocab.channel_labels(data_dir), ALL_CHANNELS: "All channels", UNSPECIFIED: "Channel not given"}


def _order(channel: pd.Series) -> pd.Series:
    rank = {c: i for i, c in enumerate(CHANNEL_ORDER)}
    return channel.map(lambda c: rank.get(c, len(rank)))


@cached
def service_channels(db: str | os.PathLike[str] | None = None, grain: str = "quarter",
                     data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """Per service x channel x period: operations from the rollup and trust from the surveys.

    `n` is the trust responses; `events` the transactions; `n_wait` / `n_processing` the
    transactions behind the wait and processing percentiles."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}, not {grain!r}")
    r = reader(db)
    ops = r.df("SELECT service_id, channel, period_start, events, completed, n_wait, wait_median, wait_p90,"
               " n_processing, processing_median, processing_p90, load_ids FROM service_period"
               " WHERE grain = ?", [grain])
    ops = attach_freshness(ops, loads_table(r))
    ops["period"] = [period_label(grain, p) for p in ops["period_start"]]
    ops = ops.rename(columns={"last_loaded": "last_ops", "synthetic": "syn_ops"}).drop(columns="period_start")

    by = driver_scores(db, grain, by_channel=True, data_dir=data_dir)
    pooled = driver_scores(db, grain, by_channel=False, data_dir=data_dir)
    trust = pd.concat([by[by["driver"] == "trust"], pooled[pooled["driver"] == "trust"]], ignore_index=True)
    trust = trust[["service_id", "channel", "period", "agree", "n", "offered", "responded", "response_rate",
                   "last_loaded", "synthetic"]].rename(
        columns={"agree": "trust_agree", "last_loaded": "last_tr", "synthetic": "syn_tr"})

    out = ops.merge(trust, on=["service_id", "channel", "period"], how="outer")
    names = r.df("SELECT s.service_id, s.name AS service, s.agency_id, coalesce(a.bureau, a.department)"
                 " AS agency FROM services s LEFT JOIN agencies a USING (agency_id)")
    out = out.merge(names, on="service_id", how="left")
    out = add_interval(out, "trust_agree", "n", prefix="trust_")
    out = out.rename(columns={"trust_agree_share": "trust_share", "trust_agree_ci_low": "trust_ci_low",
                              "trust_agree_ci_high": "trust_ci_high"})
    labels = channel_labels(data_dir)
    out["channel_label"] = out["channel"].map(lambda c: labels.get(c, c))
    out["grain"] = grain
    out["period_start"] = [_start(grain, p) for p in out["period"]]
    out["last_loaded"] = out[["last_ops", "last_tr"]].max(axis=1)
    out["synthetic"] = out["syn_ops"].fillna(False).astype(bool) | out["syn_tr"].fillna(False).astype(bool)
    out = out.assign(_o=_order(out["channel"])).sort_values(["service_id", "period_start", "_o"],
                                                            ignore_index=True)
    return out[SERVICE_COLUMNS]


def _start(grain: str, period: str) -> object:
    """First day of 'FY2024 Q2' or 'FY2024'."""

    fy = int(period[2:6])
    quarter = int(period[-1]) if grain == "quarter" else 1
    return quarter_start(fy, quarter)


AGENCY_COLUMNS = ["agency_id", "agency", "channel", "channel_label", "grain", "period", "period_start",
                  "services", "events", "share_of_events", "trust_agree", "n", "trust_share", "trust_ci_low",
                  "trust_ci_high", "last_loaded", "synthetic"]


@cached
def agency_channels(db: str | os.PathLike[str] | None = None, grain: str = "quarter",
                    data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """Per agency x channel x period: transactions (and their share of the agency's transactions in
    the period, across the named channels) and trust pooled over the agency's services."""
    rows = service_channels(db, grain, data_dir=data_dir)
    if rows.empty:
        return pd.DataFrame(columns=AGENCY_COLUMNS)
    out = rows.groupby(["agency_id", "agency", "channel", "channel_label", "grain", "period", "period_start"],
                       as_index=False, dropna=False).agg(
        services=("service_id", "nunique"), events=("events", lambda s: s.sum(min_count=1)),
        trust_agree=("trust_agree", lambda s: s.sum(min_count=1)), n=("n", lambda s: s.sum(min_count=1)),
        last_loaded=("last_loaded", "max"), synthetic=("synthetic", "any"))
    named = out[out["channel"] != "all"]
    totals = named.groupby(["agency_id", "period"])["events"].sum(min_count=1).rename("_total")
    out = out.merge(totals, on=["agency_id", "period"], how="left")
    out["share_of_events"] = out["events"] / out["_total"].where(out["_total"] > 0)
    out.loc[out["channel"] == "all", "share_of_events"] = out["events"].where(out["events"].notna()) / out[
        "events"].where(out["events"] > 0)
    out = add_interval(out, "trust_agree", "n", prefix="trust_")
    out = out.rename(columns={"trust_agree_share": "trust_share", "trust_agree_ci_low": "trust_ci_low",
                              "trust_agree_ci_high": "trust_ci_high"})
    out = out.assign(_o=_order(out["channel"])).sort_values(["agency_id", "period_start", "_o"],
                                                            ignore_index=True)
    return out[AGENCY_COLUMNS]


GOVERNMENT_COLUMNS = ["channel", "channel_label", "grain", "period", "period_start", "services", "events",
                      "trust_agree", "n", "trust_share", "trust_ci_low", "trust_ci_high", "last_loaded",
                      "synthetic"]


@cached
def government_channels(db: str | os.PathLike[str] | None = None, grain: str = "quarter",
                        data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """Per channel x period, all services pooled: transactions and trust (agree and n summed)."""
    rows = service_channels(db, grain, data_dir=data_dir)
    if rows.empty:
        return pd.DataFrame(columns=GOVERNMENT_COLUMNS)
    out = rows.groupby(["channel", "channel_label", "grain", "period", "period_start"], as_index=False).agg(
        services=("service_id", "nunique"), events=("events", lambda s: s.sum(min_count=1)),
        trust_agree=("trust_agree", lambda s: s.sum(min_count=1)), n=("n", lambda s: s.sum(min_count=1)),
        last_loaded=("last_loaded", "max"), synthetic=("synthetic", "any"))
    out = add_interval(out, "trust_agree", "n", prefix="trust_")
    out = out.rename(columns={"trust_agree_share": "trust_share", "trust_agree_ci_low": "trust_ci_low",
                              "trust_agree_ci_high": "trust_ci_high"})
    out = out.assign(_o=_order(out["channel"])).sort_values(["period_start", "_o"], ignore_index=True)
    return out[GOVERNMENT_COLUMNS]
