"""Finding a service by everyday words (metrics.directory.find_services), against expectations
worked out by hand from data/ (services, providers, agencies, aliases, service_keywords.csv) and the
survey fixture (tests/fixtures/metrics_survey.csv)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from metrics.access import OMB, PUBLIC, viewing
from metrics.directory import FOUND_COLUMNS, find_services, search_words
from publish.workflow import publish_loaded
from tests.conftest import REPO
from tests.metrics_warehouse import SURVEY, build


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> str:
    return str(build(tmp_path_factory.mktemp("search") / "w.duckdb", [SURVEY]))


def ids(frame: pd.DataFrame) -> list[str]:
    return frame["service_id"].tolist()


def test_words_are_lower_case_singular_and_without_filler() -> None:
    assert search_words("How is my Passports service doing?") == {"passport", "service"}
    assert search_words("Visas & the I-94, access") == {"visa", "94", "access"}
    assert search_words(None) == set()


@pytest.mark.parametrize(("q", "expected"), [
    ("passport", ["dos-ca"]),  # the service's name ("Passport Services")
    ("PASSPORTS", ["dos-ca"]),  # any case, plural
    ("how is my passport doing?", ["dos-ca"]),  # filler words left out
    ("veterans benefits", ["va-vba"]),  # provider name; va-vha holds only "veterans"
    ("tax return", ["treas-irs"]),  # declared keyword: the service is "Taxpayer Services"
    ("social security card", ["ssa-oo"]),  # dhs-tsa ("airport security") holds one word of three
    ("student aid", ["ed-fsa"]),  # provider "Federal Student Aid"
    ("IRS", ["treas-irs"]),  # abbreviation
    # several equally good answers, by name: "Benefits Administration ..." before "Outpatient ..."
    ("veterans", ["va-vba", "va-vha"]),
    # the abbreviation FSA is two agencies' (Farm Service Agency, Federal Student Aid)
    ("FSA", ["usda-fsa", "ed-fsa"]),
])
def test_common_words_find_their_service(warehouse: str, q: str, expected: list[str]) -> None:
    found = find_services(q, warehouse)
    assert sorted(ids(found)) == sorted(expected)
    assert found["score"].nunique() == 1


def test_order_is_by_name(warehouse: str) -> None:
    assert ids(find_services("veterans", warehouse)) == ["va-vba", "va-vha"]
    assert find_services("FSA", warehouse)["name"].tolist() == [
        "Farmers.gov", "Financial Aid for Education Beyond High School"]


def test_a_blank_question_lists_every_service_and_nonsense_lists_none(warehouse: str) -> None:
    every = find_services("", warehouse)
    declared = pd.read_csv(REPO / "data" / "services.csv", dtype=str)
    assert sorted(ids(every)) == sorted(declared["service_id"])
    assert every["name"].tolist() == sorted(every["name"].tolist(), key=str)
    assert (every["score"] == 0).all()
    none = find_services("zzzz qqqq", warehouse)
    assert none.empty and list(none.columns) == FOUND_COLUMNS
    assert find_services("the my", warehouse).shape[0] == len(declared)  # only filler: a blank question


def test_a_row_carries_provider_agency_and_latest_trust(warehouse: str) -> None:
    row = find_services("passport", warehouse).iloc[0]
    assert (row["name"], row["provider"], row["agency"], row["department"]) == (
        "Passport Services", "Bureau of Consular Affairs", "Bureau of Consular Affairs",
        "Department of State")
    # Trust in FY2024 Q2 (the last quarter with trust answers): counts 2, 3, 5, 30, 60 -> 90 of 100 agree.
    assert (row["trust_period"], row["trust_n"]) == ("FY2024 Q2", 100)
    assert row["trust_share"] == pytest.approx(0.90)
    assert not row["trust_suppressed"]
    vba = find_services("veterans benefits", warehouse).iloc[0]
    assert math.isnan(vba["trust_share"])  # satisfaction answers only, no trust
    # No standards are judged from a survey-only warehouse.
    assert row["standards_summary"] == "" and row["standards_on_track"] == 0


def test_the_public_sees_published_figures_only(tmp_path) -> None:
    """Only FY2024 Q1 is published: the public's latest trust figure for passports is Q1's (counts
    10, 10, 20, 30, 30: 60 of 100 agree); OMB's is Q2's (90 of 100). Nothing published: none."""
    db = str(build(tmp_path / "w.duckdb", [SURVEY]))
    with viewing(PUBLIC):
        row = find_services("passport", db).iloc[0]
    assert row["service_id"] == "dos-ca" and math.isnan(row["trust_share"])
    publish_loaded(db, "test", fiscal_year=2024, quarter=1, archive=False)
    with viewing(PUBLIC):
        row = find_services("passport", db).iloc[0]
    assert (row["trust_period"], row["trust_n"]) == ("FY2024 Q1", 100)
    assert row["trust_share"] == pytest.approx(0.60)
    with viewing(OMB):
        row = find_services("passport", db).iloc[0]
    assert (row["trust_period"], row["trust_share"]) == ("FY2024 Q2", pytest.approx(0.90))


def test_keywords_come_from_the_declaration_file(warehouse: str, tmp_path) -> None:
    """People change search words: a keyword declared in data/ is found, without code changes."""
    (tmp_path / "service_keywords.csv").write_text("service_id,keywords\nopm-fes,careers|job board\n")
    assert ids(find_services("careers", warehouse, data_dir=tmp_path)) == ["opm-fes"]
    assert find_services("careers", warehouse).empty
