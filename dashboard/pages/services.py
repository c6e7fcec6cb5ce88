"""Find a service (``/services``, ``/services?q=passport``): every service, or those a search finds.

A member of the public asks "how is my passport service doing?" without knowing that passports sit
under the Bureau of Consular Affairs. The search (metrics.directory.find_services) matches service,
provider and agency names, other names and declared everyday words (data/service_keywords.csv).

The search is a plain GET form, and the page is registered ``server_rendered``: dashboard.app
writes this same layout into the HTML it sends (dashboard.server_html), so the results are there
without JavaScript; with JavaScript, Dash draws the page as usual.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboard.components import current_db
from dashboard.formatting import NO_DATA, fmt_percent1, is_missing
from dashboard.notices import any_synthetic, empty_state, no_warehouse_page, page_intro
from dashboard.tables import scroll_table, usa_table
from metrics.db import WarehouseMissing
from metrics.directory import find_services
from metrics.suppression import suppressed_label

PATH = "/services"
TITLE = "Find a service"
#: A question longer than this is cut (no service name needs more; it keeps the page small).
MAX_QUERY = 200

dash.register_page(
    __name__,
    path=PATH,
    name="Services",
    title=f"{TITLE} – ServiceStat",
    description="Every service ServiceStat reports on, with its provider, agency, latest trust score "
    "and standards; search by name or everyday words such as passport or tax return.",
    order=5,
    server_rendered=True,
)


def _question(raw: object) -> str:
    """The search text from the query string (a repeated ``q`` is read as one text)."""
    text = " ".join(map(str, raw)) if isinstance(raw, list) else str(raw or "")
    return " ".join(text.split())[:MAX_QUERY]


def search_form(q: str) -> html.Div:
    """The page's own search (the header's box folds into the menu on a phone): a USWDS search,
    a GET form to /services, with its label shown above it."""
    return html.Div(className="margin-y-3 maxw-tablet", children=[
        html.Label("Search by service, agency, or what you need (for example: passport, veterans "
                   "benefits, tax return)", htmlFor="services-q", className="usa-label margin-bottom-1"),
        html.Form(method="get", action=PATH, role="search", className="usa-search",
                  **{"aria-label": "Search for a service"}, children=[
                      dbc.Input(id="services-q", type="search", name="q", value=q, className="usa-input",
                                autoComplete="off"),
                      html.Button(type="submit", className="usa-button", children=[
                          html.Span("Search", className="usa-search__submit-text"),
                          html.Img(src="/uswds/img/usa-icons-bg/search--white.svg",
                                   className="usa-search__submit-icon", alt="Search"),
                      ]),
                  ]),
    ])


def _trust(row: pd.Series) -> str:
    if row["trust_suppressed"]:
        return f"{suppressed_label()} ({row['trust_period']})"
    if is_missing(row["trust_share"]):
        return NO_DATA
    return f"{fmt_percent1(row['trust_share'])} ({row['trust_period']})"


def _standards(row: pd.Series) -> str:
    if not row["standards_summary"]:
        return "no status yet"
    return f"{row['standards_summary']} ({row['status_period']})"


def results_table(found: pd.DataFrame, q: str) -> html.Div:
    """The services as a usa-table: each name links to its page; the agency links to its page."""
    cells = pd.DataFrame({
        "service": [html.A(name, href=f"/service/{sid}", className="usa-link")
                    for name, sid in zip(found["name"], found["service_id"], strict=True)],
        "provider": found["provider"].fillna(NO_DATA),
        "agency": [html.A(str(agency), href=f"/agency/{aid}", className="usa-link")
                   for agency, aid in zip(found["agency"], found["agency_id"], strict=True)],
        "trust": [_trust(row) for _, row in found.iterrows()],
        "standards": [_standards(row) for _, row in found.iterrows()],
    })
    same = {c: (lambda v: v) for c in ("service", "agency")}
    caption = "Services" + (f" matching “{q}”" if q else "") + (
        ": the share of customers who trust the service, and its standards' status, in the latest "
        "quarter with figures")
    table = usa_table(cells, caption=caption, table_id="services-table",
                      columns=[("service", "Service"), ("provider", "Service provider"),
                               ("agency", "Agency"), ("trust", "Trust (agree share)"),
                               ("standards", "Standards")],
                      formatters=same, label_columns=["service", "provider", "agency", "standards"])
    return scroll_table(table, label="Services")


def build_layout(db: str | None, q: str) -> html.Div:
    found = find_services(q, db)
    children: list[Any] = page_intro(
        TITLE, show_synthetic_notice=any_synthetic(found),
        lead="Every service ServiceStat reports on, with who provides it, how many of its customers "
             "trust it, and how it stands against its service standards.")
    children.append(search_form(q))
    if q and found.empty:
        children.append(empty_state(f"No service matches “{q}”. Try another word, or see all services."))
        children.append(html.P(html.A("See all services", href=PATH, className="usa-link")))
        return html.Div(className="line-height-sans-5", children=children)
    one = len(found) == 1
    count = f"{len(found)} service{'' if one else 's'}"
    children.append(html.P([f"{count} {'matches' if one else 'match'} “{q}”. " if q else f"{count}. ",
                            *([html.A("See all services", href=PATH, className="usa-link")] if q else [])],
                           id="services-count"))
    children.append(results_table(found, q))
    return html.Div(className="line-height-sans-5", children=children)


def layout(q: object = None, **_query: Any) -> html.Div:
    try:
        return build_layout(current_db(), _question(q))
    except WarehouseMissing:
        return no_warehouse_page(TITLE)
