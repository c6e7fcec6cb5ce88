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

#: The status badge for each word: (icon, colour classes). The icon is a USWDS icon drawn by CSS
#: (``.ss-icon--<name>`` in dashboard/assets/servicestat.css, a mask in the text colour), never a
#: font character: the served USWDS fonts lack ✓, ✕, ⧗ and most symbols, which then show as a
#: missing-glyph box. Each family of meaning has its own colour AND its own icon, and every badge
#: prints its word, so status never rests on colour alone. Colours keep 4.5:1 text contrast.
_GOOD, _WARN, _BAD = "bg-success-darker text-white", "bg-gold text-ink", "bg-secondary-darker text-white"
_INFO, _NONE, _GREY = "bg-primary-lighter text-ink", "bg-white text-ink border-1px border-base", \
    "bg-base-lighter text-ink"
BADGE_STYLE: dict[str, tuple[str, str]] = {
    # standard statuses (core.vocab.STATUSES)
    "on track": ("check_circle", _GOOD),
    "at risk": ("warning", _WARN),
    "off track": ("cancel", _BAD),
    "insufficient data": ("help", _GREY),
    "not reported": ("remove", _NONE),
    # GPRA goal statuses (metrics.goals.gpra_status) and milestone states
    "met": ("check_circle", _GOOD),
    "not met": ("cancel", _BAD),
    "no data": ("remove", _NONE),
    "no rule": ("help", _GREY),
    "done": ("check_circle", _GOOD),
    "in progress": ("autorenew", _INFO),
    "planned": ("event", _NONE),
    "late": ("schedule", _WARN),
    "dropped": ("do_not_disturb", _GREY),
    "on time": ("check_circle", _GOOD),
    "yes": ("check_circle", _GOOD),
    "no": ("cancel", _BAD),
    # reporting compliance (metrics.reporting.COMPLIANCE)
    "published": ("check_circle", _GOOD),
    "awaiting review": ("hourglass_empty", _INFO),
    "change requested": ("autorenew", _WARN),
    "overdue": ("error", _BAD),
    "due": ("schedule", _INFO),
    "open": ("radio_button_unchecked", _NONE),
    "no obligation": ("remove", _GREY),
}
_UNKNOWN_BADGE = ("info", _GREY)
#: Kept for callers that read the old shape: status -> (icon name, "usa-tag" + colour classes).
STATUS_STYLE: dict[str, tuple[str, str]] = {k: (icon, f"usa-tag {cls}") for k, (icon, cls) in
                                            BADGE_STYLE.items()}


def icon(name: str) -> html.Span:
    """A decorative USWDS icon (``name`` as in node_modules/@uswds/uswds/dist/img/usa-icons), drawn in
    the text colour by CSS; hidden from screen readers, so the words beside it carry the meaning."""
    return html.Span(className=f"ss-icon ss-icon--{name}", **{"aria-hidden": "true"})


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


def status_badge(status: str | None, *, attribute: str = "data-status") -> html.Span:
    """A status as icon AND word AND colour in a USWDS tag (never colour alone); unknown text shows
    as is with a neutral badge. ``attribute`` names the data attribute holding the word (tests and
    scripts find badges by it: ``data-status``, ``data-compliance``)."""
    word = status if isinstance(status, str) and status else NO_DATA
    name, classes = BADGE_STYLE.get(word.lower(), _UNKNOWN_BADGE)
    return html.Span(
        className=f"usa-tag text-no-uppercase {classes} status-badge status-badge--{name}",
        **{attribute: word},
        children=[icon(name), word],
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
