"""Private-sector contact-centre benchmarks beside the agency's figure (metrics.operational_benchmarks).

On a service page: each benchmarked measure the service reports (service level, average speed of
answer, first-contact resolution), its figure for the period, the benchmark, the gap and, always, the
comparability note and the source. On the benchmarks page: the declared benchmarks themselves.
"""

from __future__ import annotations

import pandas as pd
from dash import html

from dashboard.formatting import NO_DATA, fmt_in_unit, fmt_number, is_missing
from dashboard.glance_block import fmt_change
from dashboard.tables import scroll_table, usa_table
from metrics.suppression import suppressed_label


def source_text(row: pd.Series) -> str:
    """"SQM Group, “What Are …”, 2015" (the year only when the source gives one)."""
    year = "" if is_missing(row.get("year")) else f", {int(row['year'])}"
    return f"{row['publisher']}, “{row['title']}”{year}"


def _threshold_note(row: pd.Series) -> str | None:
    if is_missing(row.get("same_threshold")):
        return None
    if bool(row["same_threshold"]):
        return "The agency's standard uses the same time as the benchmark."
    agency = row.get("agency_threshold")
    return (f"Not like for like: the agency counts calls answered within {agency}, the benchmark within "
            f"{float(row['threshold']):g} {str(row['threshold_unit']).replace('_', ' ')}."
            if isinstance(agency, str) else "The agency's threshold is not declared.")


def _figure(row: pd.Series) -> str:
    if bool(row.get("suppressed", False)) is True:
        return suppressed_label()
    return fmt_in_unit(row["agency_value"], row["unit"], row["unit"])


def operational_block(rows: pd.DataFrame, period: str, *, block_id: str = "service-operational"
                      ) -> html.Section | None:
    """The service's benchmarked measures in `period` (metrics.operational_comparison rows of one
    service); None when the service reports none of them in any period."""
    if rows.empty:
        return None
    heading_id = f"{block_id}-title"
    now = rows[rows["period"] == period]
    children: list = [
        html.H2("Contact-centre figures against private-sector benchmarks", id=heading_id),
        html.P("Published private-sector figures for the same measures, beside the ACSI benchmark below. "
               "Each comes with a note on how far it is comparable: read it before reading the gap.",
               className="measure-5"),
    ]
    if now.empty:
        children.append(html.P(f"The service reports none of these measures for {period}.",
                               className="measure-5"))
    else:
        shown = now.assign(
            measure_label=[f"{lab} ({ch})" if isinstance(ch, str) and ch != "all" else lab
                           for lab, ch in zip(now["label"], now["channel"], strict=True)],
            agency_text=[_figure(r) for _, r in now.iterrows()],
            bench_text=[fmt_in_unit(v, u, u)
                        for v, u in zip(now["benchmark_value"], now["unit"], strict=True)],
            gap_text=[NO_DATA if is_missing(g) else fmt_change(g, u)
                      for g, u in zip(now["gap"], now["unit"], strict=True)],
            n_text=[fmt_number(n) for n in now["n"]],
        )
        children.append(scroll_table(usa_table(
            shown, caption=f"Agency figure and private-sector benchmark, {period}",
            columns=[("measure_label", "Measure"), ("agency_text", "This service"),
                     ("bench_text", "Benchmark"), ("gap_text", "Gap (service minus benchmark)"),
                     ("n_text", "n")],
            label_columns=["measure_label", "bench_text"], table_id=f"{block_id}-table"),
            label="Agency figure and private-sector benchmark: table"))
        notes = []
        for _, r in now.iterrows():
            threshold = _threshold_note(r)
            notes.append(html.Li([
                html.Strong(f"{r['benchmark_label']}: "), r["comparability_note"],
                f" {threshold}" if threshold else "", " Source: ",
                html.A(source_text(r), href=r["url"], className="usa-link"), "."]))
        children.append(html.Ul(notes, className="font-sans-xs measure-6"))
    return html.Section(id=block_id, className="margin-y-5", **{"aria-labelledby": heading_id},
                        children=children)


def operational_benchmarks_section(bench: pd.DataFrame, *, block_id: str = "operational-benchmarks"
                                   ) -> html.Section:
    """The declared benchmarks (metrics.operational_benchmarks.operational_benchmarks()), with sources."""
    heading_id = f"{block_id}-title"
    items = [html.Li([html.Strong(f"{r['label']}: {fmt_in_unit(r['value'], r['unit'], r['unit'])}"),
                      f" ({r['kind'].replace('_', ' ')}). {r['comparability_note']} Source: ",
                      html.A(source_text(r), href=r["url"], className="usa-link"), "."])
             for _, r in bench.iterrows()]
    return html.Section(id=block_id, className="margin-y-5", **{"aria-labelledby": heading_id}, children=[
        html.H2("Contact-centre benchmarks from the private sector", id=heading_id),
        html.P("Operational figures published for private-sector contact centres, shown on a service's page "
               "beside the agency's own figure where it reports the same measure.", className="measure-5"),
        html.Ul(items, className="measure-6"),
    ])
