"""Page sections shared by the agency and service pages (standards table and trend, periods).

Drawing only: every figure comes from a metrics function; nothing here queries or judges.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from core.units import in_unit
from dashboard.charts import PALETTE, chart_block, figure_layout
from dashboard.figures import PlainFigure, trace
from dashboard.formatting import (
    fmt_in_unit,
    fmt_number,
    fmt_percent,
    fmt_percent1,
    is_missing,
    last_updated_text,
    unit_label,
)
from dashboard.notices import status_badge
from dashboard.tables import usa_table
from metrics.glance import metric_display_unit


def period_options(status: pd.DataFrame, years: pd.DataFrame) -> list[tuple[str, str]]:
    """(value, label) for the period select: fiscal years and their quarters, newest first.

    A fiscal year in progress has quarters but no whole-year figures yet: its quarters are offered
    all the same, and the whole year only where year figures exist.
    """
    options: list[tuple[str, str]] = []
    quarters = status.drop_duplicates("period").sort_values("period_start", ascending=False)
    with_year = set(years["period"])
    fiscal_years = with_year | {p.split(" ", 1)[0] for p in quarters["period"]}
    for fy in sorted(fiscal_years, reverse=True):
        if fy in with_year:
            options.append((fy, f"{fy} (whole fiscal year)"))
        for period in quarters["period"]:
            if period.startswith(fy + " "):
                options.append((period, period))
    return options


def grain_of(period: str) -> str:
    """'year' for "FY2025", 'quarter' for "FY2025 Q3"."""
    return "quarter" if " Q" in period else "year"


def _figure_text(row: Any) -> str:
    if not is_missing(row.share_within):
        return fmt_percent1(row.share_within)
    metric = row.value_metric if not is_missing(row.value_metric) else row.metric
    return fmt_in_unit(row.value, row.value_unit, display_unit(metric))


def _target_text(row: Any) -> str:
    """A share target as a percent; a value target in its own declared unit (``threshold_unit``)."""
    if not is_missing(row.target_share):
        return fmt_percent(row.target_share)
    unit = row.threshold_unit if not is_missing(row.threshold_unit) else row.value_unit
    return fmt_in_unit(row.threshold, unit, unit)


def standards_table_block(status: pd.DataFrame, *, block_id: str, period: str, show_service: bool
                          ) -> Any:
    """Each standard's figure, target, n and status (icon and word) in one period."""
    rows = status[status["period"] == period].sort_values(["service", "standard"])
    columns = [("standard", "Standard")]
    if show_service:
        columns.append(("service", "Service"))
    rows = rows.assign(
        figure=[_figure_text(r) for r in rows.itertuples()],
        target=[_target_text(r) for r in rows.itertuples()],
    )
    columns += [("channel", "Channel"), ("figure", "Result"), ("target", "Target"), ("n", "n"),
                ("status", "Status")]
    counts = rows["status"].value_counts()
    summary = (f"{len(rows)} standards in {period}: "
               + ", ".join(f"{int(counts.get(s, 0))} {s}" for s in
                           ("on track", "at risk", "off track", "insufficient data", "not reported")) + ".")
    table = usa_table(rows, caption=f"Standards and their status, {period}", columns=columns,
                      formatters={"n": fmt_number, "status": status_badge},
                      label_columns=["standard", "service", "channel", "target"],
                      table_id=f"{block_id}-table")
    return chart_block(
        block_id=block_id, title="Standards and their status", summary=summary,
        definition="Each declared service standard (listed on the methodology page), judged for the "
        "period: the share of transactions served within the standard's threshold (or the reported "
        "value) against its target. On track: at or above target; at risk: within the at-risk band "
        "below it; off track: below that; insufficient data: fewer observations than the standard's "
        "minimum n; not reported: no figure for the period.",
        figure=None, table=table, last_updated=last_updated_text(rows),
        empty_message=None if len(rows) else f"No standards are in force with figures for {period}.",
    )


def display_unit(metric: object) -> str | None:
    """The unit ``metric``'s figures are shown in (data/metrics.yaml); None for no or an unknown metric."""
    if is_missing(metric):
        return None
    try:
        return metric_display_unit(str(metric))
    except KeyError:
        return None


def _converted(value: object, unit: object, to_unit: str) -> float | None:
    if is_missing(value):
        return None
    if is_missing(unit) or unit == to_unit:
        return float(value)
    return in_unit(float(value), str(unit), to_unit)


def standard_trend_block(status: pd.DataFrame, *, block_id: str, standard_id: str) -> Any:
    """One standard over time against its target line and the at-risk band below it."""
    rows = status[status["standard_id"] == standard_id].sort_values("period_start")
    name = rows["standard"].iloc[0] if len(rows) else standard_id
    title = f"Trend against the target: {name}"
    definition = ("The standard's result in each period. The dark line is the target; the shaded band "
                  "below it is the at-risk band (a result inside it is at risk, below it off track).")
    if rows.empty:
        return chart_block(block_id=block_id, title=title, summary="", definition=definition, figure=None,
                           table=None, last_updated=None,
                           empty_message="This standard has no figures in the warehouse yet.")
    on_share = rows["target_share"].notna().any()
    # A value standard is drawn in its metric's display unit, result and target alike (a result in
    # minutes against a target in days would be a chart of two units).
    first = rows.iloc[0]
    unit = display_unit(first["value_metric"] if not is_missing(first["value_metric"]) else first["metric"]) \
        or first["value_unit"]
    y = rows["share_within"] if on_share else rows.apply(
        lambda r: _converted(r["value"], r["value_unit"], unit), axis=1)
    target = rows["target_share"] if on_share else rows.apply(
        lambda r: _converted(r["threshold"], r["threshold_unit"], unit), axis=1)
    x = rows["period"].tolist()
    fig = PlainFigure()  # the dict go.Figure would serialise to, without its validation (dashboard.figures)
    if on_share:
        low = (rows["target_share"] - rows["at_risk_band"]).tolist()
        fig.add_trace(trace("scatter", x=x, y=target.tolist(), mode="lines", line={"width": 0},
                            hoverinfo="skip", showlegend=False))
        fig.add_trace(trace("scatter", x=x, y=low, mode="lines", line={"width": 0}, fill="tonexty",
                            fillcolor=PALETTE["band"], name="At-risk band", hoverinfo="skip"))
    fig.add_trace(trace("scatter", x=x, y=target.tolist(), mode="lines", name="Target",
                        line={"color": PALETTE["target"], "dash": "dash", "width": 2}))
    fig.add_trace(trace("scatter", x=x, y=y.tolist(), mode="lines+markers", name="Result",
                        line={"color": PALETTE["blue"], "width": 3}, marker={"size": 8}))
    figure_layout(fig, y_title="Share within the threshold" if on_share else f"Value ({unit_label(unit)})",
                  x_title="Period", percent=bool(on_share))
    fmt = fmt_percent1 if on_share else (lambda v: fmt_in_unit(v, unit, unit))
    table_rows = rows.assign(result=y.values, goal=target.values)
    table = usa_table(table_rows, caption=f"{name}: result, target and status by period",
                      columns=[("period", "Period"), ("result", "Result"), ("goal", "Target"), ("n", "n"),
                               ("status", "Status")],
                      formatters={"result": fmt, "goal": fmt, "n": fmt_number, "status": status_badge},
                      table_id=f"{block_id}-table")
    last = rows.iloc[-1]
    summary = (f"{name}: {fmt(y.iloc[-1])} in {last['period']} against a target of {fmt(target.iloc[-1])} "
               f"({last['status']}); first period {x[0]}: {fmt(y.iloc[0])}.")
    return chart_block(block_id=block_id, title=title, summary=summary, definition=definition, figure=fig,
                       table=table, last_updated=last_updated_text(rows))
