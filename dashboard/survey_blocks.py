"""A-11 survey driver charts shared by the overview, agency and service pages.

Each driver's agree share (answers 4 or 5 of 5) as a bar with its 95% interval as error bars, and
the numbers as a table: agree share, interval, n, the mean answer on 1-5 (with its interval and the
mean the published file printed, where the frame has them) and the change on the previous period.
Drawing only: every figure comes from metrics.survey / metrics.scorecard frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from dash import html

from dashboard.charts import (
    PALETTE,
    SERIES_COLOURS,
    SERIES_DASHES,
    SERIES_SYMBOLS,
    chart_block,
    figure_layout,
    narrow_list,
)
from dashboard.figures import PlainFigure, trace
from dashboard.formatting import (
    fmt_mean,
    fmt_mean_interval,
    fmt_number,
    fmt_percent1,
    fmt_points,
    is_missing,
    last_updated_text,
)
from dashboard.tables import usa_table
from metrics.suppression import suppressed_label

#: The A-11 Section 280 drivers in the order pages list them (trust first: the headline driver).
DRIVERS: tuple[str, ...] = ("trust", "satisfaction", "effectiveness", "ease", "efficiency", "equity",
                            "employee")
#: Bar fill patterns that go with SERIES_COLOURS, so channels differ by more than colour.
PATTERNS: tuple[str, ...] = ("", "/", "x", ".", "-", "+")

DRIVER_DEFINITION = (
    "Share of post-transaction survey answers that agree or strongly agree (4 or 5 of 5) with each A-11 "
    "driver statement, with its Wilson 95% interval (the error bars) and n, the answers behind it. The "
    "mean is the average answer on the 1–5 scale, computed from the answer counts (for one service, with "
    "its 95% interval); the published mean is the one the agency's A-11 file printed, as performance.gov "
    "shows it."
)


def a11_drivers(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of the A-11 drivers (others, e.g. "other", left out), in DRIVERS order."""
    rank = {d: i for i, d in enumerate(DRIVERS)}
    rows = rows[rows["driver"].isin(DRIVERS)]
    return rows.assign(_rank=rows["driver"].map(rank)).sort_values("_rank").drop(columns="_rank")


def fmt_p(p: object) -> str:
    """A p-value as people read it: "p < 0.001", "p = 0.034"."""
    if is_missing(p):
        return "no test"
    return "p < 0.001" if float(p) < 0.001 else f"p = {float(p):.3f}"


def change_text(change: object, significant: object, p: object) -> str:
    """"+0.7 points, significant (p < 0.001)"; "no previous period" when there is none."""
    if is_missing(change):
        return "no previous period"
    word = "significant" if bool(significant) else "not significant"
    return f"{fmt_points(change)}, {word} ({fmt_p(p)})"


def _nothing_to_chart(rows: pd.DataFrame, period: str) -> str:
    """The summary when rows exist but none has an agree share to draw: say why."""
    if "suppressed" in rows and rows["suppressed"].fillna(False).astype(bool).any():
        return (f"No figure to chart for {period}: the table marks them “{suppressed_label()}”, too few "
                "answers to publish without singling out respondents.")
    return (f"No figure to chart for {period}: the file gave no answer counts for these questions; the "
            "table gives what it published.")


def _error_bars(rows: pd.DataFrame) -> dict[str, Any]:
    return {"type": "data", "symmetric": False, "color": PALETTE["ink"],
            "array": (rows["agree_ci_high"] - rows["agree_share"]).tolist(),
            "arrayminus": (rows["agree_share"] - rows["agree_ci_low"]).tolist()}


def _mean_phrase(row: Any) -> str:
    text = f"mean {fmt_mean(row.get('mean'))}"
    if not is_missing(row.get("published_mean")):
        text += f", published {fmt_mean(row['published_mean'])}"
    return text


def _table_columns(rows: pd.DataFrame, first: Sequence[tuple[str, str]]) -> tuple[list, dict]:
    columns = [*first, ("agree_share", "Agree"), ("agree_ci_low", "95% interval from"),
               ("agree_ci_high", "95% interval to"), ("n", "n"), ("mean", "Mean (1–5)")]
    formatters: dict[str, Any] = {"agree_share": fmt_percent1, "agree_ci_low": fmt_percent1,
                                  "agree_ci_high": fmt_percent1, "n": fmt_number, "mean": fmt_mean}
    if "mean_ci_low" in rows:
        columns.append(("mean_interval", "Mean 95% interval"))
    if "published_mean" in rows:
        columns.append(("published_mean", "Published mean"))
        formatters["published_mean"] = fmt_mean
    if "change_prev" in rows:
        columns.append(("change", "Change on the previous period"))
    return columns, formatters


def _with_text(rows: pd.DataFrame) -> pd.DataFrame:
    out = rows.assign(label=[d.capitalize() for d in rows["driver"]])
    if "change_prev" in rows:
        out["change"] = [change_text(c, s, p) for c, s, p in zip(
            rows["change_prev"], rows["significant_prev"], rows["p_value_prev"], strict=True)]
    if "mean_ci_low" in rows:
        out["mean_interval"] = [fmt_mean_interval(lo, hi) for lo, hi in
                                zip(rows["mean_ci_low"], rows["mean_ci_high"], strict=True)]
    return out


def drivers_block(rows: pd.DataFrame, *, block_id: str, title: str, period: str, scope: str,
                  empty_message: str, notes: Sequence[Any] | None = None) -> html.Section:
    """One bar per driver (agree share, interval as error bars) for one period; table with the mean."""
    rows = a11_drivers(rows)
    if rows.empty:
        return chart_block(block_id=block_id, title=title, summary="", definition=DRIVER_DEFINITION,
                           figure=None, table=None, last_updated=last_updated_text(rows),
                           empty_message=empty_message, notes=notes)
    rows = _with_text(rows)
    shown = rows[rows["agree_share"].notna()]
    columns, formatters = _table_columns(rows, [("label", "Driver")])
    table = usa_table(rows, caption=f"Survey drivers, {scope}, {period}", columns=columns,
                      formatters=formatters, label_columns=["label"], table_id=f"{block_id}-table")
    if shown.empty:
        return chart_block(block_id=block_id, title=title, summary=_nothing_to_chart(rows, period),
                           definition=DRIVER_DEFINITION, figure=None, table=table,
                           last_updated=last_updated_text(rows), notes=notes)
    fig = PlainFigure([trace(
        "bar", x=shown["label"].tolist(), y=shown["agree_share"].tolist(), marker={"color": PALETTE["blue"]},
        error_y=_error_bars(shown), text=[fmt_percent1(v) for v in shown["agree_share"]],
        textposition="inside", insidetextanchor="end", textfont={"color": "#ffffff"},
        hovertemplate="%{x}: %{y:.1%} agree<extra></extra>")])
    figure_layout(fig, y_title="Agree", x_title="Driver", percent=True)
    fig.update_yaxes(range=[0, 1])
    fig.update_layout(showlegend=False)
    summary = (f"Bar chart: agree share by driver, {scope}, {period}: "
               + "; ".join(f"{r['label']} {fmt_percent1(r['agree_share'])} (95% interval "
                           f"{fmt_percent1(r['agree_ci_low'])}–{fmt_percent1(r['agree_ci_high'])}, n = "
                           f"{fmt_number(r['n'])}, {_mean_phrase(r)})" for _, r in shown.iterrows()) + ".")
    return chart_block(block_id=block_id, title=title, summary=summary, definition=DRIVER_DEFINITION,
                       figure=fig, table=table, last_updated=last_updated_text(rows), notes=notes)


def channel_drivers_block(rows: pd.DataFrame, *, block_id: str, title: str, period: str, scope: str,
                          labels: dict[str, str], empty_message: str,
                          notes: Sequence[Any] | None = None) -> html.Section:
    """Drivers by channel for one period: grouped bars (colour and pattern per channel) and a table
    of every channel x driver, the channels pooled ("All channels") last when there are several."""
    rows = a11_drivers(rows)
    named = rows[rows["channel"] != "all"]
    if named.empty:
        return chart_block(block_id=block_id, title=title, summary="", definition=DRIVER_DEFINITION,
                           figure=None, table=None, last_updated=last_updated_text(rows),
                           empty_message=empty_message, notes=notes)
    channels = list(dict.fromkeys(named["channel"]))
    if len(channels) > 1:
        channels.append("all")
    rows = _with_text(rows[rows["channel"].isin(channels)])
    rows = rows.assign(channel_label=[labels.get(c, c) for c in rows["channel"]],
                       _c=rows["channel"].map({c: i for i, c in enumerate(channels)}))
    rows = rows.sort_values(["_c"], kind="stable").drop(columns="_c")
    columns, formatters = _table_columns(rows, [("channel_label", "Channel"), ("label", "Driver")])
    table = usa_table(rows, caption=f"Survey results by channel and driver, {scope}, {period}",
                      columns=columns, formatters=formatters, label_columns=["channel_label", "label"],
                      table_id=f"{block_id}-table")
    if rows["agree_share"].isna().all():
        return chart_block(block_id=block_id, title=title, summary=_nothing_to_chart(rows, period),
                           definition=DRIVER_DEFINITION, figure=None, table=table,
                           last_updated=last_updated_text(rows), notes=notes)
    fig = PlainFigure()
    parts = []
    charted = rows[rows["agree_share"].notna()]
    by_channel = dict(list(charted.groupby("channel", sort=False))) if len(charted) else {}
    for i, channel in enumerate(c for c in channels if c != "all"):
        series = by_channel.get(channel)
        if series is None or series.empty:
            continue
        fig.add_trace(trace(
            "bar", x=series["label"].tolist(), y=series["agree_share"].tolist(),
            name=labels.get(channel, channel),
            marker={"color": SERIES_COLOURS[i % len(SERIES_COLOURS)],
                    "pattern": {"shape": PATTERNS[i % len(PATTERNS)], "fgcolor": "#ffffff"}},
            error_y=_error_bars(series),
            hovertemplate=f"{labels.get(channel, channel)}, %{{x}}: %{{y:.1%}} agree<extra></extra>"))
        parts.append(f"{labels.get(channel, channel)}: " + ", ".join(
            f"{label} {fmt_percent1(share)} (n = {fmt_number(n)}, mean {fmt_mean(mean)})"
            for label, share, n, mean in zip(series["label"], series["agree_share"], series["n"],
                                             series["mean"], strict=True)))
    figure_layout(fig, y_title="Agree", x_title="Driver", percent=True)
    fig.update_yaxes(range=[0, 1])
    # The legend above the plot: below it, it would collide with driver names turned on a phone.
    fig.update_layout(barmode="group", showlegend=True, margin={"t": 64},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0})
    summary = (f"Bar chart: agree share by driver and channel, {scope}, {period}. " + "; ".join(parts)
               + ". The table gives the intervals and the published means.")
    return chart_block(block_id=block_id, title=title, summary=summary, definition=DRIVER_DEFINITION,
                       figure=fig, table=table, last_updated=last_updated_text(rows), notes=notes)


MAX_QUARTER_LABELS = 6


def driver_trend_block(rows: pd.DataFrame, *, block_id: str, driver: str, name: str,
                       labels: dict[str, str], empty_message: str, definition: str | None = None
                       ) -> html.Section:
    """One driver's agree share every quarter for one service or provider (``name``): a line per
    channel (colour, dash and marker per line), and the channels pooled when there are several; every
    point's interval, n and means in the table."""
    rows = rows[(rows["driver"] == driver) & rows["agree_share"].notna()]
    order = [c for c in labels if c != "all" and c in set(rows["channel"])]
    order += sorted(set(rows["channel"]) - {*order, "all"})
    if len(order) > 1:  # with one channel the pooled line repeats it
        order.append("all")
    rows = rows[rows["channel"].isin(order)]
    title = f"{driver.capitalize()} every quarter: {name}"
    definition = definition or (
        f"The share of survey answers agreeing with the A-11 {driver} statement each fiscal quarter, one "
        "line per channel (and the channels pooled, when there are several). The table gives each point's "
        "interval, n and means.")
    if rows.empty:
        return chart_block(block_id=block_id, title=title, summary="", definition=definition, figure=None,
                           table=None, last_updated=None, empty_message=empty_message)
    rows = rows.assign(channel_label=[labels.get(c, c) for c in rows["channel"]],
                       _c=rows["channel"].map({c: i for i, c in enumerate(order)}))
    rows = _with_text(rows.sort_values(["_c", "period_start"]).drop(columns="_c"))
    firsts = rows.drop_duplicates("period")  # each period's first row, as the rows are ordered
    first_start = dict(zip(firsts["period"], firsts["period_start"], strict=True))
    periods = sorted(set(rows["period"]), key=first_start.__getitem__)
    by_channel = dict(list(rows.groupby("channel", sort=False)))
    fig = PlainFigure()
    parts = []
    for i, channel in enumerate(order):
        series = by_channel.get(channel, rows.iloc[:0])
        label = labels.get(channel, channel)
        fig.add_trace(trace(
            "scatter", x=series["period"].tolist(), y=series["agree_share"].tolist(), mode="lines+markers",
            name=label,
            line={"color": SERIES_COLOURS[i % len(SERIES_COLOURS)], "width": 3,
                  "dash": SERIES_DASHES[i % len(SERIES_DASHES)]},
            marker={"size": 9, "symbol": SERIES_SYMBOLS[i % len(SERIES_SYMBOLS)]},
            hovertemplate=f"{label}, %{{x}}: %{{y:.1%}}<extra></extra>"))
        quarters, shares = series["period"].tolist(), series["agree_share"].tolist()
        latest = f", {fmt_percent1(shares[-1])} in {quarters[-1]}" if len(series) > 1 else ""
        parts.append(f"{label} {fmt_percent1(shares[0])} in {quarters[0]}{latest}")
    figure_layout(fig, y_title=f"Agree ({driver})", x_title="", percent=True)
    fig.update_yaxes(tickformat=".1%")  # lines often sit within a point or two: whole percents repeat
    # Quarters on two lines, never turned; the legend above the plot, clear of them on a phone.
    # At most six labels (every second or third quarter, the latest always); every quarter is in the table.
    step = -(-len(periods) // MAX_QUARTER_LABELS)
    ticks = periods[::-1][::step][::-1]
    fig.update_xaxes(categoryorder="array", categoryarray=periods, tickvals=ticks,
                     ticktext=[p.replace(" ", "<br>") for p in ticks], tickangle=0)
    fig.update_layout(margin={"t": 64}, legend={"orientation": "h", "yanchor": "bottom", "y": 1.02,
                                                "xanchor": "left", "x": 0})
    summary = f"Line chart of {driver} by quarter, {name}: " + "; ".join(parts) + "."
    columns, formatters = _table_columns(rows, [("channel_label", "Channel"), ("period", "Quarter")])
    table = usa_table(rows, caption=f"{driver.capitalize()} by channel and quarter, {name}", columns=columns,
                      formatters=formatters, label_columns=["channel_label", "period"],
                      table_id=f"{block_id}-table")
    # Quarter labels run together below 40em whatever their number: a phone gets the figures as a list.
    narrow = narrow_list([(labels.get(c, c), [(quarter, fmt_percent1(share)) for quarter, share in zip(
        by_channel[c]["period"], by_channel[c]["agree_share"], strict=True)] if c in by_channel else [])
                          for c in order], label=title) if len(periods) > 3 else None
    return chart_block(block_id=block_id, title=title, summary=summary, definition=definition, figure=fig,
                       table=table, last_updated=last_updated_text(rows), narrow=narrow)


#: Answer 1 (strongly disagree) to 5 (strongly agree): colour and fill pattern, so that neighbouring
#: answers differ by more than colour; disagreement warm, agreement cool, neutral grey.
ANSWER_STYLES: tuple[tuple[str, str], ...] = (
    (PALETTE["vermillion"], "x"), (PALETTE["orange"], "/"), (PALETTE["grey"], "."), (PALETTE["sky"], "-"),
    (PALETTE["blue"], ""),
)
NOT_REPORTED = "distribution not reported"
DISTRIBUTION_DEFINITION = (
    "How the answers to each A-11 driver statement spread over the five points of the scale, as shares "
    "of the valid answers (they add up to 100%), beside the agree share (answers 4 and 5). Where the "
    "agency's file gave only the agree count or a published mean, the spread is not known: the table says "
    f"“{NOT_REPORTED}”."
)


def _share_cell(value: object, reported: object) -> str:
    if not bool(reported) or is_missing(reported):
        return NOT_REPORTED
    return fmt_percent1(value)


def distribution_block(rows: pd.DataFrame, *, block_id: str, title: str, period: str, scope: str,
                       empty_message: str) -> html.Section:
    """Each driver's answers 1-5 as one stacked bar (shares), and a table with the agree share beside
    them (`rows`: metrics.survey_distribution.answer_distribution for one service and period)."""
    rows = a11_drivers(rows)
    if rows.empty:
        return chart_block(block_id=block_id, title=title, summary="", definition=DISTRIBUTION_DEFINITION,
                           figure=None, table=None, last_updated=None, empty_message=empty_message)
    rows = rows.assign(label=[d.capitalize() for d in rows["driver"]])
    reported = rows["distribution_reported"].fillna(False).astype(bool)
    if "suppressed" in rows:
        reported &= ~rows["suppressed"].fillna(False).astype(bool)
    cells = {f"text_{a}": [_share_cell(v, r) for v, r in zip(rows[f"share_{a}"], reported, strict=True)]
             for a in range(1, 6)}
    table_rows = rows.assign(**cells)
    columns = [("label", "Driver"), ("agree_share", "Agree (4 or 5)"),
               *((f"text_{a}", f"Answered {a}") for a in range(1, 6)), ("n", "n")]
    table = usa_table(table_rows, caption=f"Answer distribution by driver, {scope}, {period}",
                      columns=columns, formatters={"agree_share": fmt_percent1, "n": fmt_number},
                      label_columns=["label"], table_id=f"{block_id}-table")
    shown = rows[reported]
    if shown.empty:
        return chart_block(block_id=block_id, title=title,
                           summary=f"No answer distribution to chart for {period}: the table says why.",
                           definition=DISTRIBUTION_DEFINITION, figure=None, table=table,
                           last_updated=last_updated_text(rows))
    fig = PlainFigure()
    for a, (colour, pattern) in enumerate(ANSWER_STYLES, start=1):
        fig.add_trace(trace(  # legend names stay short: longer ones break the chart at 320 px
            "bar", y=shown["label"].tolist(), x=shown[f"share_{a}"].tolist(), name=str(a), orientation="h",
            marker={"color": colour, "pattern": {"shape": pattern, "fgcolor": "#ffffff"}},
            hovertemplate=f"%{{y}}: %{{x:.1%}} answered {a}<extra></extra>"))
    figure_layout(fig, y_title="", x_title="Share of answers")
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(barmode="stack", margin={"t": 64},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0,
                              "traceorder": "normal", "title": {"text": "Answer:"}})
    summary = (f"Stacked bar chart of the shares answering 1 (strongly disagree), 2, 3, 4 and 5 (strongly "
               f"agree), {scope}, {period}: " + "; ".join(
                   f"{r['label']} " + ", ".join(fmt_percent1(r[f"share_{a}"]) for a in range(1, 6))
                   + f" (n = {fmt_number(r['n'])})" for _, r in shown.iterrows()) + ".")
    return chart_block(block_id=block_id, title=title, summary=summary, definition=DISTRIBUTION_DEFINITION,
                       figure=fig, table=table, last_updated=last_updated_text(rows))
