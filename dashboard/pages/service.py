"""Service view (``/service/<service_id>``): one service against its standards.

Standards and a standard's trend against its target; median and 90th percentile times; survey
drivers with intervals and n; response rate; channel comparison; benchmark gap. Filters (period,
standard, channel) live in the URL; an unknown service id gets an explicit "no such service" page.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from core.units import in_unit
from dashboard.channels_block import channel_blocks
from dashboard.charts import (
    PALETTE,
    SERIES_COLOURS,
    SERIES_DASHES,
    SERIES_SYMBOLS,
    chart_block,
    figure_layout,
)
from dashboard.components import current_db
from dashboard.figures import PlainFigure, trace
from dashboard.filters import (
    FilterSpec,
    filter_form,
    label_drafts,
    read_filters,
    select_control,
    with_draft_labels,
)
from dashboard.formatting import (
    fmt_decimal,
    fmt_number,
    fmt_percent1,
    fmt_signed,
    is_missing,
    last_updated_text,
    unit_label,
)
from dashboard.glance_block import fmt_duration, glance_block
from dashboard.narrative_block import narrative_block
from dashboard.notices import (
    any_synthetic,
    empty_state,
    no_such_page,
    no_warehouse_page,
    notices_alert,
    page_intro,
)
from dashboard.operational_block import operational_block
from dashboard.survey_blocks import distribution_block, drivers_block
from dashboard.tables import usa_table
from dashboard.views import grain_of, period_options, standard_trend_block, standards_table_block
from metrics.access import current_viewer
from metrics.benchmarks import acsi_comparison
from metrics.catalogue import standards_catalogue
from metrics.channels import channel_labels, service_channels
from metrics.db import WarehouseMissing
from metrics.directory import services
from metrics.glance import metric_display_unit, service_glance
from metrics.holdings import holdings
from metrics.narratives import service_narratives
from metrics.operational_benchmarks import operational_comparison
from metrics.periods import default_period as metrics_default_period
from metrics.periods import draft_periods, quarter_status
from metrics.standards import standards_status
from metrics.survey import driver_scores
from metrics.survey_distribution import answer_distribution


def _service_row(service_id: str | None) -> dict | None:
    frame = services(current_db())
    found = frame[frame["service_id"] == service_id]
    return None if found.empty else found.iloc[0].to_dict()


def title(service_id: str | None = None, **_: Any) -> str:
    """The page title, also written server-side by dashboard.app (callable titles)."""
    try:
        row = _service_row(service_id)
    except Exception:  # noqa: BLE001 - a title must never fail the page
        row = None
    return f"{row['name']} – ServiceStat" if row else "No such service – ServiceStat"


dash.register_page(
    __name__,
    path_template="/service/<service_id>",
    name="Service",
    title=title,
    # dashboard.app answers /service/<unknown id> with HTTP 404 (the page still explains).
    known=lambda service_id=None, **_: _service_row(service_id) is not None,
    description="One service against its standards, with times, survey drivers, channels and benchmarks.",
)


def _no_such_service(db: str | None, service_id: str | None) -> html.Div:
    frame = services(db).sort_values("name")
    return no_such_page("service", "Services", service_id,
                        list(zip(frame["name"], "/service/" + frame["service_id"], strict=True)))


def _times_block(ops: Any, kind: str, channel_label: str) -> Any:
    """Median and 90th percentile wait or processing time over the periods, in the metric's display unit
    (data/metrics.yaml: processing times in days, waits in minutes; stored in minutes)."""
    med, p90, n_col = f"{kind}_median", f"{kind}_p90", f"n_{kind}"
    rows = ops[ops[med].notna()]
    block_id = f"service-{kind}"
    word = "Wait" if kind == "wait" else "Processing"
    unit = metric_display_unit(f"{kind}_time_median")
    title = f"{word} time: median and 90th percentile ({channel_label})"
    definition = (f"{word} time of the transactions in each period: half took less than the median, nine in "
                  f"ten less than the 90th percentile, in {unit_label(unit)}. n is the transactions with a "
                  f"{kind} time.")
    if rows.empty:
        return chart_block(block_id=block_id, title=title, summary="", definition=definition, figure=None,
                           table=None, last_updated=last_updated_text(ops),
                           empty_message=f"No {kind} times are recorded for this service "
                                         f"({channel_label.lower()}).")

    factor = in_unit(1.0, "minutes", unit) or 1.0

    def shown(value: object) -> str:
        return fmt_duration(value if is_missing(value) else float(value) * factor, unit)  # type: ignore[arg-type]

    x = rows["period"].tolist()
    fig = PlainFigure()
    for i, (col, name) in enumerate(((med, "Median"), (p90, "90th percentile"))):
        fig.add_trace(trace("scatter", x=x, y=(rows[col] * factor).tolist(), mode="lines+markers", name=name,
                            line={"color": SERIES_COLOURS[i], "dash": SERIES_DASHES[i], "width": 3},
                            marker={"symbol": SERIES_SYMBOLS[i], "size": 8}))
    figure_layout(fig, y_title=unit_label(unit).capitalize(), x_title="Period")
    last = rows.iloc[-1]
    summary = (f"{word} time in {last['period']}: median {shown(last[med])}, 90th percentile "
               f"{shown(last[p90])} (n = {fmt_number(last[n_col])}); in {x[0]}: median "
               f"{shown(rows[med].iloc[0])}.")
    table = usa_table(rows, caption=f"{word} time by period ({channel_label})",
                      columns=[("period", "Period"), (med, "Median"), (p90, "90th percentile"), (n_col, "n")],
                      formatters={med: shown, p90: shown, n_col: fmt_number},
                      table_id=f"{block_id}-table")
    return chart_block(block_id=block_id, title=title, summary=summary, definition=definition, figure=fig,
                       table=table, last_updated=last_updated_text(rows))


def _drivers_block(db: str, service_id: str, period: str, grain: str) -> Any:
    scores = driver_scores(db, grain, by_channel=False)
    rows = scores[(scores["service_id"] == service_id) & (scores["period"] == period)]
    return drivers_block(rows, block_id="service-drivers", title=f"Survey drivers, {period}", period=period,
                         scope="all channels", empty_message=f"No survey answers for {period}.")


def _distribution_block(db: str, service_id: str, period: str, grain: str) -> Any:
    spread = answer_distribution(db, grain)
    rows = spread[(spread["service_id"] == service_id) & (spread["period"] == period)]
    return distribution_block(rows, block_id="service-distribution",
                              title=f"How customers answered, {period}", period=period, scope="all channels",
                              empty_message=f"No survey answers for {period}.")


def _response_block(allch: Any) -> Any:
    rows = allch[allch["response_rate"].notna()]
    title = "Survey response rate"
    definition = ("Survey responses received as a share of the surveys offered to customers in the period "
                  "(A-11 volume responded / volume offered), all channels.")
    if rows.empty:
        return chart_block(block_id="service-response", title=title, summary="", definition=definition,
                           figure=None, table=None, last_updated=None,
                           empty_message="No survey volumes (offered and responded) were reported.")
    x = rows["period"].tolist()
    fig = PlainFigure([trace("scatter", x=x, y=rows["response_rate"].tolist(), mode="lines+markers",
                             name="Response rate", line={"color": PALETTE["blue"], "width": 3})])
    figure_layout(fig, y_title="Response rate", x_title="Period", percent=True)
    fig.update_layout(showlegend=False)
    last = rows.iloc[-1]
    summary = (f"Response rate in {last['period']}: {fmt_percent1(last['response_rate'])} "
               f"({fmt_number(last['responded'])} of {fmt_number(last['offered'])} offered); in {x[0]}: "
               f"{fmt_percent1(rows['response_rate'].iloc[0])}.")
    table = usa_table(rows, caption="Survey response rate by period",
                      columns=[("period", "Period"), ("response_rate", "Response rate"),
                               ("responded", "Responded"), ("offered", "Offered")],
                      formatters={"response_rate": fmt_percent1, "responded": fmt_number,
                                  "offered": fmt_number},
                      table_id="service-response-table")
    return chart_block(block_id="service-response", title=title, summary=summary, definition=definition,
                       figure=fig, table=table, last_updated=last_updated_text(rows))


def _in_display(metric: str) -> Any:
    """A formatter of a time stored in minutes, in `metric`'s display unit (one unit per column)."""
    unit = metric_display_unit(metric)
    factor = in_unit(1.0, "minutes", unit) or 1.0
    return lambda value: fmt_duration(value if is_missing(value) else float(value) * factor, unit)


def _channels_block(rows: Any, period: str) -> Any:
    named = rows[rows["channel"] != "all"]
    title = f"Channel comparison, {period}"
    definition = ("The service's channels side by side in the period: transactions, median wait and "
                  "processing times, and the trust agree share with its 95% interval and n.")
    if named.empty:
        return chart_block(block_id="service-channels", title=title, summary="", definition=definition,
                           figure=None, table=None, last_updated=None,
                           empty_message=f"No figures by channel for {period}.")
    with_trust = named[named["trust_share"].notna()]
    fig = None
    summary = f"{len(named)} channels in {period}."
    if len(with_trust):
        labels = with_trust["channel_label"].tolist()
        fig = PlainFigure([trace(
            "bar", x=labels, y=with_trust["trust_share"].tolist(), marker={"color": PALETTE["green"]},
            error_y={"type": "data", "symmetric": False, "color": PALETTE["ink"],
                     "array": (with_trust["trust_ci_high"] - with_trust["trust_share"]).tolist(),
                     "arrayminus": (with_trust["trust_share"] - with_trust["trust_ci_low"]).tolist()},
            hovertemplate="%{x}: %{y:.1%} agree<extra></extra>")])
        figure_layout(fig, y_title="Trust (agree)", x_title="Channel", percent=True)
        fig.update_yaxes(range=[0, 1])
        fig.update_layout(showlegend=False)
        summary = (f"Trust agree share by channel, {period}: "
                   + ", ".join(f"{lab} {fmt_percent1(v)}"
                               for lab, v in zip(labels, with_trust["trust_share"], strict=True)) + ".")
    table = usa_table(rows, caption=f"Channels compared, {period}",
                      columns=[("channel_label", "Channel"), ("events", "Transactions"),
                               ("wait_median", "Median wait"), ("processing_median", "Median processing"),
                               ("trust_share", "Trust (agree)"), ("trust_ci_low", "95% interval from"),
                               ("trust_ci_high", "95% interval to"), ("n", "n (survey answers)")],
                      formatters={"events": fmt_number, "wait_median": _in_display("wait_time_median"),
                                  "processing_median": _in_display("processing_time_median"),
                                  "trust_share": fmt_percent1, "trust_ci_low": fmt_percent1,
                                  "trust_ci_high": fmt_percent1, "n": fmt_number},
                      table_id="service-channels-table")
    return chart_block(block_id="service-channels", title=title, summary=summary, definition=definition,
                       figure=fig, table=table, last_updated=last_updated_text(rows))


def _benchmark_block(db: str, service_id: str) -> Any:
    comp = acsi_comparison(db)
    rows = comp[(comp["service_id"] == service_id) & comp["service_index"].notna()].sort_values("fiscal_year")
    title = "Benchmark gap"
    note = rows["comparison_note"].iloc[0] if len(rows) else ""
    definition = ("The service's satisfaction index each fiscal year against the American Customer "
                  "Satisfaction Index (ACSI) for federal government, the national economy and the service's "
                  "peer industry; the gap is the service's index minus the benchmark. " + note)
    if rows.empty:
        return chart_block(block_id="service-benchmark", title=title, summary="", definition=definition,
                           figure=None, table=None, last_updated=None,
                           empty_message="No satisfaction answers to compare with ACSI yet.")
    years = [f"FY{y}" for y in rows["fiscal_year"]]
    fig = PlainFigure()
    # Short legend names: longer ones wrap the legend at 320 px until Plotly cannot scale the axes.
    series = (("service_index", "This service"), ("acsi_federal", "ACSI federal"),
              ("acsi_national", "ACSI national"), ("acsi_industry", "ACSI industry"))
    for i, (col, name) in enumerate(series):
        if rows[col].notna().any():
            fig.add_trace(trace("scatter", x=years, y=rows[col].tolist(), mode="lines+markers", name=name,
                                line={"color": SERIES_COLOURS[i], "dash": SERIES_DASHES[i], "width": 3},
                                marker={"symbol": SERIES_SYMBOLS[i], "size": 9}))
    figure_layout(fig, y_title="Index (0–100)", x_title="Fiscal year")
    parts = [f"{y} {fmt_decimal(v)} (gap to ACSI federal {fmt_signed(g)})"
             for y, v, g in zip(years, rows["service_index"], rows["gap_federal"], strict=True)]
    summary = "Service satisfaction index by fiscal year: " + "; ".join(parts) + "."
    table = usa_table(rows.assign(year=years), caption="Satisfaction index against ACSI by fiscal year",
                      columns=[("year", "Fiscal year"), ("service_index", "Service index"),
                               ("acsi_federal", "ACSI federal"), ("gap_federal", "Gap to federal"),
                               ("acsi_national", "ACSI national"), ("gap_national", "Gap to national"),
                               ("acsi_industry", "ACSI industry"), ("gap_industry", "Gap to industry"),
                               ("n", "n")],
                      formatters={c: fmt_decimal for c in ("service_index", "acsi_federal", "acsi_national",
                                                           "acsi_industry")}
                      | {c: fmt_signed for c in ("gap_federal", "gap_national", "gap_industry")}
                      | {"n": fmt_number},
                      table_id="service-benchmark-table")
    return chart_block(block_id="service-benchmark", title=title, summary=summary, definition=definition,
                       figure=fig, table=table, last_updated=last_updated_text(rows))


def build_layout(db: str | None, service_id: str | None, query: dict[str, Any]) -> html.Div:
    """The page for one service and one set of query parameters."""
    service = _service_row(service_id)
    if service is None:
        return _no_such_service(db, service_id)
    quarter = standards_status(db, "quarter")
    year = standards_status(db, "year")
    quarter = quarter[quarter["service_id"] == service_id]
    year = year[year["service_id"] == service_id]
    ops_q = service_channels(db, "quarter")
    ops_q = ops_q[ops_q["service_id"] == service_id]
    ops_y = service_channels(db, "year")
    ops_y = ops_y[ops_y["service_id"] == service_id]
    source_q = quarter if len(quarter) else ops_q.drop_duplicates("period")
    source_y = year if len(year) else ops_y.drop_duplicates("period")
    periods = period_options(source_q, source_y)
    standards = quarter.drop_duplicates("standard_id").sort_values("standard")
    labels = channel_labels()
    channels = ["all", *[c for c in labels if c in set(ops_q["channel"]) and c != "all"]]
    published = quarter_status(db, service=service_id)  # opens on the latest published quarter (#14.1)
    drafts = draft_periods(published)
    spec = {"period": FilterSpec("Period", metrics_default_period(published, [v for v, _ in periods]),
                                 [v for v, _ in periods]),
            "standard": FilterSpec("Standard", standards["standard_id"].iloc[0] if len(standards) else "",
                                   standards["standard_id"].tolist()),
            "channel": FilterSpec("Channel", "all", channels)}
    values, notices = read_filters(query, spec)
    period, standard_id, channel = values["period"], values["standard"], values["channel"]
    grain = grain_of(period)
    status = quarter if grain == "quarter" else year
    ops = ops_q if grain == "quarter" else ops_y
    agency_link = html.A("the agency's page", href=f"/agency/{service['agency_id']}", className="usa-link")
    children: list[Any] = page_intro(service["name"], show_synthetic_notice=any_synthetic(quarter, ops_q))
    children.append(html.P(["A High Impact Service Provider service. See ", agency_link, "."],
                           className="font-sans-md"))
    controls = []
    if periods:
        controls.append(select_control("period", "Period", with_draft_labels(periods, drafts), period))
    if len(standards):
        controls.append(select_control("standard", "Standard (trend chart)",
                                       list(zip(standards["standard_id"], standards["standard"],
                                                strict=True)),
                                       standard_id))
    controls.append(select_control("channel", "Channel (time charts)",
                                   [(c, labels.get(c, c)) for c in channels], channel))
    children.append(filter_form(f"/service/{service_id}", controls))
    if notices:
        children.append(notices_alert(notices))
    if not periods:
        children.append(empty_state("This service has no figures in the warehouse yet."))
        children.append(narrative_block(service_narratives([service_id], db)))
        return html.Div(className="line-height-sans-5", children=children)
    figures_from = len(children)  # every figure after this is of the period: labelled when a draft
    glance = service_glance(db, grain)
    children.append(glance_block(glance[glance["service_id"] == service_id], period))
    series = ops[ops["channel"] == channel].sort_values("period_start")
    label = labels.get(channel, channel)
    if len(standards):
        children += [standards_table_block(status, block_id="service-standards", period=period,
                                           show_service=False),
                     standard_trend_block(status, block_id="service-trend", standard_id=standard_id)]
    else:
        children.append(empty_state(_no_standards_text(db, service_id)))
    times = [_times_block(series, "wait", label), _times_block(series, "processing", label)]
    has_times = ops[["wait_median", "processing_median"]].notna().any().any()
    children += [
        *(times if has_times else []),
        _drivers_block(db, service_id, period, grain),
        _distribution_block(db, service_id, period, grain),
        _response_block(ops[ops["channel"] == "all"].sort_values("period_start")),
        _channels_block(ops[ops["period"] == period], period),
        *channel_blocks(db, period=period, service_id=service_id, block_id="service-channel-performance"),
    ]
    comparison = operational_comparison(db, grain)
    operational = operational_block(comparison[comparison["service_id"] == service_id], period)
    children += [*([operational] if operational is not None else []), _benchmark_block(db, service_id),
                 narrative_block(service_narratives([service_id], db))]
    if not has_times:  # one notice, after the figures there are, instead of two empty charts
        children.append(empty_state("No wait or processing times are recorded for this service (they come "
                                    "from its transactions)."))
    children[figures_from:] = label_drafts(children[figures_from:], period, drafts)
    return html.Div(className="line-height-sans-5", children=children)


def _no_standards_text(db: str | None, service_id: str) -> str:
    """Why the page shows no standard: none declared, nothing to judge them from, or none visible."""
    if service_id not in set(standards_catalogue()["service_id"]):
        return "No standards are declared for this service."
    if not holdings(db).operations:
        return ("This service's standards are not judged: they are judged from transactions or reported "
                "figures, and the warehouse holds none.")
    if current_viewer().role == "public":
        return "This service's standards have no published figures yet."
    return "This service's standards have no figures in the warehouse yet."


def layout(service_id: str | None = None, **query: Any) -> html.Div:
    try:
        return build_layout(current_db(), service_id, query)
    except WarehouseMissing:
        return no_warehouse_page("Service")
