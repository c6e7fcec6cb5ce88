"""The overview's headline tiles, one row of tiles per scope the viewer gets (metrics.overview:
an agency manager's own agency, compared with its own previous quarter, then government-wide), and
the notice that a quarter is a draft. Drawing only: the figures, scopes and draft status come from
metrics.overview and metrics.periods."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import html

from dashboard.charts import summary_tile
from dashboard.filters import mark_draft
from dashboard.formatting import (
    fmt_count_change,
    fmt_interval,
    fmt_mean,
    fmt_number,
    fmt_percent,
    fmt_percent1,
    fmt_points,
    is_missing,
    last_updated_text,
)
from dashboard.notices import empty_state
from dashboard.survey_blocks import a11_drivers, fmt_p
from metrics.overview import overview_scopes, quarter_headlines
from metrics.periods import DRAFT
from metrics.scorecard import government_drivers


def _change(change: object, significant: object, p: object, prev: str) -> str:
    if is_missing(change):
        return "No figure for the previous quarter"
    sig = "a significant change" if bool(significant) else "not a significant change"
    return f"{fmt_points(change)} {prev}, {sig} ({fmt_p(p)})"


def _trust_tile(h: pd.Series, prev: str, mean: object = None, prefix: str = "") -> html.Div:
    mean_text = f" Mean answer {fmt_mean(mean)} of 5." if not is_missing(mean) else ""
    return summary_tile(
        title="Trust", tile_id=f"{prefix}tile-trust", value=fmt_percent1(h["trust_share"]),
        detail=f"of {fmt_number(h['n'])} survey answers agreed they trust the agency; 95% interval "
               f"{fmt_interval(h['trust_ci_low'], h['trust_ci_high'], 1)}.{mean_text}",
        change=_change(h["change_trust"], h["significant_trust"], h["p_value_trust"], prev))


def _tiles(h: pd.Series, whose: str = "the", prefix: str = "") -> html.Div:
    prev = f"on {whose} previous quarter ({_prev_label(h['period'])})"
    met_change = (f"{fmt_points(h['change_share_met'])} {prev}" if not is_missing(h["change_share_met"])
                  else "No figure for the previous quarter")
    off_change = "No figure for the previous quarter"
    if not is_missing(h["change_services_off_track"]):
        off_change = f"{fmt_count_change(h['change_services_off_track'], 'service')} {prev}"
    return html.Div(className="grid-row grid-gap-2 card-group-tiles", **{"data-testid": "tiles"}, children=[
        summary_tile(
            title="Standards met", tile_id=f"{prefix}tile-standards-met",
            value=fmt_percent(h["share_met"]),
            detail=f"{fmt_number(h['standards_met'])} of {fmt_number(h['standards_judged'])} standards "
                   f"judged were on track in {h['period']}.",
            change=met_change),
        _trust_tile(h, prev, prefix=prefix),
        summary_tile(
            title="Services off track", tile_id=f"{prefix}tile-off-track",
            value=fmt_number(h["services_off_track"]),
            detail=f"of {fmt_number(h['services_judged'])} services judged had at least one standard off "
                   f"track in {h['period']}.",
            change=off_change),
    ])


def _survey_tiles(h: pd.Series, drivers: pd.DataFrame, whose: str = "the", prefix: str = "") -> html.Div:
    """Headlines when no standard is judged in the quarter: trust, satisfaction and the services
    surveyed, all from the A-11 survey answers."""
    prev = f"on {whose} previous quarter ({_prev_label(h['period'])})"
    by = drivers.set_index("driver")
    trust_mean = by.loc["trust", "mean"] if "trust" in by.index else None
    tiles = [_trust_tile(h, prev, trust_mean, prefix)]
    if "satisfaction" in by.index:
        sat = by.loc["satisfaction"]
        tiles.append(summary_tile(
            title="Satisfaction", tile_id=f"{prefix}tile-satisfaction",
            value=fmt_percent1(sat["agree_share"]),
            detail=f"of {fmt_number(sat['n'])} survey answers agreed they were satisfied with the service; "
                   f"95% interval {fmt_interval(sat['agree_ci_low'], sat['agree_ci_high'], 1)}. Mean answer "
                   f"{fmt_mean(sat['mean'])} of 5.",
            change=_change(sat["change_prev"], sat["significant_prev"], sat["p_value_prev"], prev)))
    surveyed = int(drivers["services"].max()) if len(drivers) else 0
    tiles.append(summary_tile(
        title="Services surveyed", tile_id=f"{prefix}tile-services-surveyed", value=fmt_number(surveyed),
        detail=f"services reported A-11 survey answers for {h['period']}. No service standard was judged "
               "this quarter, so the headlines are the survey's.",
        change=None))
    return html.Div(className="grid-row grid-gap-2 card-group-tiles", **{"data-testid": "tiles"},
                    children=tiles)


def _prev_label(period: str) -> str:
    fy, q = int(period[2:6]), int(period[-1])
    return f"FY{fy - 1} Q4" if q == 1 else f"FY{fy} Q{q - 1}"


def draft_notice(status: pd.DataFrame, period: str) -> html.Div:
    """Says in words that the quarter is a draft and how many services' figures are unpublished."""
    row = status[status["period"] == period].iloc[0]
    count = int(row["draft_services"])
    text = (f"{period} is a draft: the figures of {count} of the {int(row['services'])} services shown are "
            "not published yet and may change before OMB publishes them. Every figure of this quarter is "
            "marked (draft); comparisons are with the same scope's previous quarter.")
    return html.Div(className="usa-alert usa-alert--warning usa-alert--slim margin-y-2",
                    **{"data-testid": "draft-notice"},
                    children=html.Div(className="usa-alert__body",
                                      children=html.P(text, className="usa-alert__text")))


def headline_sections(db: str, government: pd.DataFrame, period: str, names: dict[str, str]) -> list[Any]:
    """The headline tiles of each scope the viewer gets (metrics.overview.overview_scopes): an agency
    manager's own agency compared with its own previous quarter, then government-wide."""
    scopes = overview_scopes()
    out: list[Any] = []
    for scope in scopes:
        heads = government if scope is None else quarter_headlines(db, agency=scope)
        row = heads[heads["period"] == period]
        if scope is None:
            title = f"Headlines, {period}" if len(scopes) == 1 else f"Government-wide, {period}"
            whose = "the government-wide" if len(scopes) > 1 else "the"
        else:
            title = f"Your agency: {names.get(scope, scope)}, {period}"
            whose = "the agency's"
        section: list[Any] = [html.H2(title, className="margin-top-4")]
        has = len(row) and (row.iloc[0]["standards_judged"] > 0 or not is_missing(row.iloc[0]["n"]))
        if not has:
            what = "published government-wide figures" if scope is None else "figures of your agency"
            section.append(empty_state(f"No {what} for {period} yet."))
            out.append(html.Div(section, **{"data-testid": f"headlines-{scope or 'government'}"}))
            continue
        h = row.iloc[0]
        judged = not is_missing(h["standards_judged"]) and h["standards_judged"] > 0
        prefix = "" if scope is None else "own-"  # ids stay unique with two scopes on the page
        if judged:
            tiles = _tiles(h, whose, prefix)
        else:
            drivers = government_drivers(db, "quarter")
            tiles = _survey_tiles(h, a11_drivers(drivers[drivers["period"] == period]), whose, prefix)
        if h["status"] == DRAFT:
            for tile in tiles.children:
                mark_draft(tile)
        section += [tiles, html.P(f"Last updated: {last_updated_text(row) or 'not known'}",
                                  className="font-sans-xs text-base-dark")]
        out.append(html.Div(section, **{"data-testid": f"headlines-{scope or 'government'}"}))
    return out


