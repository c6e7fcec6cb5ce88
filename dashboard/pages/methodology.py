"""Methodology (``/methodology``): how every figure on ServiceStat is defined and judged.

Everything here is read from where the rules live (data/*.yaml through metrics/, the status rule's
own docstring, the suppression rule in data/publication.yaml), so the page cannot drift from what
the code does.
"""

from __future__ import annotations

import dash
import flask
import pandas as pd
from dash import html

from dashboard.cells import wrap_text
from dashboard.components import (
    STATUSES,
    any_synthetic,
    empty_state,
    fmt_date,
    fmt_percent,
    is_missing,
    last_updated_text,
    page_intro,
    scroll_table,
    status_badge,
    usa_table,
)
from dashboard.formatting import unit_label
from dashboard.views import display_unit
from metrics import suppression
from metrics.benchmark_view import comparison_note
from metrics.catalogue import (
    KIND_LABELS,
    metric_definitions,
    service_freshness,
    standards_catalogue,
    survey_questions,
)
from metrics.channels import worst_rule_text
from metrics.db import WarehouseMissing
from metrics.standards import status_rule_text
from metrics.stats import ALPHA, Z95, wilson_interval

TITLE = "Methodology"

dash.register_page(
    __name__,
    path="/methodology",
    name="Methodology",
    title="Methodology – ServiceStat",
    description="How ServiceStat defines its metrics, judges standards, scores surveys, computes "
    "intervals, suppresses small numbers and keeps data fresh.",
    order=80,
)

SECTIONS: tuple[tuple[str, str], ...] = (
    ("metrics", "Metric definitions"),
    ("status-rule", "How a standard's status is decided"),
    ("worst-channel", "Which channel is worst"),
    ("standards", "Service standards, versions and sources"),
    ("survey", "The A-11 customer survey"),
    ("statistics", "Intervals and significance"),
    ("benchmarks", "Comparison with private-sector benchmarks"),
    ("suppression", "Small numbers are suppressed"),
    ("freshness", "Data freshness"),
)


def _db() -> str | None:
    return flask.current_app.config.get("SERVICESTAT_DB") if flask.has_app_context() else None


def _section(section_id: str, children: list) -> html.Section:
    title = dict(SECTIONS)[section_id]
    return html.Section(
        id=section_id, className="margin-y-5", **{"aria-labelledby": f"{section_id}-title"},
        children=[html.H2(title, id=f"{section_id}-title"), *children],
    )


def _contents() -> html.Nav:
    return html.Nav(
        **{"aria-label": "On this page"},
        className="margin-y-3",
        children=[
            html.P("On this page", className="text-bold margin-bottom-1"),
            html.Ul(className="usa-list", children=[
                html.Li(html.A(title, href=f"#{sid}", className="usa-link")) for sid, title in SECTIONS
            ]),
        ],
    )


def _direction(value: object) -> str:
    return {"higher": "Higher is better", "lower": "Lower is better"}.get(str(value), str(value))


def metrics_section() -> html.Section:
    frame = metric_definitions()
    # The unit pages show each figure in (processing times in days), in words.
    frame["shown_in"] = [unit_label(display_unit(m) or u) for m, u in zip(frame["metric"], frame["unit"],
                                                                           strict=True)]
    table = usa_table(
        frame, caption="Every metric ServiceStat reports",
        columns=[("label", "Metric"), ("definition", "Definition"), ("shown_in", "Unit"),
                 ("direction", "Better when"), ("grain", "Finest period")],
        formatters={"direction": _direction, "definition": wrap_text(16, 30)},
        label_columns=["label", "definition", "shown_in", "direction", "grain"],
        table_id="metric-definitions-table",
    )
    return _section("metrics", [
        html.P("Each metric is declared once, with its unit, which way is better, and the finest period "
               "it exists for. Wait and processing times come from each service's own transaction "
               "records; other figures are reported by agencies or come from the survey.",
               className="measure-5"),
        scroll_table(table, label="Metric definitions: table"),
    ])


def status_section() -> html.Section:
    lines = [line for line in status_rule_text().split("\n") if line.strip()]
    paragraphs = [html.P(line, className="measure-5") for line in lines]
    legend = html.Ul(className="usa-list usa-list--unstyled", children=[
        html.Li(status_badge(s), className="margin-y-1") for s in STATUSES
    ])
    return _section("status-rule", [
        html.Div(paragraphs, **{"data-testid": "status-rule"}),
        html.P("Every status is shown with an icon and its word, never by colour alone:",
               className="measure-5"),
        legend,
    ])


def worst_channel_section() -> html.Section:
    """The rule that names a service's worst channel (metrics.channels.worst_rule_text)."""
    return _section("worst-channel", [html.P(worst_rule_text(), className="measure-5",
                                             **{"data-testid": "worst-channel-rule"})])


def _threshold(row: dict) -> str:
    value = row["threshold"]
    unit = str(row["threshold_unit"]).replace("_", " ")
    number = f"{value:,g}" if isinstance(value, (int, float)) else str(value)
    if unit in ("share", "percent"):
        return fmt_percent(value if unit == "share" else float(value) / 100)
    return f"{number} {unit}"


def standards_section() -> html.Section:
    frame = standards_catalogue()
    frame["in_force"] = [
        f"from {fmt_date(a)}" if is_missing(b) else f"{fmt_date(a)} to {fmt_date(b)}"
        for a, b in zip(frame["effective_from"], frame["effective_to"], strict=True)
    ]
    frame["threshold_text"] = [_threshold(r) for r in frame.to_dict("records")]
    frame["basis_text"] = [
        f"Standard {b}; target {t}" for b, t in zip(frame["basis"], frame["target_basis"], strict=True)
    ]
    table = usa_table(
        frame, caption="Every version of every service standard",
        columns=[("standard", "Standard"), ("service", "Service"), ("channel", "Channel"),
                 ("version", "Version"), ("in_force", "In force"), ("threshold_text", "Threshold"),
                 ("target_share", "Target share"), ("basis_text", "Basis"), ("citation", "Source")],
        formatters={"target_share": lambda v: "none (a value standard)" if is_missing(v) else fmt_percent(v),
                    # narrow enough minimums that all nine columns fit a 1280 px screen unscrolled
                    "standard": wrap_text(10, 16), "citation": wrap_text(12, 24), "service": wrap_text(7, 12),
                    "in_force": wrap_text(7, 10), "basis_text": wrap_text(7, 10)},
        label_columns=["standard", "service", "channel", "in_force", "basis_text", "citation"],
        table_id="standards-table",
    )
    cited = int((frame["basis"] == "cited").sum())
    return _section("standards", [
        html.P(
            "A standard is a service's promise in words, a threshold (how long, how many) and the share "
            "of customers it means to serve within it. When a promise changes, a new version starts and "
            "the old one ends; a period is judged by the version in force on its last day. "
            f"“Cited” means the promise is the agency's own, from the source shown ({cited} of "
            f"{len(frame)} versions); “illustrative” means it was written for this demonstration and is "
            "not an agency promise.", className="measure-5"),
        scroll_table(table, label="Service standards: table"),
    ])


def survey_section() -> html.Section:
    frame = survey_questions()
    table = usa_table(
        frame, caption="The standard A-11 Section 280 question for each driver",
        columns=[("question_number", "Question"), ("driver_label", "Driver"), ("question", "Wording")],
        formatters={"question_number": lambda v: f"Q{v}", "question": wrap_text(14, 30)},
        label_columns=["question_number", "driver_label", "question"],
        table_id="survey-questions-table",
    )
    return _section("survey", [
        html.P(
            "OMB Circular A-11 Section 280 asks High Impact Service Providers to survey customers after a "
            "transaction and report the results every quarter. Each question is a statement the customer "
            "rates on a 5-point scale, from 1 (strongly disagree) to 5 (strongly agree).",
            className="measure-5"),
        html.P(
            "The share who agree is the share answering 4 or 5 (agree or strongly agree) out of all valid "
            "answers. The mean is the average answer on the 1–5 scale. Several questions or touchpoints "
            "for one driver are pooled by adding their answer counts. Trust is also asked as "
            "“confidence” in the service; agencies may reword the items, and each reworded text is "
            "checked against the driver it is reported for.", className="measure-5"),
        scroll_table(table, label="Survey questions: table"),
        html.P("From fall 2023 the A-11 version 2 survey asks the trust question with thumbs up or down and "
               "then which drivers went well or not so well.", className="measure-5"),
    ])


def statistics_section() -> html.Section:
    low, high = wilson_interval(90, 100)
    return _section("statistics", [
        html.P(
            "Every share (agree share, share served within the standard) comes with its 95 % confidence "
            f"interval by the Wilson score method (z = {Z95:.2f}). Wilson stays inside 0–100 % and behaves "
            f"well for small counts and for shares near 0 or 100 %. For example, 90 agreeing out of 100 "
            f"gives {fmt_percent(low, 1)} to {fmt_percent(high, 1)}.", className="measure-5"),
        html.P(
            "A change between two periods is called significant when a pooled two-proportion z-test gives "
            f"a two-sided p-value below {ALPHA:g}: the two shares are compared against the spread expected "
            "if both periods had the same underlying share (their pooled share). Where either period has "
            "no answers there is no test and no claim.", className="measure-5"),
        html.P(
            "Every figure is shown with n, the number of answers or transactions behind it. A standard "
            "judged on fewer observations than its minimum n reads “insufficient data”.",
            className="measure-5"),
    ])


def benchmarks_section() -> html.Section:
    return _section("benchmarks", [
        html.P(
            "The American Customer Satisfaction Index (ACSI) publishes a 0–100 satisfaction index for the "
            "federal government, the national economy, private industries and departments. An A-11 agree "
            "share is a different measure (a share of answers of 4 or 5), so it is never compared with "
            "ACSI directly. ServiceStat compares a satisfaction index built from the A-11 answers the way "
            "ACSI rescales its own items:", className="measure-5"),
        html.P(comparison_note(), className="measure-5 text-bold", **{"data-testid": "comparison-note"}),
        html.P(["The figures, years and sources are on the ",
                html.A("benchmarks page", href="/benchmarks", className="usa-link"), "."],
               className="measure-5"),
    ])


def _suppression_text(k: int, label: str) -> str:
    rule_text = getattr(suppression, "suppression_rule_text", None)
    if callable(rule_text):
        return str(rule_text())
    return (
        f"A public figure built from fewer than {k} responses or observations is not shown: it reads "
        f"“{label}”. So that a hidden figure cannot be worked out from a total and the figures shown "
        "beside it, enough neighbouring figures are hidden with it (complementary suppression): where a "
        "group of cells adds up to a published total and exactly one would be hidden, the next smallest "
        "is hidden too."
    )


def suppression_section() -> html.Section:
    k = suppression.min_count()
    label = suppression.suppressed_label()
    return _section("suppression", [
        html.P(["The minimum count is ", html.Strong(str(k), **{"data-testid": "min-count"}),
                " (a publication rule ServiceStat declares, the same for every page, download "
                "and API answer)."], className="measure-5"),
        html.P(_suppression_text(k, label), className="measure-5", **{"data-testid": "suppression-rule"}),
        html.P(["In tables and downloads a suppressed figure reads “", html.Strong(label), "”."],
               className="measure-5"),
    ])


def _when(value: object) -> str:
    return last_updated_text(value) or "none loaded"


def freshness_by_service(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per service: the newest load of each kind of data."""
    wide = frame.pivot_table(index=["agency", "service"], columns="kind", values="last_loaded",
                             aggfunc="max").reset_index()
    for kind in KIND_LABELS:
        if kind not in wide:
            wide[kind] = pd.NaT
    wide.columns.name = None
    return wide.sort_values(["service", "agency"], ignore_index=True)


def freshness_section(db: str | None) -> tuple[html.Section, bool]:
    try:
        frame = service_freshness(db)
    except WarehouseMissing:
        frame = None
    if frame is None or frame.empty:
        body: list = [empty_state("No data have been loaded yet, so there is nothing to date.")]
    else:
        table = usa_table(
            freshness_by_service(frame),
            caption="When each service's figures were last loaded, by kind of data (UTC)",
            columns=[("service", "Service"), ("agency", "Agency"),
                     *[(kind, f"{label}: last loaded") for kind, label in KIND_LABELS.items()]],
            formatters={**{kind: _when for kind in KIND_LABELS},
                        "service": wrap_text(8, 14), "agency": wrap_text(8, 14)},
            label_columns=["service", "agency", *KIND_LABELS],
            table_id="freshness-table",
        )
        body = [
            html.P("Agencies send transactions, reported metrics and quarterly survey results separately. "
                   "This table shows, for each service, the newest load of each kind that the figures on "
                   "this site include.", className="measure-5"),
            scroll_table(table, label="Data freshness: table"),
            html.P(f"Last updated: {last_updated_text(frame)}", className="font-sans-xs text-base-dark",
                   **{"data-testid": "last-updated"}),
        ]
    return _section("freshness", body), any_synthetic(frame)


def build_layout(db: str | None) -> html.Div:
    freshness, synthetic = freshness_section(db)
    return html.Div(
        className="line-height-sans-5",
        children=[
            *page_intro(TITLE, show_synthetic_notice=synthetic,
                        lead="How every figure on ServiceStat is defined, judged and published."),
            _contents(),
            metrics_section(),
            status_section(),
            worst_channel_section(),
            standards_section(),
            survey_section(),
            statistics_section(),
            benchmarks_section(),
            suppression_section(),
            freshness,
        ],
    )


def layout(**_query: str) -> html.Div:
    return build_layout(_db())
