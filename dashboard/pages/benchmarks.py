"""Benchmarks (``/benchmarks``): federal services against the ACSI, over time and per service.

Filters (fiscal year, agency, benchmark) live in the URL through the shared GET form pattern of
``dashboard.components``; every figure comes from ``metrics.benchmark_view``.
"""

from __future__ import annotations

import dash
import flask
import pandas as pd
import plotly.graph_objects as go
from dash import html

from dashboard.charts import PALETTE, chart_block, figure_layout, narrow_list, series_style, wrap_name
from dashboard.filters import FilterSpec, filter_form, read_filters, select_control
from dashboard.formatting import fmt_decimal, fmt_number, fmt_signed, is_missing, last_updated_text
from dashboard.notices import any_synthetic, empty_state, notices_alert, page_intro
from dashboard.operational_block import operational_benchmarks_section
from dashboard.tables import usa_table
from metrics.benchmark_view import (
    acsi_history,
    benchmark_gaps,
    benchmark_options,
    comparison_note,
    federal_index_by_year,
)
from metrics.db import WarehouseMissing
from metrics.holdings import holdings
from metrics.operational_benchmarks import operational_benchmarks

PATH = "/benchmarks"
TITLE = "Federal services against private-sector benchmarks"

dash.register_page(
    __name__,
    path=PATH,
    name="Benchmarks",
    title="Benchmarks – ServiceStat",
    description="Federal services' customer satisfaction beside the American Customer Satisfaction "
    "Index (ACSI): over time and per service.",
    order=60,
)

ALL = "all"
#: benchmark key -> (label, ACSI column, gap column)
BENCHMARKS: dict[str, tuple[str, str, str]] = {
    "federal": ("ACSI federal government", "acsi_federal", "gap_federal"),
    "industry": ("ACSI nearest private industry", "acsi_industry", "gap_industry"),
    "department": ("ACSI score of the service's department", "acsi_department", "gap_department"),
    "national": ("ACSI national (economy-wide)", "acsi_national", "gap_national"),
}
INDEX_DEFINITION = (
    "The satisfaction index rescales the mean answer to the A-11 question “I am satisfied with the "
    "service I received” from the 1–5 scale to 0–100: (mean − 1) ÷ 4 × 100. ACSI scores are 0–100 "
    "indexes modelled by the American Customer Satisfaction Index. The gap is the service's index minus "
    "the ACSI score of the same year, in index points."
)


def _db() -> str | None:
    return flask.current_app.config.get("SERVICESTAT_DB") if flask.has_app_context() else None


def _default_year(db: str | None, years: list[str]) -> str:
    """The newest fiscal year that has an ACSI federal score to compare with, else the newest."""
    by_year = federal_index_by_year(db)
    with_acsi = [str(int(y)) for y in by_year.loc[by_year["acsi_federal"].notna(), "fiscal_year"]]
    candidates = [y for y in years if y in with_acsi]
    return (candidates or years or [""])[-1]


def filter_spec(db: str | None) -> tuple[dict[str, FilterSpec], dict[str, list[tuple[str, str]]]]:
    options = benchmark_options(db)
    years = options.loc[options["kind"] == "fiscal_year", ["value", "label"]]
    agencies = options.loc[options["kind"] == "agency", ["value", "label"]]
    choices = {
        "fiscal_year": list(zip(years["value"], years["label"], strict=True)),
        "agency": [(ALL, "All agencies"), *zip(agencies["value"], agencies["label"], strict=True)],
        "benchmark": [(k, v[0]) for k, v in BENCHMARKS.items()],
    }
    spec = {
        "fiscal_year": FilterSpec("Fiscal year", _default_year(db, list(years["value"])),
                                  [v for v, _ in choices["fiscal_year"]]),
        "agency": FilterSpec("Agency", ALL, [v for v, _ in choices["agency"]]),
        "benchmark": FilterSpec("Benchmark", "federal", list(BENCHMARKS)),
    }
    return spec, choices


# --------------------------------------------------------------------------- over time


def over_time_table(index: pd.DataFrame, acsi: pd.DataFrame) -> pd.DataFrame:
    """One row per year: ACSI federal, ACSI national, the services' pooled index and the gap."""
    wide = acsi.pivot_table(index="year", columns="series", values="score", aggfunc="first")
    wide = wide.rename(columns={"federal_government_aggregate": "acsi_federal_score",
                                "national_acsi": "acsi_national_score"}).reset_index()
    ours = index.rename(columns={"fiscal_year": "year"})[["year", "services", "n", "service_index",
                                                         "gap_federal"]]
    out = wide.merge(ours, on="year", how="outer").sort_values("year", ignore_index=True)
    for column in ("acsi_federal_score", "acsi_national_score"):
        if column not in out:
            out[column] = float("nan")
    out["year_label"] = [f"{int(y)}" for y in out["year"]]
    return out


def over_time_figure(table: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    # Named series keep their declared style (dashboard.charts.SERIES): the same colours as on /.
    series = [("acsi_federal_score", "ACSI federal government", "acsi_federal"),
              ("acsi_national_score", "ACSI national", "acsi_national"),
              ("service_index", "Federal services (this dashboard)", "ours")]  # as on the overview
    for column, name, key in series:
        rows = table[table[column].notna()]
        style = series_style(key)
        fig.add_trace(go.Scatter(
            x=rows["year"].astype(int).tolist(), y=rows[column].round(1).tolist(), name=name,
            mode="lines+markers", line=style.line(), marker=style.marker(),
            hovertemplate=f"{name}, %{{x}}: %{{y:.1f}}<extra></extra>",
        ))
    # A short axis title fits a 320 px screen; which year is which is in the definition.
    figure_layout(fig, y_title="Index (0–100)", x_title="Year")
    fig.update_xaxes(tickformat="d")  # years as 2024, never 2,024 or 2024.5
    fig.update_yaxes(range=[50, 100])
    return fig


def over_time_summary(table: pd.DataFrame, scope: str) -> str:
    ours = table[table["service_index"].notna()]
    federal = table[table["acsi_federal_score"].notna()]
    parts = []
    if len(federal):
        first, last = federal.iloc[0], federal.iloc[-1]
        parts.append(f"The ACSI federal government score went from {first['acsi_federal_score']:.1f} in "
                     f"{int(first['year'])} to {last['acsi_federal_score']:.1f} in {int(last['year'])}")
    for row in ours.itertuples():
        gap = ("" if is_missing(row.gap_federal)
               else f", {fmt_signed(row.gap_federal)} points against ACSI federal")
        parts.append(f"{scope} scored {row.service_index:.1f} in FY{int(row.year)}{gap}")
    return "Line chart. " + "; ".join(parts) + "." if parts else "No figures to chart."


def over_time_block(db: str | None, agency_id: str | None, scope: str) -> html.Section:
    index = federal_index_by_year(db, agency_id=agency_id)
    acsi = acsi_history(db)
    table = over_time_table(index, acsi)
    empty = None if len(table) else "There are no ACSI figures and no survey results to compare yet."
    numbers = usa_table(
        table, caption=f"ACSI scores and the satisfaction index by year: {scope}",
        columns=[("year_label", "Year"), ("acsi_federal_score", "ACSI federal government"),
                 ("acsi_national_score", "ACSI national"), ("service_index", "Services here (index)"),
                 ("n", "Answers (n)"), ("gap_federal", "Gap to ACSI federal (points)")],
        formatters={"acsi_federal_score": fmt_decimal, "acsi_national_score": fmt_decimal,
                    "service_index": fmt_decimal, "n": fmt_number, "gap_federal": fmt_signed},
        table_id="benchmarks-over-time-table",
    )
    return chart_block(
        block_id="benchmarks-over-time",
        title="Over time: federal services and the ACSI",
        summary=over_time_summary(table, scope),
        definition=INDEX_DEFINITION + " The services' index pools every satisfaction answer of the year, "
        "so a service counts as many times as it has answers. The year is the ACSI study year for ACSI "
        "scores and the fiscal year for the services. ACSI figures are annual; where ACSI "
        "published only a quarterly national figure, the latest quarter of the year is used.",
        figure=None if empty else over_time_figure(table),
        table=numbers,
        last_updated=last_updated_text(index),
        empty_message=empty,
        notes=["Sources of the ACSI figures are listed in the ACSI scores download on the data page."],
    )


# --------------------------------------------------------------------------- gap per service


def gap_height(bars: int) -> int:
    """Room for every service's bar and name; the chart and its container use the same height."""
    return max(320, 30 * bars + 110)


def gap_figure(rows: pd.DataFrame, gap_column: str, label: str) -> go.Figure:
    rows = rows.sort_values(gap_column)
    values = rows[gap_column].round(1).tolist()
    # Long names wrap onto two lines; on a phone the chart gives way to a list (gap_list).
    names = [wrap_name(name, 30) for name in rows["service"]]
    fig = go.Figure(go.Bar(
        x=values, y=names, orientation="h", marker=series_style("ours").bar(),
        text=[fmt_signed(v) for v in values], textposition="outside", cliponaxis=False,
        customdata=rows["service"].tolist(),
        hovertemplate="%{customdata}: %{x:+.1f} points<extra></extra>",
    ))
    figure_layout(fig, y_title="", x_title="Gap in index points (right of 0: above)",
                  height=gap_height(len(rows)))
    fig.update_xaxes(zeroline=True, zerolinecolor=PALETTE["ink"], zerolinewidth=2)
    fig.update_yaxes(tickfont={"size": 13})
    fig.update_layout(showlegend=False, margin={"l": 16, "r": 56, "t": 24, "b": 56})
    return fig


def gap_list(rows: pd.DataFrame, gap_column: str, label: str) -> html.Ul:
    """The gap chart as a list for narrow screens: each service, its index and its gap."""
    ordered = rows.sort_values(gap_column, ascending=False)
    return narrow_list([(r["service"], [("Satisfaction index", fmt_decimal(r["service_index"])),
                                        (f"Gap to {label}", f"{fmt_signed(r[gap_column])} points")])
                        for _, r in ordered.iterrows()], label=f"Gap per service against {label}")


def gap_summary(rows: pd.DataFrame, gap_column: str, label: str, year: str, missing: int) -> str:
    """One sentence with the values that matter: how many above, the range and the median."""
    ordered = rows.sort_values(gap_column, ascending=False)
    above = int((ordered[gap_column] > 0).sum())
    top, bottom = ordered.iloc[0], ordered.iloc[-1]
    spread = (f"gaps range from {fmt_signed(bottom[gap_column])} points ({bottom['service']}) to "
              f"{fmt_signed(top[gap_column])} ({top['service']}), median "
              f"{fmt_signed(ordered[gap_column].median())}" if len(ordered) > 1
              else f"the gap is {fmt_signed(top[gap_column])} points ({top['service']})")
    tail = f"; {missing} more have no figure to compare" if missing else ""
    return (f"Bar chart: in FY{year}, {above} of {len(ordered)} services scored above {label}; "
            f"{spread}{tail}.")


def gap_block(db: str | None, year: str, agency_id: str | None, benchmark: str) -> html.Section:
    label, acsi_column, gap_column = BENCHMARKS[benchmark]
    frame = benchmark_gaps(db, fiscal_year=int(year) if year else None, agency_id=agency_id)
    frame["benchmark_label"] = frame["industry"].fillna("") if benchmark == "industry" else label
    charted = frame[frame[gap_column].notna()]
    missing = len(frame) - len(charted)
    fy = f"FY{year}" if year else ""  # no year at all: no fiscal year has survey results to offer
    empty = None
    if frame.empty:
        empty = (f"No service has survey results for {fy} in this selection." if year else
                 "No fiscal year has satisfaction answers to compare yet" + (
                     ": survey results have been loaded but none are published." if holdings(db).survey
                     else ": no survey results have been loaded."))
    # No score of this benchmark for the year: no chart, but the services' figures are still a table.
    no_gap = None if empty or len(charted) else (
        f"No gap to chart: there is no {label} score for FY{year} to compare the {len(frame)} services' "
        "index with (a neighbouring year's score is never used). The table lists each service's index and "
        "the other benchmarks.")
    numbers = usa_table(
        frame, caption=f"Satisfaction index and gaps to ACSI per service, {fy}" if year
        else "Satisfaction index and gaps to ACSI per service",
        columns=[("service", "Service"), ("agency", "Agency"), ("n", "Answers (n)"),
                 ("service_index", "Satisfaction index"), ("acsi_federal", "ACSI federal"),
                 ("gap_federal", "Gap to federal"), ("industry", "Nearest industry"),
                 ("acsi_industry", "ACSI industry"), ("gap_industry", "Gap to industry"),
                 ("acsi_department", "ACSI department"), ("gap_department", "Gap to department")],
        formatters={"n": fmt_number, "service_index": fmt_decimal, "acsi_federal": fmt_decimal,
                    "gap_federal": fmt_signed, "acsi_industry": fmt_decimal, "gap_industry": fmt_signed,
                    "acsi_department": fmt_decimal, "gap_department": fmt_signed,
                    "industry": lambda v: "none declared" if is_missing(v) else str(v)},
        label_columns=["service", "agency", "industry"],
        table_id="benchmarks-gap-table",
    )
    return chart_block(
        block_id="benchmarks-gap",
        height_px=gap_height(len(charted)),
        title=f"Gap per service, {fy}: against {label}" if year else f"Gap per service: against {label}",
        summary=(f"Table of each service's satisfaction index and ACSI scores in FY{year}; no {label} score "
                 "that year." if no_gap else "" if empty else gap_summary(charted, gap_column, label, year,
                                                                           missing)),
        definition=INDEX_DEFINITION + " The nearest private industry of each service is a judgement "
        "ServiceStat declares for each service (its benchmark peers); a service without one, or a year "
        "without an ACSI score, "
        "has no gap (a neighbouring year's score is never used).",
        figure=None if empty or no_gap else gap_figure(charted, gap_column, label),
        narrow=None if empty or no_gap else gap_list(charted, gap_column, label),
        table=numbers,
        last_updated=last_updated_text(frame),
        empty_message=empty,
        notes=[empty_state(no_gap)] if no_gap else None,
    )


# --------------------------------------------------------------------------- page


def comparison_box() -> html.Div:
    return html.Div(
        className="usa-summary-box margin-y-3", role="region", **{"aria-labelledby": "comparison-title"},
        children=html.Div(className="usa-summary-box__body", children=[
            html.H2("How the comparison works", id="comparison-title", className="usa-summary-box__heading"),
            html.Div(className="usa-summary-box__text", children=[
                html.P("An A-11 agree share (the share answering 4 or 5 on a 1–5 scale) and the ACSI "
                       "0–100 index are different measures, so the agree share is never compared with "
                       "ACSI.", className="margin-top-0"),
                html.P(comparison_note(), **{"data-testid": "comparison-note"}, className="margin-bottom-0"),
            ]),
        ]),
    )


def build_layout(db: str | None, query: dict) -> html.Div:
    try:
        spec, choices = filter_spec(db)
    except WarehouseMissing:
        return html.Div(className="line-height-sans-5", children=[
            *page_intro(TITLE, show_synthetic_notice=False), comparison_box(),
            empty_state("No data have been loaded yet, so there is nothing to compare."),
        ])
    values, notices = read_filters(query, spec)
    agency_id = None if values["agency"] == ALL else values["agency"]
    agency_names = dict(choices["agency"])
    scope = "The services on ServiceStat" if agency_id is None else agency_names[agency_id]
    form = filter_form(PATH, [
        select_control("fiscal_year", "Fiscal year", choices["fiscal_year"], values["fiscal_year"]),
        select_control("agency", "Agency", choices["agency"], values["agency"]),
        select_control("benchmark", "Benchmark for the gap chart", choices["benchmark"], values["benchmark"]),
    ])
    gaps = benchmark_gaps(db, fiscal_year=int(values["fiscal_year"]) if values["fiscal_year"] else None,
                          agency_id=agency_id)
    children = [
        *page_intro(TITLE, show_synthetic_notice=any_synthetic(gaps, federal_index_by_year(db)),
                    lead="How satisfied customers of federal services are, beside the American Customer "
                         "Satisfaction Index (ACSI) for the federal government, the economy, private "
                         "industries and departments."),
        comparison_box(),
        form,
    ]
    alert = notices_alert(notices)
    if alert is not None:
        children.append(alert)
    children += [
        gap_block(db, values["fiscal_year"], agency_id, values["benchmark"]),
        over_time_block(db, agency_id, scope),
        operational_benchmarks_section(operational_benchmarks()),  # engineer E: contact-centre benchmarks
    ]
    return html.Div(className="line-height-sans-5", children=children)


def layout(**query: str) -> html.Div:
    return build_layout(_db(), query)
