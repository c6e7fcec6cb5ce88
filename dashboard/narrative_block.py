"""The agency's own words on a service page: what customers said, what it did, what comes next.

Drawn from metrics.narratives (data/narratives.yaml). Words the agency published carry their source;
text written for the demonstration data is labelled as such, so it is never read as the agency's.
"""

from __future__ import annotations

import pandas as pd
from dash import html

from dashboard.notices import empty_state

SYNTHETIC_LABEL = ("Illustrative text written for the demonstration data. These are not the agency's words "
                   "and no agency said them.")


def _entry(row: pd.Series, block_id: str, i: int) -> html.Article:
    heading_id = f"{block_id}-{i}-title"
    parts: list = [html.H3(row["period"], id=heading_id)]
    if row["synthetic"]:
        parts.append(html.P(html.Strong(SYNTHETIC_LABEL), className="usa-alert__text margin-y-1",
                            **{"data-testid": "narrative-synthetic"}))
    parts.append(html.Dl(className="narrative", children=[
        html.Dt("What customers said", className="text-bold"), html.Dd(row["customers_said"]),
        html.Dt("What the agency did", className="text-bold"), html.Dd(row["agency_did"]),
        html.Dt("What comes next", className="text-bold"), html.Dd(row["next_steps"]),
    ]))
    if isinstance(row.get("source_url"), str) and row["source_url"]:
        parts.append(html.P(["Source: ", html.A(row["source_title"], href=row["source_url"],
                                                className="usa-link")], className="font-sans-xs"))
    return html.Article(className="margin-y-2", **{"aria-labelledby": heading_id}, children=parts)


def narrative_block(rows: pd.DataFrame, *, block_id: str = "service-narrative",
                    limit: int = 4) -> html.Section:
    """The newest `limit` narratives of one service (rows of metrics.narratives.service_narratives)."""
    heading_id = f"{block_id}-title"
    children: list = [
        html.H2("In the agency's words", id=heading_id),
        html.P("What customers told the agency, what it did about it and what comes next, as OMB Circular "
               "A-11 section 280 asks each High Impact Service Provider to report.", className="measure-5"),
    ]
    if rows.empty:
        children.append(empty_state("The agency has not published a narrative for this service here yet."))
    else:
        ordered = rows.sort_values("period_start", ascending=False).head(limit).reset_index(drop=True)
        children += [_entry(row, block_id, i) for i, row in ordered.iterrows()]
    return html.Section(id=block_id, className="margin-y-5 measure-6", **{"aria-labelledby": heading_id},
                        children=children)
