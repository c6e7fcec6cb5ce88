"""The page Dash shows for any path that is not a registered page (sent with HTTP status 404)."""

from __future__ import annotations

import dash
from dash import html

dash.register_page(
    __name__,
    path="/404",
    name="Page not found",
    title="Page not found – ServiceStat",
    description="The page you asked for does not exist on ServiceStat.",
)


def layout(**_query: str) -> html.Div:
    return html.Div(
        className="line-height-sans-5 measure-5",
        children=[
            html.H1("Page not found"),
            html.P(
                "We can’t find the page you’re looking for. It may have moved, or the address "
                "may be mistyped. Some sections of ServiceStat are still being built.",
                className="font-sans-md",
            ),
            html.P(
                [
                    "Go to the ",
                    html.A("government-wide overview", href="/", className="usa-link"),
                    ", or read the ",
                    html.A("accessibility statement", href="/accessibility",
                           className="usa-link"),
                    ".",
                ]
            ),
        ],
    )
