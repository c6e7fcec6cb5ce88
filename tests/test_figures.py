"""Plain-dict figures (dashboard.figures) are exactly what go.Figure would send the browser: the same
traces, the same layout after the same updates, the default template included. Checked against Plotly
itself: go.Figure re-validates the dict and serialises it back unchanged, and the same figure built
with go objects serialises to the same dict."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.charts import figure_layout, percent_decimals
from dashboard.figures import PlainFigure, merge, trace
from dashboard.survey_blocks import channel_drivers_block, driver_trend_block, drivers_block

LONG = "Financial Aid for Education Beyond High School: Phone (off track)"


def _figures(node) -> list:
    """Every dcc.Graph figure in a Dash component tree."""
    found = []
    if getattr(node, "figure", None) is not None:
        found.append(node.figure)
    children = getattr(node, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            found += _figures(child)
    return found


def test_merge_is_plotlys_update() -> None:
    base = {"margin": {"l": 64, "t": 24}, "legend": {"x": 0}, "height": 360}
    out = merge(base, {"margin": {"t": 64}, "height": None, "showlegend": False})
    assert out == {"margin": {"l": 64, "t": 64}, "legend": {"x": 0}, "height": 360, "showlegend": False}
    assert base["margin"] == {"l": 64, "t": 24}  # the argument is left as it was


def test_same_figure_as_go() -> None:
    kwargs = {"x": [LONG, "Online"], "y": [0.77, 0.81], "name": "Share",
              "marker": {"color": "#0072B2", "pattern": {"shape": "/", "fgcolor": "#ffffff"}},
              "error_y": {"type": "data", "symmetric": False, "array": [0.01, 0.02],
                          "arrayminus": [0.01, 0.03]},
              "hovertemplate": "%{x}: %{y:.1%}<extra></extra>"}
    built = go.Figure()
    built.add_trace(go.Bar(**kwargs))
    built.add_trace(go.Scatter(x=[LONG, "Online"], y=[0.8, 0.8], mode="markers", name="Target",
                               marker={"symbol": "line-ew-open", "size": 36}))
    plain = PlainFigure()
    plain.add_trace(trace("bar", **kwargs))
    plain.add_trace(trace("scatter", x=[LONG, "Online"], y=[0.8, 0.8], mode="markers", name="Target",
                          marker={"symbol": "line-ew-open", "size": 36}))
    for fig in (built, plain):
        figure_layout(fig, y_title="Agree", x_title="Channel", percent=True)
        fig.update_yaxes(range=[0, 1])
        fig.update_layout(barmode="group", margin={"t": 64})
    assert plain == built.to_plotly_json()
    assert plain["layout"]["margin"] == {"l": 64, "r": 16, "t": 64, "b": 56}
    assert plain["layout"]["xaxis"]["ticktext"][0].startswith("Financial Aid for<br>")  # wrapped as on go
    assert percent_decimals(plain) == percent_decimals(built) == 0


def _rows(channels: list[str], periods: list[str]) -> pd.DataFrame:
    records = []
    for c, channel in enumerate(channels):
        for p, period in enumerate(periods):
            for d, driver in enumerate(("trust", "satisfaction", "other")):
                share = 0.6 + 0.01 * c + 0.02 * p + 0.03 * d
                records.append({"channel": channel, "period": period, "driver": driver, "n": 100.0 + p,
                                "period_start": pd.Timestamp(2023, 1, 1) + pd.DateOffset(months=3 * p),
                                "agree_share": share,
                                "agree_ci_low": share - 0.05, "agree_ci_high": share + 0.04,
                                "mean": 4.0, "published_mean": math.nan, "suppressed": False,
                                "last_loaded": pd.Timestamp("2026-11-30 10:58")})
    return pd.DataFrame(records)


def test_survey_charts_are_valid_plotly_figures() -> None:
    labels = {"online": "Online", "phone": "Phone", "all": "All channels"}
    periods = ["FY2023 Q2", "FY2023 Q3", "FY2023 Q4", "FY2024 Q1", "FY2024 Q2"]
    rows = _rows(["online", "phone", "all"], periods)
    blocks = [
        drivers_block(rows[rows["channel"] == "all"].iloc[:3], block_id="d", title="D", period="FY2023 Q2",
                      scope="all channels", empty_message="none"),
        channel_drivers_block(rows[rows["period"] == "FY2023 Q2"], block_id="c", title="C",
                              period="FY2023 Q2", scope="S", labels=labels, empty_message="none"),
        driver_trend_block(rows, block_id="t", driver="trust", name="S", labels=labels, empty_message="none"),
    ]
    figures = [f for block in blocks for f in _figures(block)]
    assert len(figures) == 3
    for fig in figures:
        assert isinstance(fig, PlainFigure)
        assert go.Figure(fig).to_plotly_json() == fig  # Plotly accepts it as is and changes nothing
    trend = figures[2]
    assert [t["name"] for t in trend["data"]] == ["Online", "Phone", "All channels"]
    assert trend["data"][0]["y"] == pytest.approx([0.6, 0.62, 0.64, 0.66, 0.68])
    assert trend["layout"]["xaxis"]["categoryarray"] == periods
    # five quarters, at most six labels: every quarter labelled, on two lines
    assert trend["layout"]["xaxis"]["tickvals"] == periods
    assert trend["layout"]["xaxis"]["ticktext"][0] == "FY2023<br>Q2"
