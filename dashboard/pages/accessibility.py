"""Accessibility statement (``/accessibility``): Section 508 commitment, checks, how to report."""

from __future__ import annotations

import dash
from dash import html

from core.check_site import site

dash.register_page(
    __name__,
    path="/accessibility",
    name="Accessibility",
    title="Accessibility statement – ServiceStat",
    description="ServiceStat's Section 508 accessibility statement: standards, checks, and how "
    "to report a problem.",
    order=90,
    server_rendered=True,  # the statement reads without JavaScript too (dashboard.server_html)
)

LAST_REVIEWED = "November 30, 2026"


def _link(text: str, href: str) -> html.A:
    return html.A(text, href=href, className="usa-link")


def _contact() -> list:
    """How to reach the team (data/site.yaml `accessibility_contact`): email, phone and post."""
    c = site().accessibility_contact
    phone_digits = "".join(ch for ch in c.phone if ch.isdigit() or ch == "+")
    return [
        html.P(f"Contact {c.team}:"),
        html.Ul(className="usa-list", **{"data-testid": "accessibility-contact"}, children=[
            html.Li(["Email: ", _link(c.email, f"mailto:{c.email}")]),
            html.Li(["Telephone: ", _link(c.phone, f"tel:{phone_digits}")]),
            html.Li(f"Post: {c.postal_address}"),
        ]),
    ]


def build_layout() -> html.Div:
    return html.Div(
        className="line-height-sans-5 measure-5",
        children=[
            html.H1("Accessibility statement"),
            html.P(
                "ServiceStat is built so that everyone, including people with disabilities, can "
                "find and use the customer-service figures it publishes. It follows Section 508 "
                "of the Rehabilitation Act (29 U.S.C. 794d), which requires federal electronic "
                "and information technology to be accessible to people with disabilities.",
                className="font-sans-md",
            ),
            html.H2("Our standard"),
            html.P(
                [
                    "Our target is conformance with the ",
                    _link("Web Content Accessibility Guidelines (WCAG) 2.1",
                          "https://www.w3.org/TR/WCAG21/"),
                    " at Level AA. This includes WCAG 2.0 Level AA, the level the Revised "
                    "Section 508 Standards incorporate. Where we know of a part that does not "
                    "yet meet the target, we say so below.",
                ]
            ),
            html.H2("How we check"),
            html.P("These checks run in a real browser (Chromium) on every change to the code:"),
            html.Ul(
                className="usa-list",
                children=[
                    html.Li(
                        "Every page is tested with the axe-core engine against the WCAG 2.0 and "
                        "2.1 Level A and AA rules. A change that introduces a violation is not "
                        "accepted. Interactive states, such as the opened “Here’s how you know” "
                        "government banner, are tested too."
                    ),
                    html.Li(
                        "Keyboard tests: the first Tab reaches a visible “Skip to main content” "
                        "link that moves focus to the main content; keyboard focus is visible; "
                        "the banner opens with the keyboard alone."
                    ),
                    html.Li(
                        "Every page declares its language (English) and has a unique title."
                    ),
                    html.Li(
                        "Every chart has a text summary that states its values, a caption, and "
                        "a data table with the same numbers; a test checks the table against the "
                        "chart’s data."
                    ),
                    html.Li(
                        "Pages are checked at desktop and phone screen sizes."
                    ),
                ],
            ),
            html.P(
                "The site is built with the U.S. Web Design System (USWDS), whose components "
                "are designed and tested for accessibility."
            ),
            html.H2("Known limitations"),
            html.Ul(
                className="usa-list",
                children=[
                    html.Li(
                        "Chart tooltips appear on mouse hover only. Every value in a chart is also "
                        "in its text summary and in the data table below it."
                    ),
                    html.Li(
                        "Automated tools find only some kinds of accessibility barriers. If you "
                        "meet one that our checks missed, please tell us."
                    ),
                ],
            ),
            html.H2("Report a problem or ask for another format"),
            html.P(
                "If something on ServiceStat is hard or impossible for you to use, or you need "
                "its information in another format, please tell us."
            ),
            *_contact(),
            html.P("Please include:"),
            html.Ul(
                className="usa-list",
                children=[
                    html.Li("the web address (URL) of the page;"),
                    html.Li("what you were trying to do, and what happened;"),
                    html.Li(
                        "the browser and any assistive technology you use (for example a screen "
                        "reader, screen magnifier, or voice control), with versions if you know "
                        "them."
                    ),
                ],
            ),
            html.P(
                [
                    "We will reply, and work with you to fix the problem or to give you the "
                    "information in a format you can use. You may also file a Section 508 "
                    "complaint with the agency that operates this site; ",
                    _link("Section508.gov", "https://www.section508.gov/"),
                    " lists each agency’s Section 508 contacts.",
                ]
            ),
            html.P(f"This statement was last reviewed on {LAST_REVIEWED}.",
                   className="text-base-dark"),
        ],
    )


def layout(**_query: str) -> html.Div:
    return build_layout()
