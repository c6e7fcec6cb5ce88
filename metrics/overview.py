"""Government-wide figures for the Chief Performance Officer's overview page.

* `quarter_headlines`: per fiscal quarter, the share of standards met, the trust agree share (all
  services of the scope pooled) with its Wilson 95% interval, and the services with a standard off
  track, each with its change on the previous quarter (trust: with the pooled two-proportion test).
  The scope is government-wide or one agency, the same in both quarters (metrics.periods.in_scope:
  like with like); `status` says whether the quarter's figures include drafts;
* `overview_scopes`: the scopes the overview shows a viewer (a manager: their agency, then
  government-wide);
* `significant_movers`: service x driver agree shares that changed significantly on the previous
  quarter (metrics.survey.driver_scores' test), biggest changes first. The federal index against
  ACSI is metrics.benchmark_view.federal_index_by_year.
"""

from __future__ import annotations

import os

import pandas as pd

from core.paths import DATA_DIR
from core.vocab import JUDGED
from metrics.access import current_viewer
from metrics.cache import cached
from metrics.periods import DRAFT, PUBLISHED, in_scope
from metrics.standards import standards_status
from metrics.stats import add_interval, significant, two_proportion_test
from metrics.survey import driver_scores

HEADLINE_COLUMNS = [
    "period", "period_start", "standards_met", "standards_judged", "share_met", "prev_share_met",
    "change_share_met", "services_off_track", "services_judged", "prev_services_off_track",
    "change_services_off_track", "trust_agree", "n", "trust_share", "trust_ci_low", "trust_ci_high",
    "prev_trust_share", "change_trust", "p_value_trust", "significant_trust", "draft_services", "status",
    "last_loaded", "synthetic",
]


@cached
def quarter_headlines(db: str | os.PathLike[str] | None = None,
                      data_dir: str | os.PathLike[str] = DATA_DIR, agency: str | None = None) -> pd.DataFrame:
    """One row per fiscal quarter with the three headline figures of the scope (government-wide, or
    `agency`) and their change on the same scope's quarter before (NaN where that quarter has no
    figure). `n` is the trust responses behind the share; `draft_services` the services whose
    figures in the quarter are not published yet, `status` draft when there is any."""
    status = in_scope(standards_status(db, "quarter", data_dir=data_dir), db, agency)
    trust = driver_scores(db, "quarter", by_channel=False, data_dir=data_dir)
    trust = in_scope(trust[trust["driver"] == "trust"], db, agency)
    if status.empty and trust.empty:
        return pd.DataFrame(columns=HEADLINE_COLUMNS)

    judged = status[status["status"].isin(JUDGED)]
    # The periods come from the frame itself, so the key keeps its type even when there are no
    # standards figures (a list built from nothing would be float64 and break the merges below).
    std = status[["period"]].drop_duplicates().sort_values("period", ignore_index=True)
    std = std.merge(status.groupby("period", as_index=False).agg(
        period_start=("period_start", "min"), last_std=("last_loaded", "max"), syn_std=("synthetic", "any")),
        on="period", how="left")
    met = judged.assign(met=judged["status"] == "on track").groupby("period").agg(
        standards_met=("met", "sum"), standards_judged=("status", "size"),
        services_judged=("service_id", "nunique"))
    off = status[status["status"] == "off track"].groupby("period").agg(
        services_off_track=("service_id", "nunique"))
    std = std.merge(met, on="period", how="left").merge(off, on="period", how="left")
    for col in ("standards_met", "standards_judged", "services_judged", "services_off_track"):
        std[col] = std[col].fillna(0).astype("int64")

    tr = trust.groupby("period", as_index=False).agg(
        trust_start=("period_start", "min"), trust_agree=("agree", "sum"), n=("n", "sum"),
        last_tr=("last_loaded", "max"), syn_tr=("synthetic", "any"))
    out = std.merge(tr, on="period", how="outer")
    out["period_start"] = pd.to_datetime(out["period_start"].fillna(out["trust_start"]))
    out = out.sort_values("period_start", ignore_index=True)
    out["share_met"] = out["standards_met"] / out["standards_judged"].where(out["standards_judged"] > 0)
    out = add_interval(out, "trust_agree", "n", prefix="trust_")
    out = out.rename(columns={"trust_agree_share": "trust_share", "trust_agree_ci_low": "trust_ci_low",
                              "trust_agree_ci_high": "trust_ci_high"})
    # The previous quarter is the row three months before (not merely the row before: gaps stay gaps).
    prev = out[["period_start", "share_met", "services_off_track", "services_judged", "trust_agree", "n",
                "trust_share"]].copy()
    prev["period_start"] = prev["period_start"] + pd.DateOffset(months=3)
    prev = prev.rename(columns={c: f"prev_{c}" for c in prev.columns if c != "period_start"})
    out = out.merge(prev, on="period_start", how="left")
    out["change_share_met"] = out["share_met"] - out["prev_share_met"]
    has_prev_status = out["prev_services_judged"].fillna(0) > 0
    out["prev_services_off_track"] = out["prev_services_off_track"].where(has_prev_status)
    out["change_services_off_track"] = out["services_off_track"] - out["prev_services_off_track"]
    out["change_trust"] = out["trust_share"] - out["prev_trust_share"]
    _, p = two_proportion_test(out["prev_trust_agree"], out["prev_n"], out["trust_agree"], out["n"])
    out["p_value_trust"] = p
    out["significant_trust"] = significant(p)
    drafts = pd.concat([status.loc[status["draft"], ["period", "service_id"]],
                        trust.loc[trust["draft"], ["period", "service_id"]]]).drop_duplicates()
    counts = drafts.groupby("period")["service_id"].nunique()
    out["draft_services"] = out["period"].map(counts).fillna(0).astype("int64")
    out["status"] = [DRAFT if d else PUBLISHED for d in out["draft_services"]]
    out["last_loaded"] = out[["last_std", "last_tr"]].max(axis=1)
    out["synthetic"] = out["syn_std"].fillna(False).astype(bool) | out["syn_tr"].fillna(False).astype(bool)
    out["period_start"] = out["period_start"].dt.date
    return out[HEADLINE_COLUMNS]


MOVER_COLUMNS = ["agency_id", "agency", "service_id", "service", "driver", "period", "prev_agree_share",
                 "agree_share", "change_prev", "p_value_prev", "n", "agree_ci_low", "agree_ci_high",
                 "last_loaded", "synthetic"]


@cached
def significant_movers(db: str | os.PathLike[str] | None = None, period: str = "", driver: str = "all",
                       limit: int = 10, data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """Service x driver agree shares (all channels) that changed significantly (two-proportion test,
    p < 0.05) on the previous quarter in `period`, the largest absolute changes first."""
    scores = driver_scores(db, "quarter", by_channel=False, data_dir=data_dir)
    rows = scores[(scores["period"] == period) & scores["significant_prev"]]
    if driver != "all":
        rows = rows[rows["driver"] == driver]
    rows = rows.assign(_size=rows["change_prev"].abs()).sort_values(
        ["_size", "service_id", "driver"], ascending=[False, True, True])
    return rows.head(limit)[MOVER_COLUMNS].reset_index(drop=True)


def overview_scopes() -> list[str | None]:
    """The scopes of the overview's headlines for the current viewer, first shown first: an agency
    manager's own agency, then government-wide (None) for everyone."""
    viewer = current_viewer()
    return [viewer.agency_id, None] if viewer.role == "agency" else [None]


def latest_period(frame: pd.DataFrame, column: str = "period") -> str | None:
    """The last period (by period_start) in a frame, or None when it is empty."""
    if frame.empty:
        return None
    return str(frame.sort_values("period_start")[column].iloc[-1])


__all__ = ["quarter_headlines", "significant_movers", "overview_scopes", "latest_period"]
