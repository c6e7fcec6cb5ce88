"""Plotly figures as plain dicts, for the charts a page draws on every request.

`go.Figure` validates every property on every update (the magic-underscore path parsing alone was
most of a warm agency page); `PlainFigure` is the dict `go.Figure(...).to_plotly_json()` gives for
the same traces and updates - the default template included - built without that validation, so
the browser receives the same figure. It offers the few `go.Figure` methods the chart builders use
(`add_trace`, `update_layout`, `update_xaxes`, `update_yaxes`, `data`, `layout`) with Plotly's
semantics: nested dicts merge into what is there, anything else replaces it, `None` leaves it unset.
Traces are written as Plotly's JSON spells them (`{"type": "bar", "marker": {"color": ...}}`):
no magic underscores.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

import plotly.graph_objects as go


@functools.cache
def _template() -> dict[str, Any]:
    """The default template (`plotly.io.templates.default`) as `go.Figure` writes it into a layout: one
    shared dict, never changed (`merge` copies what it updates)."""
    return go.Figure().to_plotly_json()["layout"]["template"]


def merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """`base` updated as Plotly's `update` does: dicts merge key by key, other values replace, None is
    skipped. Returns a new dict; neither argument is changed."""
    out = dict(base)
    for key, value in update.items():
        if value is None:
            continue
        old = out.get(key)
        if isinstance(value, Mapping):
            out[key] = merge(old if isinstance(old, Mapping) else {}, value)
        else:
            out[key] = value
    return out


def trace(kind: str, **props: Any) -> dict[str, Any]:
    """One trace as `go.<Kind>(**props).to_plotly_json()` gives it (no magic underscores)."""
    return merge({}, props) | {"type": kind}


class PlainFigure(dict):
    """A figure as the plain dict `go.Figure` serialises to: ``{"data": [...], "layout": {...}}``."""

    def __init__(self, data: Iterable[Mapping[str, Any]] = (), layout: Mapping[str, Any] | None = None):
        super().__init__(data=[dict(t) for t in data],
                         layout=merge({"template": _template()}, layout or {}))

    @property
    def data(self) -> list[dict[str, Any]]:
        return self["data"]

    @property
    def layout(self) -> dict[str, Any]:
        return self["layout"]

    def add_trace(self, one: Mapping[str, Any]) -> PlainFigure:
        self["data"].append(dict(one))
        return self

    def update_layout(self, **props: Any) -> PlainFigure:
        self["layout"] = merge(self["layout"], props)
        return self

    def update_xaxes(self, **props: Any) -> PlainFigure:
        return self.update_layout(xaxis=props)

    def update_yaxes(self, **props: Any) -> PlainFigure:
        return self.update_layout(yaxis=props)


def trace_prop(one: Any, name: str) -> Any:
    """A property of a trace, whether a go trace object or a plain dict."""
    return one.get(name) if isinstance(one, Mapping) else getattr(one, name, None)
