"""Alerts (``/alerts``): what the alert rules of data/alerts.yaml found, for the signed-in viewer.

Drawing only: the alerts, who may see which and every word of them come from `metrics.alerts` (an
agency manager gets their agency's, OMB every agency's, the public the standard breaches of published
quarters). Status and severity are words with an icon, never colour alone. The table sorts on the
server: each column header links to the page sorted by it (``sort``/``dir`` in the query string, the
filters kept), the sorted header carries ``aria-sort``, so a sorted view is a URL and needs no script.
"""

from __future__ import annotations

import dash
from dash import html

from dashboard.alerts_block import COLUMNS, DEFAULT_SORT, DIRECTIONS, alerts_table, scope_sentence, summary
from dashboard.components import (
    FilterSpec,
    any_synthetic,
    current_db,
    empty_state,
    filter_form,
    no_warehouse_page,
    notices_alert,
    page_intro,
    read_filters,
    scroll_table,
    select_control,
)
from metrics.alerts import STATUSES, alerts
from metrics.db import WarehouseMissing

TITLE = "Alerts"
dash.register_page(__name__, path="/alerts", name=TITLE, title=f"{TITLE} – ServiceStat",
                   description="Standards newly off track or off track for several quarters, significant "
                   "drops in trust, overdue reports and loads with rejects.", order=7)

ALL = "all"


def build_layout(db: str | None, query: dict) -> html.Div:
    lead = ("What the alert rules found: standards newly off track or off track for several quarters, "
            "significant drops in trust and the other survey drivers, reports past their deadline and "
            "loads with rejected rows. Alerts are checked after every load and every reporting move, and "
            "kept until the condition no longer holds (resolved).")
    try:
        every = alerts(db)
    except WarehouseMissing:
        return no_warehouse_page(TITLE)
    agencies = sorted({(str(a), str(n)) for a, n in zip(every["agency_id"], every["agency"], strict=True)
                       if isinstance(a, str)}, key=lambda p: p[1])
    spec = {"status": FilterSpec("Status", "open", [ALL, *STATUSES]),
            "agency": FilterSpec("Agency", ALL, [ALL, *(a for a, _ in agencies)]),
            "sort": FilterSpec("Sort column", DEFAULT_SORT[0], ["", *(c.key for c in COLUMNS)]),
            "dir": FilterSpec("Sort direction", DEFAULT_SORT[1], DIRECTIONS)}
    values, notices = read_filters(query, spec)
    shown = every
    if values["status"] != ALL:
        shown = shown[shown["status"] == values["status"]]
    if values["agency"] != ALL:
        shown = shown[shown["agency_id"] == values["agency"]]
    children: list = [*page_intro(TITLE, show_synthetic_notice=any_synthetic(every), lead=lead),
                      html.P(scope_sentence(), **{"data-testid": "alerts-scope"})]
    notice = notices_alert(notices)
    if notice is not None:
        children.append(notice)
    controls = [select_control("status", "Status", [("open", "Open"), ("resolved", "Resolved"),
                                                   (ALL, "Open and resolved")], values["status"])]
    if len(agencies) > 1:
        controls.append(select_control("agency", "Agency", [(ALL, "All agencies"), *agencies],
                                       values["agency"]))
    children.append(filter_form("/alerts", controls))
    if every.empty:
        children.append(empty_state("No alert has been raised."))
        return html.Div(children, className="line-height-sans-5")
    children.append(html.P(summary(every), **{"data-testid": "alerts-summary"}))
    if shown.empty:
        children.append(empty_state("No alert matches these filters."))
        return html.Div(children, className="line-height-sans-5")
    keep = {k: values[k] for k in ("status", "agency") if values[k] != spec[k].default}
    children += [html.H2(f"{len(shown)} alert{'s' if len(shown) != 1 else ''}", id="alerts-heading"),
                 scroll_table(alerts_table(shown, keep, values["sort"], values["dir"]), label="Alerts")]
    return html.Div(children, className="line-height-sans-5")


def layout(**query: str) -> html.Div:
    return build_layout(current_db(), query)
