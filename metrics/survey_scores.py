"""A-11 survey scores per question, and v2 trust and driver mentions, as plain tables.

Scores are computed when read, from the stored answer counts, so that the published mean is
kept beside the computed one rather than trusted: n = answers 1-5, agree = answers 4 and 5
(top-2 box), agree_pct = 100 * agree / n, mean on 1-5. A question with no answers has n = 0 and
no scores (NULL), never a zero score.
"""

from __future__ import annotations

import os

import pandas as pd

from metrics.db import reader

SCORE_COLUMNS = [
    "agency", "service_provider", "service", "channel", "fiscal_year", "quarter", "question_number", "driver",
    "question_text", "n", "agree", "agree_pct", "mean", "published_mean", "respondents", "offered",
    "customers", "touchpoint", "response_rate", "synthetic",
]

_MEAN = ("(coalesce(r.count_1, 0) + 2 * coalesce(r.count_2, 0) + 3 * coalesce(r.count_3, 0)"
         " + 4 * coalesce(r.count_4, 0) + 5 * coalesce(r.count_5, 0)) / nullif(r.n, 0)")


def survey_scores(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per stored question. `agency` is the department abbreviation, `service_provider` the
    bureau; `touchpoint` tells apart several collections of one service; `response_rate` =
    respondents / offered (a share, 0-1)."""
    return reader(db).df(
        f"""
        SELECT a.department_abbreviation AS agency, a.bureau AS service_provider, s.name AS service,
               r.channel, r.fiscal_year, r.quarter, r.question_number, r.driver, r.question_text,
               r.n, r.agree, 100.0 * r.agree / nullif(r.n, 0) AS agree_pct, {_MEAN} AS mean,
               r.published_mean, r.volume_responded AS respondents, r.volume_offered AS offered,
               r.volume_served AS customers, r.touchpoint,
               r.volume_responded / nullif(r.volume_offered, 0) AS response_rate, l.synthetic
        FROM survey_results r
        JOIN loads l USING (load_id)
        LEFT JOIN services s USING (service_id)
        LEFT JOIN agencies a ON a.agency_id = s.agency_id
        ORDER BY agency, service_provider, service, r.touchpoint, r.channel NULLS FIRST, r.fiscal_year,
                 r.quarter, r.question_number NULLS LAST, r.question_text
        """
    )[SCORE_COLUMNS]


def survey_mentions(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """A-11 v2 per service, channel, touchpoint and quarter; `n` is the respondents of the group.

    For `trust`: positive_share = thumbs up / respondents who answered. For a driver: positive_share
    is its share of all 'went well' picks of the group (likewise negative_share; NULL where the
    driver was not offered), and positive_rate its picks over the respondents it was offered to.
    """
    return reader(db).df(
        """
        SELECT m.service_id, s.name AS service, m.channel, m.touchpoint, m.fiscal_year, m.quarter, m.item,
               m.respondents AS n, m.answered, m.positive, m.negative,
               CASE WHEN m.item = 'trust' OR m.answered = 0 THEN m.positive / nullif(m.answered, 0)
                    ELSE m.positive / nullif(sum(m.positive) FILTER (WHERE m.item <> 'trust')
                         OVER (PARTITION BY m.load_id, m.service_id, m.channel, m.touchpoint, m.fiscal_year,
                               m.quarter), 0) END AS positive_share,
               CASE WHEN m.item = 'trust' OR m.answered = 0 THEN m.negative / nullif(m.answered, 0)
                    ELSE m.negative / nullif(sum(m.negative) FILTER (WHERE m.item <> 'trust')
                         OVER (PARTITION BY m.load_id, m.service_id, m.channel, m.touchpoint, m.fiscal_year,
                               m.quarter), 0) END AS negative_share,
               m.positive / nullif(m.answered, 0) AS positive_rate,
               l.synthetic
        FROM survey_mentions m
        JOIN loads l USING (load_id)
        LEFT JOIN services s USING (service_id)
        ORDER BY m.service_id, m.channel NULLS FIRST, m.touchpoint, m.fiscal_year, m.quarter,
                 m.item = 'trust' DESC, m.item
        """
    )
