"""Government-wide overview (``/``) for the OMB Chief Performance Officer.

For signed-in staff first what to look at (dashboard.attention_block); then headline tiles per scope
(dashboard.headline_tiles: a manager's own agency, then government-wide, each compared with the same
scope's previous quarter), what needs attention, trust by channel, heatmaps agencies x drivers and
agencies x quarters (standards met), movers by agency (dashboard.movers_block) and the federal index
against ACSI. Filters (quarter, driver) live in the URL; the page opens on the latest published
quarter and labels every figure of a draft quarter "(draft)" (metrics.periods). Figures come from the
metrics layer; this module only draws them."""

from __future__ import annotations

from typing import Any

import dash
import plotly.graph_objects as go
from dash import html

from dashboard.attention_block import attention_block
from dashboard.charts import (
    PALETTE,
    SERIES_COLOURS,
    SERIES_DASHES,
    SERIES_SYMBOLS,
    chart_block,
    figure_layout,
)
from dashboard.components import current_db
from dashboard.exceptions_block import exceptions_block
from dashboard.filters import (
    FilterSpec,
    filter_form,
    mark_draft,
    read_filters,
    select_control,
    with_draft_labels,
)
from dashboard.formatting import (
    fmt_decimal,
    fmt_number,
    fmt_percent,
    fmt_percent1,
    fmt_signed,
    last_updated_text,
)
from dashboard.headline_tiles import draft_notice, headline_sections
from dashboard.heatmaps import AGREE_BANDS, MET_BANDS, band_legend, heatmap_figure, heatmap_list
from dashboard.movers_block import movers_block
from dashboard.notices import NO_WAREHOUSE_TEXT, any_synthetic, empty_state, notices_alert, page_intro
from dashboard.survey_blocks import DRIVERS, a11_drivers, drivers_block
from dashboard.tables import usa_table
from metrics.access import current_viewer
from metrics.benchmark_view import federal_index_by_year
from metrics.channels import government_channels
from metrics.db import WarehouseMissing
from metrics.holdings import holdings
from metrics.overview import quarter_headlines
from metrics.periods import default_quarter, draft_periods, quarter_status
from metrics.reporting import today
from metrics.scorecard import driver_scorecard, government_drivers, standards_scorecard

dash.register_page(
    __name__,
    path="/",
    name="Overview",
    title="Government-wide overview – ServiceStat",
    description="Federal customer-service performance across agencies and channels.",
    order=0,
)

PATH = "/"
#: The trust-by-channel chart keeps the ids of the first example chart (tests/browser/test_shell.py).
CHANNEL_BLOCK = "home-channels"
HEATMAP_SCALE = [[0.0, "#f1f7fc"], [1.0, "#5d9fd1"]]


def _channel_block(db: str, period: str) -> Any:
    rows = government_channels(db, "quarter")
    rows = rows[(rows["period"] == period) & (rows["channel"] != "all") & rows["trust_share"].notna()]
    rows = rows.assign(trust_pct=(rows["trust_share"] * 100).round().astype("Int64"))
    definition = ("Share of post-transaction survey answers that agree or strongly agree (4 or 5 on the "
                  "5-point scale) with the A-11 trust statement, all services pooled, by the channel the "
                  "customer used. Rounded to whole percents; the table gives the interval and n.")
    title = f"Trust by channel, {period}"
    if rows.empty:
        return chart_block(block_id=CHANNEL_BLOCK, title=title, summary="", definition=definition,
                           figure=None, table=None, last_updated=last_updated_text(rows),
                           empty_message=f"No trust survey answers by channel for {period}.")
    labels = rows["channel_label"].tolist()
    values = [int(v) for v in rows["trust_pct"]]
    fig = go.Figure(go.Bar(x=labels, y=values, marker_color=PALETTE["blue"],
                           text=[f"{v}%" for v in values], textposition="outside",
                           hovertemplate="%{x}: %{y}% agree<extra></extra>"))
    figure_layout(fig, y_title="Agree they trust the agency (%)", x_title="Service channel")
    fig.update_yaxes(range=[0, 105])
    fig.update_layout(showlegend=False)
    summary = (f"Bar chart: share of survey answers agreeing they trust the agency, by channel, {period}. "
               + ", ".join(f"{label} {value}%" for label, value in zip(labels, values, strict=True)) + ".")
    table = usa_table(rows, caption=f"Trust by channel, {period}",
                      columns=[("channel_label", "Service channel"), ("trust_pct", "Agree (%)"),
                               ("trust_ci_low", "95% interval from"), ("trust_ci_high", "95% interval to"),
                               ("n", "n")],
                      formatters={"trust_pct": lambda v: f"{v}%", "trust_ci_low": fmt_percent1,
                                  "trust_ci_high": fmt_percent1, "n": fmt_number},
                      table_id=f"{CHANNEL_BLOCK}-table")
    return chart_block(block_id=CHANNEL_BLOCK, title=title, summary=summary, definition=definition,
                       figure=fig, table=table, last_updated=last_updated_text(rows))


def _driver_heatmap(db: str, fiscal_year: int) -> Any:
    frame = driver_scorecard(db)
    frame = frame[frame["fiscal_year"] == fiscal_year]
    title = f"Agencies by survey driver, FY{fiscal_year}"
    definition = ("Each cell is the share of an agency's survey answers (all its services and channels "
                  "pooled) that agree with the driver's A-11 statement in the fiscal year; the table also "
                  "gives n, the answers behind it. Darker cells are higher; every cell is labelled.")
    if frame.empty:
        return chart_block(block_id="home-drivers", title=title, summary="", definition=definition,
                           figure=None, table=None, last_updated=None,
                           empty_message=f"No survey answers for FY{fiscal_year}.")
    drivers = [d for d in DRIVERS if d in set(frame["driver"])]
    wide = frame.pivot_table(index="agency", columns="driver", values="agree_share", aggfunc="first")
    wide = wide.reindex(columns=drivers).sort_index(ascending=False)
    wide = wide.rename(columns=lambda d: d.capitalize())
    cells = wide.apply(lambda col: col.map(fmt_percent))
    fig = heatmap_figure(wide, cells, AGREE_BANDS)  # dashboard.heatmaps: banded, no data hatched
    figure_layout(fig, y_title="", x_title="Driver", height=max(360, 34 * len(wide) + 120))
    fig.update_layout(margin={"l": 16})
    best = frame.loc[frame["agree_share"].idxmax()]
    worst = frame.loc[frame["agree_share"].idxmin()]
    summary = (f"Heatmap of {len(wide)} agencies by {len(drivers)} drivers, FY{fiscal_year}: highest "
               f"{best['agency']} {best['driver']} {fmt_percent1(best['agree_share'])}, lowest "
               f"{worst['agency']} {worst['driver']} {fmt_percent1(worst['agree_share'])}.")
    long = frame.sort_values(["agency", "driver"])
    table = usa_table(long, caption=f"Agree share by agency and driver, FY{fiscal_year}",
                      columns=[("agency", "Agency"), ("driver", "Driver"), ("agree_share", "Agree"),
                               ("agree_ci_low", "95% interval from"), ("agree_ci_high", "95% interval to"),
                               ("n", "n")],
                      formatters={"agree_share": fmt_percent1, "agree_ci_low": fmt_percent1,
                                  "agree_ci_high": fmt_percent1, "n": fmt_number},
                      label_columns=["agency", "driver"], table_id="home-drivers-table")
    return chart_block(block_id="home-drivers", title=title, summary=summary, definition=definition,
                       figure=fig, table=table, last_updated=last_updated_text(frame),
                       height_px=max(360, 34 * len(wide) + 120),
                       narrow=heatmap_list(wide, cells, AGREE_BANDS, label=title),
                       notes=[band_legend(AGREE_BANDS, title="Colour key: share who agree")])


def _standards_heatmap(db: str, fiscal_year: int) -> Any:
    frame = standards_scorecard(db, "quarter")
    frame = frame[frame["period"].str.startswith(f"FY{fiscal_year} ")]
    title = f"Agencies by quarter: standards met, FY{fiscal_year}"
    definition = ("Each cell is the share of an agency's standards judged in the quarter that were on "
                  "track (met out of judged: on track, at risk or off track; standards with insufficient "
                  "data or not reported are not judged). The table gives every status count.")
    if frame.empty:
        return chart_block(block_id="home-standards", title=title, summary="", definition=definition,
                           figure=None, table=None, last_updated=None,
                           empty_message=_no_standards_text(db, fiscal_year))
    periods = sorted(set(frame["period"]))
    wide = frame.pivot_table(index="agency", columns="period", values="share_met", aggfunc="first")
    text = frame.assign(label=[f"{m} of {j}" for m, j in zip(frame["met"], frame["judged"], strict=True)]
                        ).pivot_table(index="agency", columns="period", values="label", aggfunc="first")
    wide = wide.reindex(columns=periods).sort_index(ascending=False)
    text = text.reindex(index=wide.index, columns=periods).fillna("none judged")
    fig = heatmap_figure(wide, text, MET_BANDS)  # dashboard.heatmaps: banded, none judged = no data
    height = max(320, 34 * len(wide) + 120)
    figure_layout(fig, y_title="", x_title="Fiscal quarter", height=height)
    fig.update_layout(margin={"l": 16})
    totals = frame[["met", "judged"]].sum()
    summary = (f"Heatmap of {len(wide)} agencies by quarter, FY{fiscal_year}: {int(totals['met'])} of "
               f"{int(totals['judged'])} agency-quarter standard judgements were on track.")
    long = frame.sort_values(["agency", "period"]).rename(columns={"judged": "n"})
    table = usa_table(long, caption=f"Standards met by agency and quarter, FY{fiscal_year}",
                      columns=[("agency", "Agency"), ("period", "Quarter"), ("met", "Met"),
                               ("n", "Judged (n)"),
                               ("share_met", "Share met"), ("at_risk", "At risk"), ("off_track", "Off track"),
                               ("insufficient_data", "Insufficient data"), ("not_reported", "Not reported")],
                      formatters={"share_met": fmt_percent},
                      label_columns=["agency", "period"], table_id="home-standards-table")
    return chart_block(block_id="home-standards", title=title, summary=summary, definition=definition,
                       figure=fig, table=table, last_updated=last_updated_text(frame), height_px=height,
                       narrow=heatmap_list(wide, text, MET_BANDS, label=title),
                       notes=[band_legend(MET_BANDS, title="Colour key: standards on track")])


def _benchmark_block(db: str) -> Any:
    rows = federal_index_by_year(db)
    title = "Federal services against private-sector benchmarks"
    definition = ("The satisfaction index of all services, pooled by survey answers, each fiscal year, "
                  "against the American Customer Satisfaction Index (ACSI) for federal government and for "
                  "the national economy. " + (rows["comparison_note"].iloc[0] if len(rows) else ""))
    if rows.empty:
        return chart_block(block_id="home-benchmark", title=title, summary="", definition=definition,
                           figure=None, table=None, last_updated=None,
                           empty_message="No satisfaction answers to compare with ACSI yet.")
    years = [f"FY{y}" for y in rows["fiscal_year"]]
    fig = go.Figure()
    for i, (col, name) in enumerate((("service_index", "Federal services (this dashboard)"),
                                     ("acsi_federal", "ACSI federal government"),
                                     ("acsi_national", "ACSI national"))):
        fig.add_trace(go.Scatter(x=years, y=rows[col].tolist(), mode="lines+markers", name=name,
                                 line={"color": SERIES_COLOURS[i], "dash": SERIES_DASHES[i], "width": 3},
                                 marker={"symbol": SERIES_SYMBOLS[i], "size": 9}))
    figure_layout(fig, y_title="Index (0–100)", x_title="Fiscal year")
    parts = [f"{y} {fmt_decimal(v)}" for y, v in zip(years, rows["service_index"], strict=True)]
    with_acsi = rows[rows["acsi_federal"].notna()]
    gap = ""
    if len(with_acsi):
        g = with_acsi.iloc[-1]
        gap = (f" In FY{g['fiscal_year']} the gap to ACSI federal government "
               f"({fmt_decimal(g['acsi_federal'])}) was {fmt_signed(g['gap_federal'])} points.")
    summary = f"Federal services' satisfaction index by fiscal year: {', '.join(parts)}.{gap}"
    table = usa_table(rows.assign(year=years), caption="Federal index against ACSI by fiscal year",
                      columns=[("year", "Fiscal year"), ("service_index", "Federal index"),
                               ("acsi_federal", "ACSI federal"), ("gap_federal", "Gap to federal"),
                               ("acsi_national", "ACSI national"), ("gap_national", "Gap to national"),
                               ("services", "Services"), ("n", "n")],
                      formatters={"service_index": fmt_decimal, "acsi_federal": fmt_decimal,
                                  "gap_federal": fmt_signed, "acsi_national": fmt_decimal,
                                  "gap_national": fmt_signed, "services": fmt_number, "n": fmt_number},
                      table_id="home-benchmark-table")
    return chart_block(block_id="home-benchmark", title=title, summary=summary, definition=definition,
                       figure=fig, table=table, last_updated=last_updated_text(rows),
                       notes=[html.P(["See ", html.A("Benchmarks", href="/benchmarks", className="usa-link"),
                                      " for each service's gap."], className="font-sans-xs")])


def build_layout(db: str | None, query: dict[str, Any]) -> html.Div:
    """The page for one set of query parameters (invalid ones fall back with a notice)."""
    intro_lead = ("How federal High Impact Service Providers perform against their customer-service "
                  "standards (Executive Order 13571, OMB Circular A-11 Section 280): standards met, trust, "
                  "services off track, and how they moved.")
    try:
        headlines = quarter_headlines(db)
        status = quarter_status(db)
    except WarehouseMissing:
        return html.Div([
            *page_intro("Government-wide overview", show_synthetic_notice=False, lead=intro_lead),
            empty_state(NO_WAREHOUSE_TEXT)])
    # The quarters the viewer sees figures of (newest first), opening on the latest published one.
    periods = (status.sort_values("period_start", ascending=False)["period"].tolist() if len(status)
               else headlines.sort_values("period_start", ascending=False)["period"].tolist())
    drafts = draft_periods(status)
    spec = {"quarter": FilterSpec("Quarter", default_quarter(status) or (periods[0] if periods else ""),
                                  periods),
            "driver": FilterSpec("Driver", "all", ["all", *DRIVERS])}
    values, notices = read_filters(query, spec)
    period, driver = values["quarter"], values["driver"]
    children: list[Any] = [*page_intro("Government-wide overview",
                                       show_synthetic_notice=any_synthetic(headlines), lead=intro_lead)]
    if not periods:
        children.append(empty_state(_nothing_text(db)))
        return html.Div(className="line-height-sans-5", children=children)
    keep = {**values, **{k: str(query[k]) for k in ("sort", "dir", "msort", "mdir")
                         if isinstance(query.get(k), str)}}
    children.append(filter_form(PATH, [
        select_control("quarter", "Fiscal quarter", with_draft_labels(periods, drafts), period),
        select_control("driver", "Driver (movers)",
                       [("all", "All drivers"), *[(d, d.capitalize()) for d in DRIVERS]], driver),
    ]))
    if notices:
        children.append(notices_alert(notices))
    draft = period in drafts
    if draft:
        children.append(draft_notice(status, period))
    fiscal_year = int(period[2:6])

    def label(block: Any, is_draft: bool = draft) -> Any:
        return mark_draft(block) if is_draft else block

    attention = attention_block(db, period=period, as_of=today())
    if attention is not None:
        children.append(attention)
    children += headline_sections(db, headlines, period, dict(_agency_links(db)))
    drivers = government_drivers(db, "quarter")
    drivers = a11_drivers(drivers[drivers["period"] == period])
    children += [
        label(exceptions_block(db, period=period, query=query, path=PATH, keep=keep)),
        label(drivers_block(drivers, block_id="home-survey-drivers", period=period,
                            title=f"Survey drivers, all services, {period}",
                            scope="all services and channels pooled",
                            empty_message=f"No published survey answers of all services for {period}.")),
        label(_channel_block(db, period)),
        label(_driver_heatmap(db, fiscal_year), f"FY{fiscal_year}" in drafts),
        label(_standards_heatmap(db, fiscal_year), f"FY{fiscal_year}" in drafts),
        label(movers_block(db, period=period, query=query, path=PATH, keep=keep,
                           measure="all" if driver == "all" else driver)),
        _benchmark_block(db),
        html.H2("By agency"),
        html.P("Open an agency's page for its services, standards, goals and initiatives."),
        html.Ul(className="usa-list", children=[
            html.Li(html.A(name, href=f"/agency/{aid}", className="usa-link"))
            for aid, name in _agency_links(db)]),
    ]
    return html.Div(className="line-height-sans-5", children=children)


def _nothing_text(db: str | None) -> str:
    """The notice when the viewer has no quarter to see: nothing loaded, or nothing published yet."""
    held = holdings(db)
    if not held.anything:
        return "No figures yet: no survey results, transactions or reported figures have been loaded."
    if current_viewer().role == "public":
        return ("No published figures yet: figures have been loaded, and appear here once OMB publishes "
                "their quarter (see Reporting).")
    return "No figures of the services you may see have been loaded yet."


def _no_standards_text(db: str, fiscal_year: int) -> str:
    """Why no standard is judged in the year: nothing to judge them from, or none visible."""
    if not holdings(db).operations:
        return (f"No standards judged in FY{fiscal_year}: standards are judged from transactions or reported "
                "figures, and the warehouse holds none. The survey results are above.")
    return f"No standards judged in FY{fiscal_year}."


def _agency_links(db: str) -> list[tuple[str, str]]:
    from metrics.directory import agencies

    frame = agencies(db)
    names = frame["bureau"].fillna(frame["department"])
    return sorted(zip(frame["agency_id"], names, strict=True), key=lambda p: p[1])


def layout(**query: Any) -> html.Div:
    return build_layout(current_db(), query)
