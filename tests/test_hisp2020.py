"""The 2020 performance.gov HISP files (`hisp-quarterly-data`, `hisp-question-details`) through the
real loader, and what the metrics make of mean-only survey rows."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from ingest.loader import load
from metrics.providers import provider_scores
from metrics.quality import findings
from metrics.registry import table
from metrics.survey import driver_scores
from metrics.survey_scores import survey_scores
from tests.conftest import FIXTURES, query, reference, write

QUARTERLY = FIXTURES / "hisp2020" / "hisp-quarterly-data.csv"
DETAILS = FIXTURES / "hisp2020" / "hisp-question-details.csv"


@pytest.fixture(scope="module")
def hisp_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("hisp") / "w.duckdb"
    volumes, details = load([QUARTERLY, DETAILS], db=db)  # kinds detected from the columns
    assert (volumes.kind, volumes.status, volumes.rows_read, volumes.rows_loaded) == (
        "hisp-quarterly-data", "loaded", 4, 4)
    assert (details.kind, details.status, details.rows_read, details.rows_loaded) == (
        "hisp-question-details", "loaded", 6, 6)
    return db


def test_volumes_are_read_from_numbers_written_as_text(hisp_db):
    rows = query(hisp_db, "SELECT service_id, fiscal_year, quarter, universe, surveyed, respondents,"
                          " response_rate FROM survey_volumes ORDER BY service_id")
    assert rows == [
        ("dos-ca", 2020, 2, 4_000_000, None, None, None),  # blanks ("", "  ") are no figure
        ("ssa-oo", 2020, 2, 1_000, 900, 120, 0.1),
        ("usda-fsa", 2020, 2, 12_000, 3_000, 150, 0.05),  # "5%"
        ("va-vha", 2020, 2, 8_586_476, 1_250_000, 212_500, 0.17),  # "8,586,476", "17%"
    ]


def test_the_survey_volumes_table(hisp_db):
    frame = table("survey-volumes").frame(hisp_db, {"service": "ssa-oo"})
    assert frame[["service", "fiscal_year", "quarter", "respondents", "response_rate"]].values.tolist() == [
        ["Online Services", 2020, 2, 120, 0.1]]
    assert frame.response_rate_from_counts.iloc[0] == pytest.approx(120 / 900)


def test_a_rate_that_disagrees_with_the_counts_is_a_warning(hisp_db):
    # ssa-oo: 120 of 900 is 13.3 %, but 0.1 is published
    assert query(hisp_db, "SELECT row_number, field, value, message FROM load_warnings"
                          " WHERE row_number IS NOT NULL AND load_id = 1") == [
        (4, "response_rate", "0.1", "a response rate of 10% is published but 120 of 900 is 13.3%")]


def test_question_details_are_mean_only_survey_rows(hisp_db):
    rows = query(hisp_db, "SELECT service_id, channel, touchpoint, fiscal_year, quarter, driver,"
                          " question_text, count_1, count_5, n, agree, published_mean FROM survey_results"
                          " ORDER BY service_id, driver")
    assert rows == [
        ("dos-ca", None, "all", 2020, 2, "efficiency",
         "It took a reasonable amount of time to get my passport.", None, None, 0, 0, 3.8),
        ("va-vha", None, "all", 2020, 2, "employee", "Employees in the facility were helpful.", None, None,
         0, 0, 4.61),
        # no description: the question label is the text; Process Transparency is the equity slot
        ("va-vha", None, "all", 2020, 2, "equity", "Process Transparency", None, None, 0, 0, 4.05),
        ("va-vha", None, "all", 2020, 2, "satisfaction",
         "I am satisfied with the service I received at my appointment.", None, None, 0, 0, 4.42),
        ("va-vha", None, "all", 2020, 2, "trust", "This visit increased my trust in VA.", None, None, 0, 0,
         4.5),
    ]
    # dos-ca "Process / Ease" has a blank score: kept out, with a warning on its row
    assert query(hisp_db, "SELECT row_number, field, message FROM load_warnings"
                          " WHERE row_number IS NOT NULL AND load_id = 2") == [
        (6, "average_score", "no average score for Process / Ease; nothing stored")]


def test_readers_show_the_mean_and_no_agree_share(hisp_db):
    scores = driver_scores(hisp_db)
    trust = scores[(scores.service_id == "va-vha") & (scores.driver == "trust")].iloc[0]
    assert trust.n == 0 and math.isnan(trust.agree_share) and math.isnan(trust.agree_ci_low)
    assert (trust["mean"], trust.mean_source) == (4.5, "published")
    table = survey_scores(hisp_db)
    assert table.agree_pct.isna().all() and (table.n == 0).all()
    assert sorted(table.published_mean) == [3.8, 4.05, 4.42, 4.5, 4.61]
    by_provider = provider_scores(hisp_db)
    vha = by_provider[(by_provider.provider_id == "va-vha") & (by_provider.driver == "satisfaction")]
    assert set(vha.channel) == {"all", "unspecified"}
    assert vha.agree_share.isna().all() and (vha["mean"] == 4.42).all()
    assert (vha.mean_source == "published").all()
    # a mean without counts is what these files are: no finding
    assert findings(hisp_db).empty


def test_a_corrected_file_replaces_the_quarter(hisp_db, tmp_path):
    db = tmp_path / "w.duckdb"
    load([DETAILS], db=db)
    fixed = write(tmp_path / "hisp-question-details.csv",
                  "hisp,service,year,quarter,question,average_score,description\n"
                  "va,vha,2020,2,Satisfaction,4.40,\n")
    [result] = load([fixed], db=db)
    assert (result.status, result.rows_replaced) == ("loaded", 4)
    assert query(db, "SELECT service_id, driver, published_mean FROM survey_results ORDER BY 1") == [
        ("dos-ca", "efficiency", 3.8), ("va-vha", "satisfaction", 4.4)]


@pytest.mark.parametrize(("text", "field", "reason"), [
    ("va,xyz,2020,1,1,1,1,1%", "service", "unknown service va-xyz (hisp va + service xyz)"),
    ("va,vha,2020,5,1,1,1,1%", "quarter", "quarter must be 1, 2, 3 or 4"),
    ("va,vha,2020,1,lots,1,1,1%", "universe", "not a whole number"),
    ("va,vha,2020,1,10,5,1,17", "response_rate", "not a response rate: write it as 17% or 0.17"),
    ("va,vha,2020,1,10,5,1,140%", "response_rate", "not a response rate"),
])
def test_bad_quarterly_values_reject_their_row(tmp_path, text, field, reason):
    path = write(tmp_path / "q.csv", "hisp,service,year,quarter,universe,surveyed,respondents,response_rate\n"
                                     "dos,ca,2020,1,10,5,1,20%\n" + text + "\n")
    [result] = load([path], db=tmp_path / "w.duckdb")
    assert (result.kind, result.status, result.rows_loaded) == (
        "hisp-quarterly-data", "loaded_with_rejects", 1)
    assert [(p.row_number, p.field) for p in result.problems] == [(2, field)]
    assert result.problems[0].reason.startswith(reason)


@pytest.mark.parametrize(("text", "field", "reason"), [
    ("va,vha,2020,1,Happiness,4.1,", "question", "unknown question; use one of Satisfaction"),
    ("va,vha,2020,1,Efficiency,6,", "average_score", "the average score must be a number from 1 to 5"),
    ("va,vha,2020,1,Satisfaction,4.2,", "quarter", "duplicate of row 1 (same hisp, service, year and quarter,"
                                                   " question)"),
])
def test_bad_question_details_reject_their_row(tmp_path, text, field, reason):
    path = write(tmp_path / "d.csv", "hisp,service,year,quarter,question,average_score,description\n"
                                     "va,vha,2020,1,Satisfaction,4.4,\n" + text + "\n")
    [result] = load([path], db=tmp_path / "w.duckdb")
    assert (result.kind, result.status, result.rows_loaded) == (
        "hisp-question-details", "loaded_with_rejects", 1)
    assert [(p.row_number, p.field) for p in result.problems] == [(2, field)]
    assert result.problems[0].reason.startswith(reason)


def test_the_2020_service_names_resolve_like_every_other(tmp_path):
    """`hisp` + `service` is a slug: declared ids and aliases both work (hisps_2020.csv's ids)."""
    hisps = pd.read_csv(reference("hisps_2020.csv"), dtype=str)
    lines = [f"{h},{s},2020,1,Satisfaction,4.0," for h, s in
             zip(hisps.department_abbreviation, hisps.service_id.str.split("-", n=1).str[1], strict=True)]
    path = write(tmp_path / "d.csv", "hisp,service,year,quarter,question,average_score,description\n"
                 + "\n".join(lines) + "\n")
    [result] = load([path], db=tmp_path / "w.duckdb")
    assert (result.status, result.rows_loaded) == ("loaded", 25)
    loaded = query(tmp_path / "w.duckdb", "SELECT service_id FROM survey_results")
    assert sorted(s for (s,) in loaded) == sorted(hisps.service_id)
