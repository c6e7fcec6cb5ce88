"""Data downloads (``/data``): every table the site shows, as CSV, JSON or Parquet.

The list is the table registry (``metrics.registry.download_catalogue``), drawn without building any
table (so it counts no rows); the files come from ``dashboard.downloads``
(``/download/<name>.<format>``) through the same metrics functions as the pages, so a download holds
what the viewer may see and nothing more.
"""

from __future__ import annotations

import dash
import flask
from dash import html

from dashboard.cells import wrap_text
from dashboard.components import (
    any_synthetic,
    empty_state,
    last_updated_text,
    page_intro,
    scroll_table,
    usa_table,
)
from dashboard.downloads import FORMATS, download_path, file_name
from metrics.db import WarehouseMissing
from metrics.registry import download_catalogue
from metrics.suppression import suppressed_label

TITLE = "Data downloads"

dash.register_page(
    __name__,
    path="/data",
    name="Data",
    title="Data downloads – ServiceStat",
    description="Download every table ServiceStat shows as CSV, JSON or Parquet.",
    order=70,
)

FORMAT_NAMES = {"csv": "CSV", "json": "JSON", "parquet": "Parquet"}


def _db() -> str | None:
    return flask.current_app.config.get("SERVICESTAT_DB") if flask.has_app_context() else None


def download_links(name: str) -> html.Ul:
    """One link per format; the table's name is in each link's accessible name."""
    return html.Ul(
        className="usa-list usa-list--unstyled display-flex flex-row",
        children=[
            html.Li(className="margin-right-2 margin-y-0", children=html.A(
                [FORMAT_NAMES[fmt], html.Span(f" of {name}", className="usa-sr-only")],
                href=download_path(name, fmt), download=file_name(name, fmt), className="usa-link",
                **{"data-format": fmt, "data-name": name},
            ))
            for fmt in FORMATS
        ],
    )


def catalogue_table(frame) -> html.Table:
    return usa_table(
        frame,
        caption="Every table on ServiceStat, with when its data were last updated (UTC)",
        columns=[("name", "Table"), ("description", "What it holds"), ("last_updated", "Last updated"),
                 ("downloads", "Download")],
        formatters={"last_updated": lambda v: last_updated_text(v) or "not known",
                    "downloads": download_links, "description": wrap_text(12, 22)},
        label_columns=["name", "description", "last_updated", "downloads"],
        table_id="downloads-table",
    )


def build_layout(db: str | None) -> html.Div:
    try:
        frame = download_catalogue(db)
    except WarehouseMissing:
        frame = None
    intro = page_intro(
        TITLE, show_synthetic_notice=any_synthetic(frame),
        lead="Every table shown on ServiceStat, to download and reuse.",
    )
    if frame is None or frame.empty:
        return html.Div(className="line-height-sans-5", children=[
            *intro, empty_state("No data have been loaded yet, so there is nothing to download."),
        ])
    frame = frame.assign(downloads=frame["name"])
    return html.Div(
        className="line-height-sans-5",
        children=[
            *intro,
            html.P(
                "Each table comes in three formats: CSV for spreadsheets, JSON (a list of records) for "
                "programs, and Parquet, a typed column format for data tools. A download holds the same "
                "figures the pages show to you, with a synthetic column saying whether a row comes from "
                "the generated demonstration data.", className="measure-5"),
            html.P(
                f"Figures built from too few answers or observations are withheld: in CSV and JSON they "
                f"read “{suppressed_label()}”; in Parquet they are empty and the suppressed column is "
                f"true. Shares are fractions from 0 to 1; times are in minutes; dates are in UTC.",
                className="measure-5"),
            html.Section(
                **{"aria-labelledby": "downloads-title"}, className="margin-y-4",
                children=[
                    html.H2("Tables", id="downloads-title"),
                    scroll_table(catalogue_table(frame), label="Downloads: table"),
                    html.P(f"Last updated: {last_updated_text(frame['last_updated'])}",
                           className="font-sans-xs text-base-dark", **{"data-testid": "last-updated"}),
                ],
            ),
            html.P(["How each figure is defined is on the ",
                    html.A("methodology page", href="/methodology", className="usa-link"), "."],
                   className="measure-5"),
        ],
    )


def layout(**_query: str) -> html.Div:
    return build_layout(_db())
