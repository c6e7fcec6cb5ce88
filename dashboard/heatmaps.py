"""Heatmaps whose colours carry meaning, and their list for narrow screens.

* Colour in labelled bands, not one ramp: two shares a band apart never look alike, and a legend
  names each band in words ("90% or more"). Bands are anchored to the goal (for standards met,
  "all on track"; for agree shares, the A-11 target bands of ``AGREE_BANDS``).
* A cell with no figure is hatched and says "no data" in the cell and the legend: never the pale
  colour of a low share, never "0 of 0".
* Below 40em the chart gives way to a list of the same figures (``chart_block(narrow=...)``),
  because row names such as "Bureau of Trust Funds Administration" cannot fit beside a grid there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import html

from dashboard.charts import PALETTE, narrow_list
from dashboard.formatting import NO_DATA, is_missing

#: The hatch drawn over a cell with no figure (a Plotly fill pattern) and its background.
NO_DATA_FILL = "#ffffff"
NO_DATA_HATCH = "#71767a"


@dataclass(frozen=True)
class Band:
    """Values below ``upper`` (and at or above the previous band's upper) read as ``label``."""

    upper: float
    label: str
    colour: str


#: Agree shares (A-11 survey drivers), in bands of ten points from 60%; the darkest is the 90% the
#: best services reach. Colours: a sequential blue, each step distinct in lightness.
AGREE_BANDS: tuple[Band, ...] = (
    Band(0.6, "under 60%", "#f2f7fb"),
    Band(0.7, "60% to under 70%", "#c3dcf0"),
    Band(0.8, "70% to under 80%", "#86b9e3"),
    Band(0.9, "80% to under 90%", "#3b82c4"),
    Band(float("inf"), "90% or more", "#0b4778"),
)
#: Share of standards on track, anchored to the goal that all are: none, under half, half or more
#: (not all), all.
MET_BANDS: tuple[Band, ...] = (
    Band(1e-9, "none on track", "#f2f7fb"),
    Band(0.5, "under half on track", "#c3dcf0"),
    Band(1.0, "half or more on track, not all", "#5f9fd6"),
    Band(float("inf"), "all on track", "#0b4778"),
)


def band_of(value: object, bands: Sequence[Band]) -> Band | None:
    """The band a value falls in; None for no data."""
    if is_missing(value):
        return None
    for band in bands:
        if float(value) < band.upper:
            return band
    return bands[-1]


def _z_and_scale(values: pd.DataFrame, bands: Sequence[Band]) -> tuple[list[list[float | None]], list]:
    """Band indexes as z, and a step colour scale with one flat colour per index."""
    z = [[None if band_of(v, bands) is None else bands.index(band_of(v, bands)) for v in row]
         for row in values.to_numpy().tolist()]
    n = len(bands)
    scale: list[list[Any]] = []
    for i, band in enumerate(bands):
        scale += [[i / n, band.colour], [(i + 1) / n, band.colour]]
    return z, scale


def heatmap_figure(values: pd.DataFrame, text: pd.DataFrame, bands: Sequence[Band], *,
                   hover: str = "%{y}, %{x}: %{text}") -> go.Figure:
    """A banded heatmap of ``values`` (rows x columns as in the frame) labelled with ``text`` in
    every cell; missing values are hatched cells reading "no data". Rows top-down as in the frame."""
    rows = [str(r) for r in values.index]
    columns = [str(c) for c in values.columns]
    z, scale = _z_and_scale(values, bands)
    labels = [[NO_DATA if is_missing(v) else str(t) for v, t in zip(vr, tr, strict=True)]
              for vr, tr in zip(values.to_numpy().tolist(), text.to_numpy().tolist(), strict=True)]
    x = list(range(len(columns)))
    y = list(range(len(rows)))
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=y, zmin=-0.5, zmax=len(bands) - 0.5, colorscale=scale, showscale=False,
        text=labels, texttemplate="%{text}", textfont={"size": 12},
        customdata=[[f"{rows[i]}, {columns[j]}" for j in x] for i in y],
        hovertemplate=hover.replace("%{y}, %{x}", "%{customdata}") + "<extra></extra>", xgap=2, ygap=2))
    hatch_x: list[float | None] = []
    hatch_y: list[float | None] = []
    for i, row in enumerate(z):
        for j, cell in enumerate(row):
            if cell is None:
                hatch_x += [j - 0.48, j + 0.48, j + 0.48, j - 0.48, j - 0.48, None]
                hatch_y += [i - 0.46, i - 0.46, i + 0.46, i + 0.46, i - 0.46, None]
    if hatch_x:
        fig.add_trace(go.Scatter(
            x=hatch_x, y=hatch_y, mode="lines", fill="toself", fillcolor=NO_DATA_FILL, name=NO_DATA,
            fillpattern={"shape": "/", "fgcolor": NO_DATA_HATCH, "bgcolor": NO_DATA_FILL, "size": 8},
            line={"width": 0}, hoverinfo="skip", showlegend=False))
        # the words on top of the hatch
        cells = [(j, i) for i, row in enumerate(z) for j, cell in enumerate(row) if cell is None]
        fig.add_trace(go.Scatter(
            x=[c[0] for c in cells], y=[c[1] for c in cells], mode="text", text=[NO_DATA] * len(cells),
            textfont={"size": 12, "color": PALETTE["ink"]}, hoverinfo="skip", showlegend=False))
    fig.update_xaxes(tickmode="array", tickvals=x, ticktext=columns, showgrid=False, zeroline=False)
    fig.update_yaxes(tickmode="array", tickvals=y, ticktext=rows, showgrid=False, zeroline=False,
                     autorange="reversed")
    return fig


def band_legend(bands: Sequence[Band], *, title: str) -> html.Div:
    """The colour key in words: one swatch and label per band, and the hatched "no data" swatch."""
    items = [html.Li([html.Span(className="legend-swatch", style={"backgroundColor": b.colour},
                                **{"aria-hidden": "true"}), b.label]) for b in bands]
    items.append(html.Li([html.Span(className="legend-swatch legend-no-data", **{"aria-hidden": "true"}),
                          f"{NO_DATA} (hatched)"]))
    return html.Div(className="margin-y-1", children=[
        html.P(title, className="text-bold margin-bottom-05 font-sans-xs"),
        html.Ul(className="heat-legend font-sans-xs", children=items)])


def heatmap_list(values: pd.DataFrame, text: pd.DataFrame, bands: Sequence[Band], *,
                 label: str) -> html.Ul:
    """The heatmap as a list for narrow screens: per row its columns, each cell's text and band."""
    items = []
    for row_name in values.index:
        pairs = []
        for column in values.columns:
            value = values.at[row_name, column]
            band = band_of(value, bands)
            shown = NO_DATA if band is None else f"{text.at[row_name, column]} ({band.label})"
            pairs.append((str(column), shown))
        items.append((str(row_name), pairs))
    return narrow_list(items, label=label)
