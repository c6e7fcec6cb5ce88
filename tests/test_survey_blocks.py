"""The survey driver blocks (dashboard.survey_blocks) draw what the frame says: the A-11 drivers in
order, agree share with interval, n, the mean with its interval and the published mean, and a
suppressed row as the suppression label, never as a number or as "no survey answers"."""

from __future__ import annotations

import math

import pandas as pd

from dashboard.formatting import fmt_interval, fmt_mean, fmt_mean_interval
from dashboard.survey_blocks import change_text, drivers_block, fmt_p
from metrics.suppression import suppressed_label

NAN = math.nan


def rows(**overrides: list) -> pd.DataFrame:
    base = {"driver": ["satisfaction", "other", "trust"], "n": [100.0, 50.0, 320_979.0],
            "agree_share": [0.8, 0.5, 289_888 / 320_979], "agree_ci_low": [0.7112, 0.4, 0.902109],
            "agree_ci_high": [0.8666, 0.6, 0.904155], "mean": [4.15, 3.0, 4.515981],
            "mean_ci_low": [3.931756, 2.8, 4.513241], "mean_ci_high": [4.368244, 3.2, 4.518721],
            "published_mean": [4.15, NAN, 4.52], "change_prev": [NAN, NAN, 0.0071],
            "significant_prev": [False, False, True], "p_value_prev": [NAN, NAN, 1e-9],
            "suppressed": [False, False, False], "last_loaded": [pd.Timestamp("2026-11-30 10:58")] * 3}
    return pd.DataFrame({**base, **overrides})


def table_of(component) -> list[list[str]]:
    """Body rows of the first usa-table in a Dash component tree, as texts."""
    found = []

    def walk(node) -> None:
        if getattr(node, "id", None) and str(node.id).endswith("-table"):
            found.append(node)
            return
        children = getattr(node, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if child is not None and not isinstance(child, str):
                walk(child)

    walk(component)
    body = found[0].children[2]
    return [[c.children if isinstance(c.children, str) else str(c.children) for c in tr.children]
            for tr in body.children]


def test_formats() -> None:
    assert fmt_mean(4.515981) == "4.52" and fmt_mean(NAN) == "no data"
    assert fmt_mean_interval(4.513241, 4.518721) == "4.51–4.52"
    assert fmt_interval(0.902109, 0.904155) == "90.2%–90.4%"  # never "90%–90%": decimals until they differ
    assert fmt_interval(0.902109, 0.904155, 1) == "90.2%–90.4%"
    assert fmt_p(1e-9) == "p < 0.001" and fmt_p(0.0342) == "p = 0.034" and fmt_p(NAN) == "no test"
    assert change_text(0.0071, True, 1e-9) == "+0.7 points, significant (p < 0.001)"
    assert change_text(NAN, False, NAN) == "no previous period"


def test_drivers_in_a11_order_with_means_and_published_mean() -> None:
    block = drivers_block(rows(), block_id="t", title="T", period="FY2021 Q2", scope="all channels",
                          empty_message="none")
    assert table_of(block) == [
        ["Trust", "90.3%", "90.2%", "90.4%", "320,979", "4.52", "4.51–4.52", "4.52",
         "+0.7 points, significant (p < 0.001)"],
        ["Satisfaction", "80.0%", "71.1%", "86.7%", "100", "4.15", "3.93–4.37", "4.15", "no previous period"],
    ]  # "other" is not an A-11 driver: left out


def test_suppressed_rows_show_the_label_not_an_empty_notice() -> None:
    hidden = rows(agree_share=[NAN] * 3, n=[NAN] * 3, suppressed=[True] * 3)
    block = drivers_block(hidden, block_id="t", title="T", period="FY2021 Q3", scope="all channels",
                          empty_message="No survey answers for FY2021 Q3.")
    cells = table_of(block)
    assert [row[0] for row in cells] == ["Trust", "Satisfaction"]
    assert all(cell == suppressed_label() for row in cells for cell in row[1:])
    assert "No survey answers" not in str(block)
