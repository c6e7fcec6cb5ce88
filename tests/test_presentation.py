"""Colour that carries meaning and words people read (#15.6, #15.7): status badges differ in colour AND
icon, one declared style per series, heatmap bands anchored and "no data" apart from zero, balanced
brackets in the benchmark formula, no file paths in public help text, official agency names."""

from __future__ import annotations

import csv
import re

import pandas as pd
import pytest

from core.paths import DATA_DIR
from core.vocab import STATUSES, channels
from dashboard.charts import SERIES, series_style
from dashboard.heatmaps import AGREE_BANDS, MET_BANDS, band_of, heatmap_figure, heatmap_list
from dashboard.notices import BADGE_STYLE, status_badge
from dashboard.server_html import to_html
from metrics.benchmarks import COMPARISON_NOTE


def test_every_standard_status_has_its_own_colour_and_its_own_icon() -> None:
    styles = [BADGE_STYLE[s] for s in STATUSES]
    assert len({icon for icon, _ in styles}) == len(STATUSES)
    assert len({colour for _, colour in styles}) == len(STATUSES)


@pytest.mark.parametrize("word", ["published", "awaiting review", "change requested", "overdue", "due",
                                  "open", "no obligation", "not reported"])
def test_reporting_badges_are_not_all_grey_and_use_no_font_glyph(word: str) -> None:
    markup = to_html(status_badge(word, attribute="data-compliance"))
    assert f'data-compliance="{word}"' in markup and word in markup
    icon, colour = BADGE_STYLE[word]
    assert f"ss-icon--{icon}" in markup and colour.split()[0] in markup
    # the icon is a CSS mask of a USWDS SVG: no symbol character a web font may lack
    assert not re.search(r"[\u2190-\u2BFF]", markup), markup


def test_compliance_categories_differ_in_colour() -> None:
    words = ["published", "awaiting review", "change requested", "overdue", "open"]
    assert len({BADGE_STYLE[w][1] for w in words}) >= 4


def test_one_style_per_named_series() -> None:
    # the series drawn on /, /benchmarks and the service page are declared once and differ
    named = [SERIES[k] for k in ("ours", "acsi_federal", "acsi_national", "acsi_industry")]
    assert len({s.colour for s in named}) == 4 and len({s.symbol for s in named}) == 4
    assert series_style("acsi_national") is SERIES["acsi_national"]
    assert [series_style(c).colour for c in channels()] == [SERIES[c].colour for c in channels()]
    assert len({series_style(c).colour for c in channels()}) == len(channels())


@pytest.mark.parametrize(("value", "label"), [
    (0.59, "under 60%"), (0.60, "60% to under 70%"), (0.785, "70% to under 80%"), (0.85, "80% to under 90%"),
    (0.90, "90% or more"), (1.0, "90% or more"),
])
def test_agree_bands(value: float, label: str) -> None:
    # 78% and 85% (the pair that looked alike on one ramp) fall in different bands
    assert band_of(value, AGREE_BANDS).label == label


def test_met_bands_separate_none_from_no_data() -> None:
    assert band_of(0.0, MET_BANDS).label == "none on track"
    assert band_of(1.0, MET_BANDS).label == "all on track"
    assert band_of(0.5, MET_BANDS).label == "half or more on track, not all"
    assert band_of(None, MET_BANDS) is None


def test_heatmap_no_data_cell_is_hatched_and_says_so() -> None:
    values = pd.DataFrame({"Q1": [0.0, None], "Q2": [1.0, 0.4]}, index=["A", "B"])
    text = pd.DataFrame({"Q1": ["0 of 3", "0 of 0"], "Q2": ["2 of 2", "2 of 5"]}, index=["A", "B"])
    fig = heatmap_figure(values, text, MET_BANDS)
    heat, hatch, words = fig.data
    # band indexes: '0 of 3' is the first band, no data is no band at all
    assert list(heat.z[0]) == [0, 3] and list(heat.z[1]) == [None, 1]
    assert heat.text[1][0] == "no data"
    assert hatch.fillpattern.shape == "/" and list(words.text) == ["no data"]
    listing = to_html(heatmap_list(values, text, MET_BANDS, label="Standards met"))
    assert "0 of 3 (none on track)" in listing and "no data" in listing and "0 of 0" not in listing


@pytest.fixture(scope="module")
def pages():
    """The page modules (Dash registers pages only once an app exists)."""
    from dashboard.app import create_app

    create_app(None)
    from dashboard.pages import benchmarks, methodology

    return benchmarks, methodology


def test_benchmark_formula_brackets_balance(pages) -> None:
    INDEX_DEFINITION = pages[0].INDEX_DEFINITION  # noqa: N806

    for text in (COMPARISON_NOTE, INDEX_DEFINITION):
        depth = 0
        for ch in text:
            depth += {"(": 1, ")": -1}.get(ch, 0)
            assert depth >= 0, text
        assert depth == 0, text
    assert "(mean answer − 1) ÷ 4 × 100" in COMPARISON_NOTE


def test_no_file_paths_in_public_help_text(pages) -> None:
    from dashboard.views import standards_table_block

    benchmarks, methodology = pages
    status = pd.DataFrame(columns=["period", "service", "standard", "status", "share_within", "value",
                                   "value_unit", "metric", "value_metric", "target_share", "threshold",
                                   "threshold_unit", "channel", "n", "last_loaded"])
    texts = [to_html(standards_table_block(status, block_id="x", period="FY2025 Q1", show_service=True)),
             to_html(methodology.suppression_section()), benchmarks.INDEX_DEFINITION, COMPARISON_NOTE]
    for text in texts:
        assert not re.search(r"data/\w+\.(ya?ml|csv)", text), text[:300]


OFFICIAL = {  # agency_id -> (department, bureau) as the agencies name themselves
    "dhs-uscis": ("Department of Homeland Security", "U.S. Citizenship and Immigration Services"),
    "dhs-cbp": ("Department of Homeland Security", "U.S. Customs and Border Protection"),
    "doi-bfta": ("Department of the Interior", "Bureau of Trust Funds Administration"),
    "doi-fws": ("Department of the Interior", "U.S. Fish and Wildlife Service"),
    "treas-irs": ("Department of the Treasury", "Internal Revenue Service"),
    "hhs-cms": ("Department of Health and Human Services", "Centers for Medicare & Medicaid Services"),
    "dol-osha": ("Department of Labor", "Occupational Safety and Health Administration"),
    "dol-owcp": ("Department of Labor", "Office of Workers' Compensation Programs"),
}


def test_agency_names_are_official() -> None:
    with open(DATA_DIR / "agencies.csv", encoding="utf-8") as handle:
        rows = {r["agency_id"]: (r["department"], r["bureau"]) for r in csv.DictReader(handle)}
    for agency_id, names in OFFICIAL.items():
        assert rows[agency_id] == names


@pytest.mark.parametrize(("values", "decimals"), [
    ([0.50, 0.95], 0),           # ticks every 10 points: whole percents differ
    ([0.104, 0.113], 1),         # the response rates that read "11 %, 11 %, 10 %": 0.9 points apart
    ([0.9021, 0.9042], 2),       # 0.21 points apart
])
def test_percent_axis_has_enough_decimals(values: list[float], decimals: int) -> None:
    import plotly.graph_objects as go

    from dashboard.charts import figure_layout

    fig = figure_layout(go.Figure(go.Scatter(x=[1, 2], y=values)), y_title="", x_title="", percent=True)
    assert fig.layout.yaxis.tickformat == f".{decimals}%"


def test_long_names_wrap_instead_of_being_cut() -> None:
    import plotly.graph_objects as go

    from dashboard.charts import figure_layout, wrap_name

    assert wrap_name("National Wildlife Refuge System Visitor Services", 24) == \
        "National Wildlife Refuge<br>System Visitor Services"
    name = "Financial Aid for Education Beyond High School: Phone (off track)"
    fig = figure_layout(go.Figure(go.Bar(x=[name, "Online"], y=[0.8, 0.9])), y_title="", x_title="")
    assert list(fig.layout.xaxis.tickvals) == [name, "Online"]  # the data keep the whole name
    assert fig.layout.xaxis.ticktext[0] == ("Financial Aid for<br>Education Beyond High<br>School: Phone (off"
                                            "<br>track)")
    assert all(len(line) <= 24 for line in fig.layout.xaxis.ticktext[0].split("<br>"))


def test_percent_bars_count_from_zero() -> None:
    import plotly.graph_objects as go

    from dashboard.charts import figure_layout

    fig = figure_layout(go.Figure(go.Bar(x=["a", "b"], y=[0.77, 0.81])), y_title="", x_title="", percent=True)
    assert fig.layout.yaxis.tickformat == ".0%"  # the axis runs 0-100 %: whole percents
