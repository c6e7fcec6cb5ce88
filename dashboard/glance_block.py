"""A service at a glance: the tiles atop a service page, drawn from metrics.glance.

One card per measure (trust, standards met, wait and processing time, and where reported cost per
transaction, digital take-up and completion rate): the figure for the chosen period in the metric's
display unit, its change on the previous period and on the same period a year before (in words:
better, worse or no change, never colour alone) and a small trend line whose text equivalent (every
period's figure) is the image's alternative text. Drawing only: figures and units come from metrics.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pandas as pd
from dash import html

from core.units import in_unit
from dashboard.charts import PALETTE
from dashboard.formatting import NO_DATA, fmt_in_unit, fmt_number, fmt_points, fmt_signed, is_missing
from metrics.glance import TILES
from metrics.suppression import suppressed_label

#: Periods a trend line covers, the chosen one last.
TREND_PERIODS = 8
#: Tiles shown even when the service has no figure for them (the others only where reported).
ALWAYS = ("trust", "standards_met")
_UNIT_WORDS = {"seconds": "seconds", "minutes": "minutes", "hours": "hours", "days": "days",
               "business_days": "business days"}


def fmt_duration(value: object, unit: str) -> str:
    """A duration in its display unit; one too small to read there ("0.0 days") keeps that unit, with
    enough digits, and says it in minutes too: "0.015 days (21.8 minutes)"."""
    if is_missing(value):
        return NO_DATA
    text = fmt_in_unit(value, unit, unit)
    number = float(value)  # type: ignore[arg-type]
    minutes = in_unit(number, unit, "minutes") if unit in _UNIT_WORDS else None
    if minutes is None or unit == "minutes" or number == 0 or abs(number) >= 0.1:
        return text
    return f"{number:.2g} {_UNIT_WORDS[unit]} ({fmt_in_unit(minutes, 'minutes', 'minutes')})"


def fmt_figure(row: Any) -> str:
    """A glance value as people read it: "80.8%", "2 of 3 standards", "34.9 days", "$33.99"."""
    if bool(row.get("suppressed", False)) is True:
        return suppressed_label()
    if is_missing(row["value"]):
        return NO_DATA
    if row["measure"] == "standards_met":
        return f"{int(row['value'])} of {int(row['out_of'])}"
    if row["unit"] in _UNIT_WORDS:
        return fmt_duration(row["value"], row["unit"])
    return fmt_in_unit(row["value"], row["unit"], row["unit"])


def fmt_change(change: object, unit: str) -> str:
    """A change in the display unit: "+1.2 points", "−14.8 days", "+$1.65", "+1"."""
    if unit in ("share", "percent"):
        return fmt_points(change if unit == "share" else float(change) / 100)  # type: ignore[arg-type]
    if unit == "usd":
        text = fmt_signed(change, 2)
        return text[0] + "$" + text[1:] if text[:1] in "+−" else "$" + text
    if unit == "count":
        return fmt_signed(change, 0)
    if unit in _UNIT_WORDS and 0 < abs(float(change)) < 0.1:  # type: ignore[arg-type]
        sign = "+" if float(change) > 0 else "−"  # type: ignore[arg-type]
        return sign + fmt_duration(abs(float(change)), unit)  # type: ignore[arg-type]
    return f"{fmt_signed(change)} {_UNIT_WORDS.get(unit, unit)}".rstrip()


def verdict(change: object, direction: str) -> str:
    """"better", "worse" or "no change", in the measure's direction."""
    value = round(float(change), 6)  # type: ignore[arg-type]
    if value == 0:
        return "no change"
    return "better" if (value > 0) == (direction == "higher") else "worse"


def change_line(row: Any, tag: str, earlier_period: str | None) -> str:
    """"−14.8 days on FY2025 Q3 (better)"; why there is none when there is none."""
    when = "the previous period" if tag == "prev" else "the same period a year before"
    if earlier_period:
        when = f"{earlier_period}" if tag == "prev" else f"{earlier_period}, a year before"
    change = row[f"change_{tag}"]
    if is_missing(change):
        return f"No change to show on {when}: no figure for both periods."
    if row["measure"] == "standards_met":
        earlier = f"{int(row[f'{tag}_value'])} of {int(row[f'{tag}_out_of'])}"
        return f"{earlier} in {when} ({verdict(change, 'higher')})."
    return f"{fmt_change(change, row['unit'])} on {when} ({verdict(change, row['direction'])})."


def sparkline_src(values: list[float | None], width: int = 120, height: int = 32) -> str:
    """An SVG line of `values` as a data URI (gaps where a value is missing); the last point marked."""
    known = [v for v in values if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    span = (high - low) or 1.0
    step = (width - 8) / max(len(values) - 1, 1)

    def point(i: int, v: float) -> tuple[float, float]:
        return 4 + i * step, height - 4 - (v - low) / span * (height - 8)

    runs: list[list[tuple[float, float]]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
        else:
            runs[-1].append(point(i, v))
    lines = "".join(
        f'<polyline fill="none" stroke="{PALETTE["blue"]}" stroke-width="2" points="'
        + " ".join(f"{x:.1f},{y:.1f}" for x, y in run) + '"/>' for run in runs if len(run) > 1)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{PALETTE["blue"]}"/>'
                   for run in runs if len(run) == 1 for x, y in run)
    last = next(((i, v) for i, v in reversed(list(enumerate(values))) if v is not None), None)
    if last is not None:
        x, y = point(*last)
        dots += f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{PALETTE["ink"]}"/>'
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}">{lines}{dots}</svg>')
    return "data:image/svg+xml;charset=utf-8," + quote(svg)


def trend_text(label: str, series: pd.DataFrame) -> str:
    """The trend line in words: "Trust by period: FY2024 Q1 78.1%, ..., FY2025 Q4 80.8%."."""
    parts = [f"{r['period']} {fmt_figure(r)}" for _, r in series.iterrows()]
    return f"{label} by period: " + ", ".join(parts) + "."


def _tile(measure: str, rows: pd.DataFrame, period: str) -> html.Li | None:
    label = TILES[measure][0]
    upto = rows[rows["period_start"] <= rows.loc[rows["period"] == period, "period_start"].max()] \
        if (rows["period"] == period).any() else rows.iloc[0:0]
    current = rows[rows["period"] == period]
    if rows.empty and measure not in ALWAYS:
        return None
    tile_id = f"glance-{measure.replace('_', '-')}"
    body: list[Any] = []
    if current.empty:
        value = NO_DATA
        body.append(html.P(f"No figure for {period}.", className="margin-y-05"))
    else:
        row = current.iloc[0]
        value = fmt_figure(row)
        if row.get("channel") not in (None, "all") and not is_missing(row.get("channel")):
            label = f"{label} ({row['channel']})"
        detail = []
        if measure == "standards_met":
            detail.append("standards on track, of those judged")
        if not is_missing(row.get("n")):
            detail.append(f"n = {fmt_number(row['n'])}")
        if detail:
            body.append(html.P("; ".join(detail), className="margin-y-05 font-sans-xs"))
        body += [html.P(change_line(row, "prev", _previous(period)), className="margin-y-05 tile-change"),
                 html.P(change_line(row, "yago", _year_before(period)), className="margin-y-05 tile-change")]
    trend = upto.tail(TREND_PERIODS)
    if len(trend) > 1:
        values = [None if is_missing(v) else float(v) for v in trend["value"]]
        body.append(html.Img(src=sparkline_src(values), alt=trend_text(TILES[measure][0], trend),
                             className="sparkline margin-top-1", width=120, height=32,
                             **{"data-testid": "sparkline"}))
    card = html.Div(className="usa-card__container", children=[
        html.Div(className="usa-card__header", children=html.H3(label, className="usa-card__heading")),
        html.Div(className="usa-card__body", children=[
            html.P(value, className="font-sans-xl text-bold margin-y-1 tile-value"), *body]),
    ])
    return html.Li(className="usa-card tablet:grid-col-6 desktop:grid-col-4", id=tile_id,
                   **{"data-testid": "glance-tile"}, children=card)


def _previous(period: str) -> str | None:
    """'FY2025 Q1' -> 'FY2024 Q4'; 'FY2025' -> 'FY2024'."""
    if not period.startswith("FY") or not period[2:6].isdigit():
        return None
    fy = int(period[2:6])
    if period.endswith((" Q2", " Q3", " Q4")):
        return f"FY{fy} Q{int(period[-1]) - 1}"
    return f"FY{fy - 1} Q4" if period.endswith(" Q1") else f"FY{fy - 1}"


def _year_before(period: str) -> str | None:
    """'FY2025 Q3' -> 'FY2024 Q3'; 'FY2025' -> 'FY2024'."""
    if not period.startswith("FY") or not period[2:6].isdigit():
        return None
    return f"FY{int(period[2:6]) - 1}{period[6:]}"


def glance_block(frame: pd.DataFrame, period: str, *, block_id: str = "service-glance") -> html.Section:
    """The tiles for one service and period (`frame`: metrics.glance.service_glance rows of the service)."""
    heading_id = f"{block_id}-title"
    frame = frame.sort_values("period_start")
    tiles = [t for measure in TILES
             if (t := _tile(measure, frame[frame["measure"] == measure], period)) is not None]
    intro = (f"The service in {period}: each figure with its change on the previous period and on the same "
             "period a year before, and a line of its recent periods.")
    return html.Section(id=block_id, className="margin-y-4", **{"aria-labelledby": heading_id}, children=[
        html.H2(f"At a glance, {period}", id=heading_id),
        html.P(intro, className="measure-5"),
        html.Ul(className="usa-card-group glance-tiles", children=tiles),
    ])
