"""Channels (online, phone, in person, mail): their volume, and how each performs, per service and agency.

* `channel_performance`: service x period x channel - each standard's result against its target and
  each survey driver's agree share (with its interval and n) against all channels; `worst_channel`
  names the worst channel by the rule `worst_rule_text()` prints (the methodology page shows it);
* `service_channels`: service x channel ('all' = every channel) x fiscal quarter or year -
  transactions, median and 90th-percentile wait and processing times (from the service_period
  rollup), and the trust agree share with its interval, n and the survey response rate;
* `agency_channels`: agency x channel x period - transactions and their share of the agency's
  transactions, trust pooled over the agency's services (agree and n summed, Wilson interval).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from core import vocab
from core.declarations import load_declarations
from core.fiscal import period_label, quarter_start
from core.paths import DATA_DIR
from core.vocab import ALL_CHANNELS, UNSPECIFIED
from metrics.cache import cached
from metrics.db import reader
from metrics.provenance import attach_freshness, loads_table
from metrics.shared_rows import period_rows, service_names
from metrics.standards import POINTS, result_and_target, standards_status
from metrics.stats import add_interval
from metrics.suppression import undeferred
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
    ops = period_rows(db, grain)  # every PERIOD_COLUMNS, in that order
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
    names = service_names(db)[["service_id", "service", "agency_id", "agency"]]
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


# --------------------------------------------------------------------------- channels by performance

#: What a row of `channel_performance` compares: a declared standard, or a survey driver.
STANDARD, SURVEY = "standard", "survey"
VS_TARGET, VS_ALL = "target", "all channels"
#: The survey driver that names the channel customers trust least (the A-11 headline question).
WORST_DRIVER = "trust"
EPS = 1e-9  # shortfalls are ratios of integers; a hair of tolerance for ties

PERFORMANCE_COLUMNS = [
    "agency_id", "agency", "service_id", "service", "grain", "period", "period_start", "channel",
    "channel_label", "kind", "standard_id", "driver", "measure", "status", "result", "result_unit",
    "target", "gap", "gap_unit", "compared_with", "shortfall", "ci_low", "ci_high", "n", "low_n",
    "last_loaded", "synthetic",
]


def _declared(data_dir: str | os.PathLike[str]) -> dict[str, str | os.PathLike[str]]:
    """No keyword for the shipped declarations, so that a cached table called from here and from the
    pages (which pass none) is one cache entry, not two."""
    return {} if Path(data_dir).resolve() == Path(DATA_DIR).resolve() else {"data_dir": data_dir}


def _standard_rows(status: pd.DataFrame, data_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """Each standard of a channel (or of the service as a whole) in each period: result against target."""
    metrics = load_declarations(Path(data_dir)).metrics
    records = []
    for row in status.itertuples(index=False):
        unit, result, target = result_and_target(row)
        on_share = row.judged_on == "share"
        lower = not on_share and metrics[row.value_metric].direction == "lower"
        known = pd.notna(result) and pd.notna(target)
        scale = 100.0 if unit == "share" else 1.0
        gap = (float(result) - float(target)) * scale if known else np.nan
        if not known:
            shortfall = np.nan
        elif on_share:
            shortfall = float(target) - float(result)
        elif float(target) != 0:
            shortfall = (float(result) - float(target) if lower else float(target) - float(result)) / abs(
                float(target))
        else:
            shortfall = np.nan
        records.append({
            "agency_id": row.agency_id, "agency": row.agency, "service_id": row.service_id,
            "service": row.service, "grain": row.grain, "period": row.period,
            "period_start": row.period_start,
            "channel": row.channel, "kind": STANDARD, "standard_id": row.standard_id, "driver": None,
            "measure": row.standard, "status": row.status, "result": result, "result_unit": unit,
            "target": target, "gap": gap, "gap_unit": POINTS if unit == "share" else unit,
            "compared_with": VS_TARGET, "shortfall": shortfall, "ci_low": row.ci_low, "ci_high": row.ci_high,
            "n": row.n, "low_n": row.status == "insufficient data" if isinstance(row.status, str) else pd.NA,
            "last_loaded": row.last_loaded, "synthetic": row.synthetic,
            "suppressed": bool(getattr(row, "suppressed", False)),
        })
    return pd.DataFrame(records, columns=[*(c for c in PERFORMANCE_COLUMNS if c != "channel_label"),
                                          "suppressed"])


def _survey_rows(by_channel: pd.DataFrame, pooled: pd.DataFrame, grain: str) -> pd.DataFrame:
    """Each driver's agree share per channel, against the same driver for all channels together."""
    keys = ["service_id", "period", "driver"]
    reference = pooled[[*keys, "agree_share"]].rename(columns={"agree_share": "_all"})
    rows = pd.concat([by_channel.merge(reference, on=keys, how="left"), pooled.assign(_all=np.nan)],
                     ignore_index=True)
    named = rows["channel"] != ALL_CHANNELS
    return pd.DataFrame({
        "agency_id": rows["agency_id"], "agency": rows["agency"], "service_id": rows["service_id"],
        "service": rows["service"], "grain": grain,
        "period": rows["period"], "period_start": rows["period_start"], "channel": rows["channel"],
        "kind": SURVEY, "standard_id": None, "driver": rows["driver"], "measure": rows["driver"],
        "status": None, "result": rows["agree_share"], "result_unit": "share", "target": np.nan,
        "gap": ((rows["agree_share"] - rows["_all"]) * 100).where(named),
        "gap_unit": POINTS, "compared_with": np.where(named, VS_ALL, None),
        "shortfall": (rows["_all"] - rows["agree_share"]).where(named),
        "ci_low": rows["agree_ci_low"], "ci_high": rows["agree_ci_high"], "n": rows["n"],
        "low_n": rows["low_n"], "last_loaded": rows["last_loaded"], "synthetic": rows["synthetic"],
        "suppressed": (rows["suppressed"].astype("boolean").fillna(False).astype(bool) if "suppressed" in rows
                       else False),
    })


@cached
def channel_performance(db: str | os.PathLike[str] | None = None, grain: str = "quarter",
                        data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """Per service x period x channel: each standard's result against its target and each survey
    driver's agree share against all channels (`PERFORMANCE_COLUMNS`), not volume.

    Built from `standards_status` and `driver_scores` as the viewer sees them, each suppressed as a
    whole first (its channel groups intact; when an export defers suppression, the parts are still
    asked for suppressed, `undeferred`): a hidden figure is never compared, and no gap gives one back.
    Rows hidden there keep `suppressed` True."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}, not {grain!r}")
    kw = _declared(data_dir)
    # Each part as the viewer sees it, also when this frame is built deferred (an export, or the cache's
    # unsuppressed entry): the parts' own cached suppressed frames, which a page has mostly built
    # already (for_viewer of their unsuppressed frames, the same as suppressing those here).
    with undeferred():
        status, by_channel, pooled = (standards_status(db, grain, **kw),
                                      driver_scores(db, grain, by_channel=True, **kw),
                                      driver_scores(db, grain, by_channel=False, **kw))
    keep = vocab.CHANNELS  # declared channels, not "unspecified"; standards also of the service as a whole
    status = status[status["channel"].isin([*keep, ALL_CHANNELS])]
    by_channel = by_channel[by_channel["channel"].isin(keep)]
    parts = [p for p in (_standard_rows(status, data_dir), _survey_rows(by_channel, pooled, grain)) if len(p)]
    if not parts:
        return pd.DataFrame(columns=PERFORMANCE_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    labels = channel_labels(data_dir)
    out["channel_label"] = out["channel"].map(lambda c: labels.get(c, c))
    out["n"] = pd.to_numeric(out["n"], errors="coerce")
    out = out.assign(_o=_order(out["channel"]), _k=out["kind"].eq(SURVEY)).sort_values(
        ["service_id", "period_start", "_k", "standard_id", "driver", "_o"], ignore_index=True)
    # Rows the inputs suppressed for this reader stay suppressed (their n is gone, so a second pass
    # of the rule could not tell); OMB's frames have no such column.
    return out[PERFORMANCE_COLUMNS + (["suppressed"] if out["suppressed"].any() else [])]


def channel_performance_export(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Channel performance by fiscal quarter and fiscal year (the registry filters one grain at a time)."""
    return pd.concat([channel_performance(db, grain) for grain in GRAINS], ignore_index=True)


def worst_rule_text() -> str:
    """How the worst channel is chosen, in words, for the methodology page and the charts' definitions."""
    return (
        "The worst channel of a service in a period is the channel furthest below target on its standards "
        "(only the channel-specific standards judged in the period count: on track, at risk or off track). "
        "How far below: for a standard on a share, the target share minus the share served within the "
        "threshold, in percentage points; for a standard on a value (a satisfaction score, an abandonment "
        "rate), how far the value is on the wrong side of its threshold, as a percentage of the threshold. "
        "Ties go to the channel with more observations (n), then to the order of data/channels.yaml. "
        f"When every judged standard is met, or none is judged, the survey decides: the channel with the "
        f"lowest {WORST_DRIVER} agree share (answers 4 and 5), among channels with at least the minimum "
        "number of answers; ties again to the larger n. A figure that is suppressed for the reader is "
        "never compared, so it is never named worst. Volume (how many customers use a channel) plays no part."
    )


GROUP = ["service_id", "grain", "period"]


def _first_per_group(rows: pd.DataFrame, key: str, descending: bool) -> pd.DataFrame:
    """Per service and period, the first row by `key` (rounded, so float noise does not break a tie),
    then the larger n, then the declared channel order."""
    ranked = rows.assign(_key=rows[key].astype(float).round(9), _n=rows["n"].fillna(-1),
                         _o=_order(rows["channel"]))
    ranked = ranked.sort_values([*GROUP, "_key", "_n", "_o"],
                                ascending=[True] * len(GROUP) + [not descending, False, True],
                                kind="mergesort")
    return ranked.drop_duplicates(GROUP).drop(columns=["_key", "_n", "_o"])


def worst_channels(frame: pd.DataFrame) -> pd.DataFrame:
    """Each service's worst channel in each period, by `worst_rule_text`, from the rows of
    `channel_performance` the reader sees: the deciding row, plus `basis` (STANDARD or SURVEY) and
    `all_met` (standards were judged and every one was met, so the survey decided). A service-period
    with no figure to judge by has no row."""
    named = frame[frame["channel"].isin(vocab.CHANNELS)]
    judged = named[(named["kind"] == STANDARD) & named["status"].isin(vocab.JUDGED)
                   & named["shortfall"].notna()]
    below = judged[judged["shortfall"].astype(float) > EPS]
    by_standard = _first_per_group(below, "shortfall", descending=True).assign(basis=STANDARD, all_met=False)
    low_n = named["low_n"].astype("boolean").fillna(True).astype(bool)
    trust = named[(named["kind"] == SURVEY) & (named["driver"] == WORST_DRIVER) & named["result"].notna()
                  & ~low_n]
    decided = pd.MultiIndex.from_frame(by_standard[GROUP]) if len(by_standard) else None
    if decided is not None:
        trust = trust[~pd.MultiIndex.from_frame(trust[GROUP]).isin(decided)]
    by_survey = _first_per_group(trust, "result", descending=False).assign(basis=SURVEY)
    met = pd.MultiIndex.from_frame(judged[GROUP]) if len(judged) else None
    by_survey["all_met"] = (pd.MultiIndex.from_frame(by_survey[GROUP]).isin(met) if met is not None
                            and len(by_survey) else False)
    parts = [p for p in (by_standard, by_survey) if len(p)]
    if not parts:
        return pd.DataFrame(columns=[*frame.columns, "basis", "all_met"])
    return pd.concat(parts).sort_index()


def worst_channel(rows: pd.DataFrame) -> dict | None:
    """`worst_channels` of the rows of one service and period, as a dict (None: nothing to judge by)."""
    found = worst_channels(rows)
    return None if found.empty else found.iloc[0].to_dict()


def mark_worst(frame: pd.DataFrame) -> pd.DataFrame:
    """Add `worst`: True on the row that names each service's worst channel in each period (applied to
    the table as the reader has it, after suppression)."""
    frame = frame.reset_index(drop=True)
    frame["worst"] = frame.index.isin(worst_channels(frame).index) if len(frame) else False
    return frame
