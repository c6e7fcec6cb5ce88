"""Channels by performance (service and agency pages): which channel serves customers worst.

Two charts for one period and one service (or every service of an agency): each channel's standards
against their targets, and each channel's survey agree shares against all channels together, each
with its numbers as a table, status by icon and word, and a summary sentence that names the worst
channel by the rule of `metrics.channels.worst_rule_text` (printed under "What is this?").

Drawing only: the figures and the choice of the worst channel are `metrics.channels`'.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import html

from dashboard.charts import PALETTE, chart_block, figure_layout, series_style
from dashboard.figures import PlainFigure, trace
from dashboard.formatting import (
    fmt_interval,
    fmt_number,
    fmt_percent,
    fmt_percent1,
    fmt_points,
    fmt_signed,
    fmt_value,
    is_missing,
    last_updated_text,
)
from dashboard.notices import status_badge
from dashboard.survey_blocks import DRIVERS
from dashboard.tables import usa_table
from metrics.channels import (
    POINTS,
    STANDARD,
    SURVEY,
    WORST_DRIVER,
    channel_performance,
    worst_channels,
    worst_rule_text,
)

WORST_MARK = "Worst channel"


def _grain(period: str) -> str:
    return "quarter" if " Q" in period else "year"


def result_text(result: object, unit: object) -> str:
    """A standard's result or target in its unit: a share as a percent, else the value."""
    if unit == "share":
        return fmt_percent1(result)
    return fmt_value(result, unit if isinstance(unit, str) else None)


def gap_text(gap: object, unit: object) -> str:
    """"−28.0 points" for a share, "+3.5 minutes" for a value."""
    if is_missing(gap):
        return "no data"
    if unit == POINTS:
        return fmt_points(float(gap) / 100)
    return f"{fmt_signed(gap)} {unit}"


def _label(row: Any, with_service: bool) -> str:
    return f"{row['service']}: {row['channel_label']}" if with_service else str(row["channel_label"])


def worst_sentence(worst: dict, period: str, with_service: bool = False) -> str:
    """The worst channel of one service in words, with its figures (see worst_rule_text)."""
    who = _label(worst, with_service)
    if worst["basis"] == STANDARD:
        on_share = worst["result_unit"] == "share"
        how_far = (f"{fmt_points(worst['shortfall']).lstrip('+')} below target" if on_share
                   else f"{fmt_percent1(worst['shortfall'])} of the threshold on the wrong side")
        return (f"Worst channel in {period}: {who}. {worst['measure']}: "
                f"{result_text(worst['result'], worst['result_unit'])} against a target of "
                f"{result_text(worst['target'], worst['result_unit'])} ({how_far}, {worst['status']}, "
                f"n = {fmt_number(worst['n'])}).")
    why = ("every channel meets its standards, so the survey decides" if worst["all_met"]
           else "no channel standard is judged, so the survey decides")
    reference = float(worst["result"]) - float(worst["gap"]) / 100 if not is_missing(worst["gap"]) else None
    versus = f" against {fmt_percent1(reference)} for all channels" if reference is not None else ""
    return (f"Worst channel in {period} ({why}): {who}, {WORST_DRIVER} {fmt_percent1(worst['result'])} "
            f"agree (95% interval {fmt_interval(worst['ci_low'], worst['ci_high'], 1)}, "
            f"n = {fmt_number(worst['n'])}){versus}.")


def _summary(found: pd.DataFrame, period: str, with_service: bool, empty: str) -> str:
    """The sentences naming each worst channel (`found`: `worst_channels` of the block's rows)."""
    if found.empty:
        return empty
    return " ".join(worst_sentence(w, period, with_service) for w in found.to_dict("records"))


def _standards_block(rows: pd.DataFrame, *, block_id: str, period: str, with_service: bool,
                     summary: str, worst: pd.DataFrame) -> html.Section:
    title = f"Channels against their standards, {period}"
    definition = ("Each channel's service standards in the period: the share served within the standard "
                  "(or the value) against its target, the gap in percentage points (or in the value's "
                  "unit), n and the status. " + worst_rule_text())
    std = rows[rows["kind"] == STANDARD]
    if std.empty:
        return chart_block(block_id=block_id, title=title, summary="", definition=definition, figure=None,
                           table=None, last_updated=last_updated_text(rows),
                           empty_message=f"No standard of a channel is declared with figures for {period}.")
    std = std.assign(label=[_label(r, with_service) for r in std.to_dict("records")],
                     result_shown=[result_text(r, u) for r, u in zip(std["result"], std["result_unit"],
                                                                     strict=True)],
                     target_shown=[result_text(t, u) for t, u in zip(std["target"], std["result_unit"],
                                                                     strict=True)],
                     gap_shown=[gap_text(g, u) for g, u in zip(std["gap"], std["gap_unit"], strict=True)],
                     mark=[WORST_MARK if w else "" for w in std.index.isin(worst.index)])
    shares = std[(std["result_unit"] == "share") & std["result"].notna()]
    fig = None
    if len(shares):
        labels = [f"{lab} ({status})" for lab, status in zip(shares["label"], shares["status"], strict=True)]
        fig = PlainFigure()
        fig.add_trace(trace("bar", x=labels, y=shares["result"].tolist(), name="Share within the standard",
                            marker=series_style("ours").bar(),
                            text=[fmt_percent1(v) for v in shares["result"]], textposition="outside",
                            hovertemplate="%{x}: %{y:.1%} within the standard<extra></extra>"))
        fig.add_trace(trace("scatter", x=labels, y=shares["target"].tolist(), mode="markers", name="Target",
                            marker={"symbol": "line-ew-open", "size": 36, "color": PALETTE["target"],
                                    "line": {"width": 3, "color": PALETTE["target"]}},
                            hovertemplate="%{x}: target %{y:.0%}<extra></extra>"))
        figure_layout(fig, y_title="Share within the standard", x_title="Channel", percent=True)
        fig.update_yaxes(range=[0, 1.1])
    columns = [("label", "Service: channel" if with_service else "Channel"), ("measure", "Standard"),
               ("result_shown", "Result"), ("target_shown", "Target"), ("gap_shown", "Gap to target"),
               ("n", "n"), ("status", "Status"), ("mark", "Worst?")]
    table = usa_table(std, caption=f"Channels against their standards, {period}", columns=columns,
                      formatters={"n": fmt_number, "status": status_badge},
                      label_columns=["label", "measure", "target_shown", "mark"],
                      table_id=f"{block_id}-table")
    return chart_block(block_id=block_id, title=title, summary=summary, definition=definition, figure=fig,
                       table=table, last_updated=last_updated_text(std))


def _survey_block(rows: pd.DataFrame, *, block_id: str, period: str, with_service: bool) -> html.Section:
    title = f"Survey drivers by channel, {period}"
    definition = ("Share of survey answers that agree or strongly agree (4 or 5 of 5) with each A-11 driver "
                  "statement, by the channel the customer used, with its Wilson 95% interval (error bars) "
                  "and n, and the gap to the same driver for all channels together, in percentage points.")
    survey = rows[(rows["kind"] == SURVEY) & rows["driver"].isin(DRIVERS if not with_service
                                                                 else (WORST_DRIVER,))]
    named = survey[survey["channel"] != "all"]
    if named.empty:
        return chart_block(block_id=block_id, title=title, summary="", definition=definition, figure=None,
                           table=None, last_updated=last_updated_text(rows),
                           empty_message=f"No survey answers by channel for {period}.")
    rank = {d: i for i, d in enumerate(DRIVERS)}
    survey = survey.assign(_r=survey["driver"].map(rank)).sort_values(["service", "_r"], kind="mergesort")
    survey = survey.assign(
        label=[_label(r, with_service) for r in survey.to_dict("records")],
        what=[str(d).capitalize() for d in survey["driver"]],
        interval=[fmt_interval(lo, hi, 1)
                  for lo, hi in zip(survey["ci_low"], survey["ci_high"], strict=True)],
        gap_shown=[gap_text(g, u) if not is_missing(g) else ""
                   for g, u in zip(survey["gap"], survey["gap_unit"], strict=True)])
    shown = survey[(survey["channel"] != "all") & survey["result"].notna()]
    fig = PlainFigure()
    x_of = (lambda part: part["service"].tolist()) if with_service else (lambda part: part["what"].tolist())
    for channel, part in shown.groupby("channel", sort=False):
        fig.add_trace(trace(
            "bar", x=x_of(part), y=part["result"].tolist(), name=str(part["channel_label"].iloc[0]),
            marker=series_style(str(channel)).bar(),
            error_y={"type": "data", "symmetric": False, "color": PALETTE["ink"],
                     "array": (part["ci_high"] - part["result"]).tolist(),
                     "arrayminus": (part["result"] - part["ci_low"]).tolist()},
            hovertemplate="%{x}: %{y:.1%} agree<extra>" + str(part["channel_label"].iloc[0]) + "</extra>"))
    figure_layout(fig, y_title="Agree", x_title="Service" if with_service else "Driver", percent=True)
    fig.update_yaxes(range=[0, 1])
    fig.update_layout(barmode="group")
    lowest = worst_channels(rows[rows["kind"] == SURVEY])
    summary = (" ".join(_lowest_sentence(w, period, with_service) for w in lowest.to_dict("records"))
               or f"No channel has enough survey answers on {WORST_DRIVER} to compare in {period}.")
    columns = [("label", "Service: channel" if with_service else "Channel"), ("what", "Driver"),
               ("result", "Agree"), ("interval", "95% interval"), ("n", "n"),
               ("gap_shown", "Gap to all channels")]
    table = usa_table(survey, caption=f"Survey drivers by channel, {period}", columns=columns,
                      formatters={"result": fmt_percent1, "n": fmt_number},
                      label_columns=["label", "what", "gap_shown"], table_id=f"{block_id}-table")
    return chart_block(block_id=block_id, title=title, summary=summary, definition=definition,
                       figure=fig if len(shown) else None, table=table,
                       last_updated=last_updated_text(survey))


def _lowest_sentence(row: dict, period: str, with_service: bool) -> str:
    reference = float(row["result"]) - float(row["gap"]) / 100 if not is_missing(row["gap"]) else None
    versus = f", all channels {fmt_percent(reference, 1)}" if reference is not None else ""
    return (f"Lowest {WORST_DRIVER} in {period}: {_label(row, with_service)}, {fmt_percent1(row['result'])} "
            f"agree (95% interval {fmt_interval(row['ci_low'], row['ci_high'], 1)}, n = "
            f"{fmt_number(row['n'])}{versus}).")


def channel_blocks(db: str | None, *, period: str, block_id: str, service_id: str | None = None,
                   agency_id: str | None = None) -> list[html.Section]:
    """The channels-by-performance charts of one service (or of every service of an agency) in `period`."""
    frame = channel_performance(db, _grain(period))
    keep = frame["period"] == period
    if service_id is not None:
        keep &= frame["service_id"] == service_id
    if agency_id is not None:
        keep &= frame["agency_id"] == agency_id
    rows = frame[keep]
    with_service = service_id is None
    empty = f"No channel has a figure to compare in {period}."
    worst = worst_channels(rows)  # named in the summary and marked in the standards table
    summary = _summary(worst, period, with_service, empty)
    return [_standards_block(rows, block_id=f"{block_id}-standards", period=period, with_service=with_service,
                             summary=summary, worst=worst),
            _survey_block(rows, block_id=f"{block_id}-survey", period=period, with_service=with_service)]
