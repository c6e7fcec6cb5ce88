"""Reporting compliance (``/reporting``): has each service reported each fiscal quarter?

Kept apart from performance status on purpose (as performance.gov does): a quarter reported on
time says nothing about how the service performed. Every figure comes from
``metrics.reporting.reporting_status``; categories and their rule are the metrics layer's.
"""

from __future__ import annotations

import dash
import pandas as pd
from dash import html

from dashboard.components import (
    FilterSpec,
    any_synthetic,
    current_db,
    empty_state,
    filter_form,
    fmt_date,
    fmt_number,
    notices_alert,
    page_intro,
    read_filters,
    scroll_table,
    select_control,
    status_badge,
    usa_table,
)
from metrics.db import WarehouseMissing
from metrics.reporting import COMPLIANCE, compliance_rule_text, reporting_status, today

dash.register_page(
    __name__,
    path="/reporting",
    name="Reporting",
    title="Reporting compliance – ServiceStat",
    description="Which services reported each fiscal quarter, and when; separate from performance.",
    order=6,
)

ALL = "all"


def compliance_badge(word: object) -> html.Span:
    """A compliance category as icon, word and colour (dashboard.notices.BADGE_STYLE)."""
    return status_badge(word if isinstance(word, str) else None, attribute="data-compliance")


#: How the metrics layer's `submission` words read in the table.
SUBMISSION = {"on time": "yes", "late": "no (late)", "public record": "reported (public record)",
              "not submitted": "not submitted"}


def _on_time(value: object) -> str:
    return SUBMISSION.get(str(value), "not submitted")


def summary_table(frame: pd.DataFrame, fiscal_year: str) -> html.Table:
    """Services per compliance category and quarter (counts; n = services in the quarter)."""
    counts = (frame.groupby(["period", "compliance"]).size().unstack(fill_value=0)
              .reindex(columns=list(COMPLIANCE), fill_value=0))
    counts["n"] = counts.sum(axis=1)
    counts = counts.reset_index()
    columns = [("period", "Quarter"), *((c, c.capitalize()) for c in COMPLIANCE), ("n", "Services (n)")]
    return usa_table(counts, caption=f"Services by reporting compliance, FY{fiscal_year}", columns=columns,
                     formatters={c: fmt_number for c, _ in columns[1:]}, table_id="reporting-summary")


def detail_table(frame: pd.DataFrame, fiscal_year: str) -> html.Table:
    rows = frame.sort_values(["agency", "service", "fiscal_year", "quarter"])
    return usa_table(
        rows,
        caption=f"Reporting compliance per service and quarter, FY{fiscal_year}",
        columns=[("service", "Service"), ("agency", "Agency"), ("period", "Quarter"),
                 ("compliance", "Compliance"), ("deadline", "Due by"), ("submission", "Submitted on time")],
        formatters={"compliance": compliance_badge, "deadline": fmt_date, "submission": _on_time},
        label_columns=["service", "agency", "period", "compliance", "submission"],
        table_id="reporting-detail",
    )


def build_layout(db: str | None, query: dict) -> html.Div:
    intro = ("Whether each service reported each fiscal quarter on time, as A-11 Section 280 asks. "
             "This is about reporting, not performance: see each service's page for how it performed "
             "against its standards.")
    try:
        frame = reporting_status(db, today())
    except WarehouseMissing:
        return html.Div([*page_intro("Reporting compliance", show_synthetic_notice=False, lead=intro),
                         empty_state("No data yet: the warehouse has not been built.")])
    years = sorted({str(y) for y in frame["fiscal_year"]}, reverse=True)
    agencies = sorted({(str(a), str(n)) for a, n in zip(frame["agency_id"], frame["agency"], strict=True)},
                      key=lambda p: p[1])
    spec = {"fiscal_year": FilterSpec("Fiscal year", years[0] if years else "", years),
            "agency": FilterSpec("Agency", ALL, [ALL, *(a for a, _ in agencies)])}
    values, notices = read_filters(query, spec)
    shown = frame[frame["fiscal_year"].astype(str) == values["fiscal_year"]]
    if values["agency"] != ALL:
        shown = shown[shown["agency_id"] == values["agency"]]
    children: list = [*page_intro("Reporting compliance", show_synthetic_notice=any_synthetic(frame),
                                  lead=intro)]
    notice = notices_alert(notices)
    if notice is not None:
        children.append(notice)
    if not years:
        children.append(empty_state("No quarter has been reported yet."))
        return html.Div(children, className="line-height-sans-5")
    children.append(filter_form("/reporting", [
        select_control("fiscal_year", "Fiscal year", [(y, f"FY{y}") for y in years], values["fiscal_year"]),
        select_control("agency", "Agency", [(ALL, "All agencies"), *agencies], values["agency"]),
    ]))
    children.append(html.P(compliance_rule_text(), className="measure-6"))
    if shown.empty:
        children.append(empty_state("No services match these filters."))
        return html.Div(children, className="line-height-sans-5")
    children += [
        html.H2("Summary by quarter"),
        scroll_table(summary_table(shown, values["fiscal_year"]), label="Summary by quarter"),
        html.H2("Each service and quarter"),
        scroll_table(detail_table(shown, values["fiscal_year"]), label="Each service and quarter"),
    ]
    return html.Div(children, className="line-height-sans-5")


def layout(**query: str) -> html.Div:
    return build_layout(current_db(), query)
