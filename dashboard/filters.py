"""Filters in the URL: a plain GET form of native selects, and validation of the query string.

A submit loads the page with a new query string, so every view is a URL (shareable, bookmarkable,
back button works) and changing a select never moves focus on its own (WCAG 3.2.2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
