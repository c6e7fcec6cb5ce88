"""Page furniture that says what a page shows: its title and lead, the synthetic-data notice,
explicit empty states and filter notices, status badges (icon and word, never colour alone), and
the pages for a missing warehouse or an unknown id.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from dash import html

from dashboard.formatting import NO_DATA

SYNTHETIC_NOTICE_TEXT = (
    "Demonstration data: the figures on this page are synthetic, generated for the demo, "
    "not agency results."
)

#: status -> (icon character, USWDS tag classes). Text colours are chosen for 4.5:1 contrast.
STATUS_STYLE: dict[str, tuple[str, str]] = {
    "on track": ("✓", "usa-tag bg-success-darker"),
    "at risk": ("!", "usa-tag bg-warning text-ink"),
    "off track": ("✕", "usa-tag bg-error-dark"),
    "insufficient data": ("?", "usa-tag bg-base-lighter text-ink"),
    "not reported": ("–", "usa-tag bg-white text-ink border-1px border-base"),
    # GPRA goal statuses (metrics.goals.gpra_status) and milestone states.
    "met": ("✓", "usa-tag bg-success-darker"),
    "not met": ("✕", "usa-tag bg-error-dark"),
    "no data": ("–", "usa-tag bg-white text-ink border-1px border-base"),
    "no rule": ("?", "usa-tag bg-base-lighter text-ink"),
    "done": ("✓", "usa-tag bg-success-darker"),
    "in progress": ("…", "usa-tag bg-base-lighter text-ink"),
    "planned": ("○", "usa-tag bg-white text-ink border-1px border-base"),
    "late": ("!", "usa-tag bg-warning text-ink"),
    "dropped": ("–", "usa-tag bg-base-lighter text-ink"),
}
#: The five standard statuses, in the order pages list them.

def synthetic_notice() -> html.Div:
    """A slim USWDS warning alert saying the page shows synthetic demonstration data."""
    return html.Div(
        className="usa-alert usa-alert--warning usa-alert--slim margin-y-3",
        **{"data-testid": "synthetic-notice"},
        children=html.Div(
            className="usa-alert__body",
            children=html.P(SYNTHETIC_NOTICE_TEXT, className="usa-alert__text"),
        ),
    )


def page_intro(title: str, *, show_synthetic_notice: bool, lead: str | None = None) -> list:
    """The top of a page: its one h1, the synthetic-data notice when asked for, a lead line."""
    children: list = [html.H1(title)]
    if show_synthetic_notice:
        children.append(synthetic_notice())
    if lead:
        children.append(html.P(lead, className="font-sans-md measure-5"))
    return children


def any_synthetic(*frames: pd.DataFrame | None) -> bool:
    """True when any frame shown on a page holds synthetic rows (its ``synthetic`` column)."""
    for frame in frames:
        if frame is not None and "synthetic" in frame and len(frame) and bool(frame["synthetic"].any()):
            return True
    return False


def empty_state(message: str) -> html.Div:
    """An explicit "nothing to show" message (USWDS info alert), used instead of a blank chart."""
    return html.Div(
        className="usa-alert usa-alert--info usa-alert--slim margin-y-2",
        **{"data-testid": "empty-state"},
        children=html.Div(className="usa-alert__body",
                          children=html.P(message, className="usa-alert__text")),
    )


def notices_alert(notices: Sequence[str]) -> html.Div | None:
    """The notices ``read_filters`` returned (e.g. an unknown value replaced by the default)."""
    if not notices:
        return None
    return html.Div(
        className="usa-alert usa-alert--info usa-alert--slim margin-y-2",
        **{"data-testid": "filter-notice"},
        children=html.Div(
            className="usa-alert__body",
            children=[html.P(text, className="usa-alert__text") for text in notices],
        ),
    )


def status_badge(status: str | None) -> html.Span:
    """A status as icon AND word in a USWDS tag (never colour alone); unknown text shows as is."""
    word = status if isinstance(status, str) and status else NO_DATA
    icon, classes = STATUS_STYLE.get(word.lower(), ("•", "usa-tag bg-base-lighter text-ink"))
    return html.Span(
        className=f"{classes} status-badge",
        **{"data-status": word},
        children=[html.Span(icon, **{"aria-hidden": "true"}, className="margin-right-05"), word],
    )

NO_WAREHOUSE_TEXT = ("No data yet: the warehouse has not been built. Run `servicestat demo` or "
                     "`servicestat ingest`.")


def no_warehouse_page(title: str) -> html.Div:
    """What a page shows when there is no warehouse file yet: its heading and an explicit message."""
    return html.Div([*page_intro(title, show_synthetic_notice=False), empty_state(NO_WAREHOUSE_TEXT)])


def link_list(links: Sequence[tuple[str, str]]) -> html.Ul:
    """A USWDS list of (label, href) links."""
    items = [html.Li(html.A(label, href=href, className="usa-link")) for label, href in links]
    return html.Ul(className="usa-list", children=items)


def no_such_page(noun: str, plural: str, wanted: str | None, links: Sequence[tuple[str, str]]) -> html.Div:
    """The page for an address whose id names nothing: say so, and list what there is (label, href)."""
    article = "an" if noun[0] in "aeiou" else "a"
    return html.Div(className="line-height-sans-5", children=[
        html.H1(f"No such {noun}"),
        html.Div(className="usa-alert usa-alert--warning margin-y-3", children=html.Div(
            className="usa-alert__body", children=html.P(
                f"There is no {noun} with the id “{wanted}”. Check the address, or choose {article} "
                f"{noun} below.", className="usa-alert__text"))),
        html.P(["Go to the ", html.A("government-wide overview", href="/", className="usa-link"), "."]),
        html.H2(plural),
        link_list(links),
    ])
