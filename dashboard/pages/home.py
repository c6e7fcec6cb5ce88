"""Overview page (``/``): placeholder for the government-wide view, with one example chart."""

from __future__ import annotations

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import html

from dashboard.components import accessible_chart, page_intro, usa_table

dash.register_page(
    __name__,
    path="/",
    name="Overview",
    title="Government-wide overview – ServiceStat",
    description="Federal customer-service performance across agencies and channels.",
    order=0,
)

#: EXAMPLE numbers, made up to show the accessible chart pattern. Not agency results; the real
#: overview will read the warehouse.
EXAMPLE_SATISFACTION = pd.DataFrame(
    {
        "channel": ["In person", "Online", "Phone", "Mail"],
        "pct_satisfied": [83, 78, 64, 58],
    }
)

EXAMPLE_CHART_ID = "home-example-chart"
EXAMPLE_TABLE_ID = "home-example-table"


def _percent(value: object) -> str:
    return f"{value}%"


def example_figure(df: pd.DataFrame) -> go.Figure:
    fig = go.Figure(
        go.Bar(
            x=df["channel"].tolist(),
            y=df["pct_satisfied"].tolist(),
            marker_color="#005ea2",
            text=[_percent(v) for v in df["pct_satisfied"]],
            textposition="outside",
            hovertemplate="%{x}: %{y}% satisfied<extra></extra>",
        )
    )
    fig.update_layout(
        margin={"l": 56, "r": 16, "t": 24, "b": 48},
        font={"family": "Source Sans Pro Web, Helvetica Neue, Helvetica, Arial, sans-serif",
              "size": 15, "color": "#1b1b1b"},
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        yaxis={"title": {"text": "Customers satisfied (%)"}, "range": [0, 100],
               "gridcolor": "#dfe1e2"},
        xaxis={"title": {"text": "Service channel"}},
        showlegend=False,
    )
    return fig


def example_summary(df: pd.DataFrame) -> str:
    values = ", ".join(f"{row.channel} {_percent(row.pct_satisfied)}" for row in df.itertuples())
    return (
        "Bar chart of example data, not agency results: share of customers satisfied, "
        f"by service channel. {values}."
    )


def build_layout(*, show_synthetic_notice: bool) -> html.Div:
    df = EXAMPLE_SATISFACTION
    return html.Div(
        className="line-height-sans-5",
        children=[
            *page_intro("Government-wide overview", show_synthetic_notice=show_synthetic_notice),
            html.P(
                "ServiceStat will show how federal services perform against the customer-service "
                "standards of Executive Order 13571 and OMB Circular A-11 Section 280: "
                "satisfaction and trust, wait and processing times, by agency and channel. "
                "The full dashboard is coming; this page shows how each chart will be presented.",
                className="measure-5",
            ),
            html.H2("Example chart"),
            accessible_chart(
                graph_id=EXAMPLE_CHART_ID,
                figure=example_figure(df),
                summary=example_summary(df),
                caption="Example: share of customers satisfied, by service channel "
                "(illustrative numbers, not agency results)",
                table=usa_table(
                    df,
                    caption="Example data: share of customers satisfied, by service channel",
                    columns=[("channel", "Service channel"),
                             ("pct_satisfied", "Customers satisfied")],
                    formatters={"pct_satisfied": _percent},
                    table_id=EXAMPLE_TABLE_ID,
                ),
            ),
        ],
    )


def layout(**_query: str) -> html.Div:
    # Dash passes query-string parameters as keyword arguments: accepted and ignored, so that a
    # URL cannot switch the notice off. Every figure here is synthetic for now.
    return build_layout(show_synthetic_notice=True)
