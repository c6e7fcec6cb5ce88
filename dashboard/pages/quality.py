"""Data quality (``/quality``), for staff: every load, its rejected rows, the findings by severity and how
each changed since the last load; OMB sees every agency (or one, ``?agency=ID``), an agency manager their
own agency. The public never: the page answers 404 with a sign-in link (``known``), as staff-only
tables do.

Server-rendered (dashboard.server_html), so a link to a load (``/quality#load-<id>``) lands on its row
at once; the agency choice is a list of links for the same reason.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboard.components import current_db
from dashboard.notices import any_synthetic, empty_state, no_warehouse_page, page_intro
from dashboard.quality_block import DEFINITION, quality_parts
from metrics.access import current_viewer
from metrics.db import WarehouseMissing
from metrics.directory import agencies
from metrics.loads import quality_loads

PATH = "/quality"
TITLE = "Data quality"


def _staff() -> bool:
    return current_viewer().role != "public"


dash.register_page(
    __name__,
    path=PATH,
    name=TITLE,
    title=f"{TITLE} – ServiceStat",
    description="Loads, rejected rows and data-quality findings, for agency and OMB staff.",
    server_rendered=True,
    known=lambda **_: _staff(),  # the public gets 404 (dashboard.app), with the sign-in link below
)


def _sign_in_page() -> html.Div:
    return html.Div([
        html.H1(TITLE),
        empty_state("Data quality is for agency managers and OMB staff."),
        html.P(["Staff: ", html.A("sign in", href=f"/signin?next={PATH}", className="usa-link"),
                " to see your agency's loads, rejected rows and findings. ",
                html.A("Open data", href="/data", className="usa-link"), " needs no sign-in."]),
    ])


def _agency_links(db: str | None, chosen: str | None) -> html.Nav:
    frame = agencies(db)
    names = frame["bureau"].fillna(frame["department"])
    links = [("All agencies", PATH, chosen is None)] + [
        (name, f"{PATH}?agency={agency_id}", agency_id == chosen)
        for agency_id, name in sorted(zip(frame["agency_id"], names, strict=True), key=lambda p: p[1])]
    # The one shown is marked in words and weight, not by colour.
    items = [html.Li(html.A([html.Strong(label), " (shown)"] if here else label, href=href,
                            className="usa-link", **({"aria-current": "page"} if here else {})),
                     className="margin-bottom-05")
             for label, href, here in links]
    return html.Nav(**{"aria-label": "Agency"}, className="margin-y-2", children=[
        html.P("Show the loads of:", className="text-bold margin-bottom-05"),
        html.Ul(items, className="usa-list usa-list--unstyled")])


def build_layout(db: str | None, agency: str | None) -> html.Div:
    viewer = current_viewer()
    if viewer.role == "public":
        return _sign_in_page()
    known_ids = set(agencies(db)["agency_id"])
    notes: list[Any] = []
    if viewer.role == "agency":
        chosen: str | None = viewer.agency_id
        lead = f"Your agency's ({chosen}) loads, rejected rows and data-quality findings."
    else:
        chosen = agency if agency in known_ids else None
        if agency is not None and chosen is None:
            notes.append(empty_state(f"There is no agency with the id “{agency}”: showing every agency."))
        names = agencies(db).set_index("agency_id")
        name = (names["bureau"].fillna(names["department"]).get(chosen, chosen) if chosen else None)
        lead = ("Every agency's loads, rejected rows and data-quality findings." if chosen is None
                else f"The loads, rejected rows and data-quality findings of {name} ({chosen}).")
    synthetic = any_synthetic(quality_loads(db, chosen))
    children: list[Any] = [*page_intro(TITLE, show_synthetic_notice=synthetic, lead=lead), *notes]
    if viewer.role == "omb":
        children.append(_agency_links(db, chosen))
    else:
        children.append(html.P([html.A("Send files", href="/submit", className="usa-link"),
                                " for your agency; the load summary shows at once."]))
    children.append(html.Details(className="definition margin-y-1", children=[
        html.Summary("What is this?", className="usa-link text-bold"),
        html.P(DEFINITION, className="measure-5 margin-y-1")]))
    children += quality_parts(db, chosen, prefix="quality", heading="h2")
    return html.Div(className="line-height-sans-5", children=children)


def layout(agency: str | None = None, **_: Any) -> html.Div:
    try:
        return build_layout(current_db(), agency if isinstance(agency, str) else None)
    except WarehouseMissing:
        return no_warehouse_page(TITLE)
