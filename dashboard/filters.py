"""Filters in the URL: a plain GET form of native selects, and validation of the query string.

A submit loads the page with a new query string, so every view is a URL (shareable, bookmarkable,
back button works) and changing a select never moves focus on its own (WCAG 3.2.2).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import html


@dataclass(frozen=True)
class FilterSpec:
    """One query parameter: its label (for notices), default, and the values allowed."""

    label: str
    default: str
    allowed: Sequence[str]


def read_filters(kwargs: Mapping[str, Any],
                 spec: Mapping[str, FilterSpec]) -> tuple[dict[str, str], list[str]]:
    """Validate the query parameters a page's ``layout(**kwargs)`` got against ``spec``.

    Returns (values, notices): every name in ``spec`` gets a value; a missing one takes its
    default quietly, an unknown or repeated one takes its default and adds a notice saying so.
    Parameters not in ``spec`` (path variables, unrelated keys) are ignored.
    """
    values: dict[str, str] = {}
    notices: list[str] = []
    for name, filt in spec.items():
        raw = kwargs.get(name)
        if raw is None or raw == "":
            values[name] = filt.default
            continue
        if isinstance(raw, str) and raw in filt.allowed:
            values[name] = raw
            continue
        shown = ", ".join(map(str, raw)) if isinstance(raw, list) else str(raw)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        default_label = filt.default if filt.default else "the default"
        notices.append(f"{filt.label} “{shown}” is not available: showing {default_label} instead.")
        values[name] = filt.default
    return values, notices


def _options(options: Sequence[tuple[str, str]] | Sequence[str]) -> list[dict[str, str]]:
    out = []
    for option in options:
        if isinstance(option, tuple):
            out.append({"label": str(option[1]), "value": str(option[0])})
        else:
            out.append({"label": str(option), "value": str(option)})
    return out


def select_control(name: str, label: str, options: Sequence[tuple[str, str]] | Sequence[str],
                   value: str) -> html.Div:
    """A labelled native ``<select>`` (``dbc.Select``, class usa-select) named for the query string.

    ``options`` are (value, label) pairs or plain values."""
    control_id = f"filter-{name}"
    return html.Div(
        className="usa-form-group margin-top-0 margin-right-2 filter-control",
        children=[
            html.Label(label, htmlFor=control_id, className="usa-label margin-top-1"),
            dbc.Select(id=control_id, name=name, value=value, options=_options(options),
                       className="usa-select"),
        ],
    )


def filter_form(path: str, controls: list) -> html.Form:
    """The page's filters as a GET form to ``path``: submitting loads the page with the new query
    string, so every view is a URL (shareable, bookmarkable, back button restores it) and
    changing a select never moves focus or the page on its own (WCAG 3.2.2)."""
    return html.Form(
        method="get",
        action=path,
        className="filter-form bg-base-lightest padding-2 margin-y-3 radius-md",
        **{"aria-label": "Filters"},
        children=[
            html.Div(className="display-flex flex-row flex-wrap flex-align-end", children=[
                *controls,
                html.Div(className="margin-top-2", children=html.Button(
                    "Apply filters", type="submit", className="usa-button margin-top-1",
                    id="apply-filters")),
            ]),
        ],
    )


def query_string(values: Mapping[str, str]) -> str:
    """``?a=1&b=2`` for links that keep the current filters (empty values left out)."""
    kept = {k: v for k, v in values.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else ""


DRAFT_WORD = "draft"


def with_draft_labels(options: Sequence[tuple[str, str]] | Sequence[str],
                      drafts: Collection[str]) -> list[tuple[str, str]]:
    """Period options whose label says "(draft)" for the periods in `drafts` (metrics.periods
    decides which are drafts); the value stays the period, so URLs do not change."""
    out = []
    for option in options:
        value, label = option if isinstance(option, tuple) else (option, option)
        out.append((value, f"{label} ({DRAFT_WORD})" if value in drafts else label))
    return out


def mark_draft(block: Any) -> Any:
    """Append "(draft)" in words to the first heading of a block (a chart section or a tile), so a
    figure of a draft period says so wherever it is read, also out of context by a screen reader."""
    stack = [block]
    while stack:
        node = stack.pop(0)
        if isinstance(node, (html.H2, html.H3)):
            text = node.children if isinstance(node.children, list) else [node.children]
            node.children = [*text, html.Span(f" ({DRAFT_WORD})", className="draft-label",
                                              **{"data-testid": "draft-label"})]
            return block
        children = getattr(node, "children", None)
        if isinstance(children, (list, tuple)):
            stack.extend(children)
        elif children is not None and not isinstance(children, str):
            stack.append(children)
    return block


def label_drafts(blocks: Sequence[Any], period: str, drafts: Collection[str]) -> list[Any]:
    """The blocks of one period as they are, or, when metrics.periods says the period is a draft, a
    notice saying so in words followed by the blocks, each heading marked "(draft)"."""
    if period not in drafts:
        return list(blocks)
    notice = html.Div(
        className="usa-alert usa-alert--warning usa-alert--slim margin-y-2",
        **{"data-testid": "draft-notice"},
        children=html.Div(className="usa-alert__body", children=html.P(
            f"{period} is a draft: some of its figures are not published yet and may change before OMB "
            "publishes them. Every figure of this period is marked (draft).", className="usa-alert__text")))
    return [notice, *(mark_draft(b) for b in blocks)]
