"""The /methodology, /data and /benchmarks tables (metrics/catalogue.py, metrics/benchmark_view.py)
against hand-computed values on a small warehouse loaded through ingest, and against direct reads
of the declaration files."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
import yaml

from core.paths import DATA_DIR
from ingest.loader import load
from metrics.benchmark_view import acsi_history, benchmark_gaps, benchmark_options, federal_index_by_year
from metrics.catalogue import (
    metric_definitions,
    service_freshness,
    standards_catalogue,
    survey_questions,
)
from metrics.exports import available
from metrics.registry import TABLES, download_catalogue
from tests.conftest import query, write

HEADER = ("service_id,channel,fiscal_year,quarter,question_text,driver,"
          "count_1,count_2,count_3,count_4,count_5\n")
# FY2024 satisfaction: dhs-tsa mean (3*10 + 4*20 + 5*70) / 100 = 4.6 -> index 90.0;
# va-vha mean (1*10 + 2*10 + 3*20 + 4*30 + 5*30) / 100 = 3.6 -> index 65.0. Pooled 4.1 -> 77.5.
# FY2025 dhs-tsa: (4*50 + 5*50) / 100 = 4.5 -> 87.5; no ACSI federal score for 2025.
SURVEY = HEADER + (
    "dhs-tsa,in-person,2024,1,I am satisfied with the service I received.,satisfaction,0,0,10,20,70\n"
    "va-vha,phone,2024,2,I am satisfied with the service I received.,satisfaction,10,10,20,30,30\n"
    "va-vha,phone,2024,2,I was treated fairly.,equity,0,0,0,0,100\n"
    "dhs-tsa,in-person,2025,1,I am satisfied with the service I received.,satisfaction,0,0,0,50,50\n"
)
EVENTS = (
    "service_id,channel,received_at,completed_at\n"
    "dhs-tsa,in-person,2024-01-02 10:00,2024-01-02 10:20\n"
    "dhs-tsa,in-person,2024-01-03 10:00,2024-01-03 10:05\n"
    "dhs-tsa,online,2024-01-03 11:00,2024-01-03 11:30\n"
)
ACSI_FEDERAL_2024 = 69.7  # data/benchmarks_acsi.csv, federal_government_aggregate 2024


@pytest.fixture
def small(db: Path, tmp_path: Path) -> Path:
    files = [write(tmp_path / "survey.csv", SURVEY), write(tmp_path / "events.csv", EVENTS)]
    results = load(files, db=db)
    assert [r.status for r in results] == ["loaded", "loaded"]
    return db


def test_gaps_per_service_are_the_rescaled_mean_minus_acsi(small):
    frame = benchmark_gaps(small, fiscal_year=2024).set_index("service_id")
    assert frame.loc["dhs-tsa", "service_index"] == pytest.approx(90.0)
    assert frame.loc["va-vha", "service_index"] == pytest.approx(65.0)
    assert frame.loc["dhs-tsa", "gap_federal"] == pytest.approx(90.0 - ACSI_FEDERAL_2024)
    assert frame.loc["va-vha", "gap_federal"] == pytest.approx(65.0 - ACSI_FEDERAL_2024)
    assert frame.loc["va-vha", "agency_id"] == "va-vha"
    only_va = benchmark_gaps(small, fiscal_year=2024, agency_id="va-vha")
    assert only_va["service_id"].tolist() == ["va-vha"]
    assert benchmark_gaps(small, fiscal_year=2024, agency_id="nobody").empty


def test_pooled_index_by_year_weighs_every_answer(small):
    frame = federal_index_by_year(small).set_index("fiscal_year")
    assert frame.loc[2024, "n"] == 200 and frame.loc[2024, "services"] == 2
    assert frame.loc[2024, "service_index"] == pytest.approx(77.5)
    assert frame.loc[2024, "gap_federal"] == pytest.approx(77.5 - ACSI_FEDERAL_2024)
    assert frame.loc[2025, "service_index"] == pytest.approx(87.5)
    assert pd.isna(frame.loc[2025, "gap_federal"])  # no ACSI federal 2025: no gap, never a neighbour's
    va = federal_index_by_year(small, agency_id="va-vha")
    assert va["fiscal_year"].tolist() == [2024] and va["service_index"].iloc[0] == pytest.approx(65.0)


def test_benchmark_options_list_years_and_agencies_with_rows(small):
    options = benchmark_options(small)
    assert options.loc[options["kind"] == "fiscal_year", "value"].tolist() == ["2024", "2025"]
    assert sorted(options.loc[options["kind"] == "agency", "value"]) == ["dhs-tsa", "va-vha"]


def test_acsi_history_is_the_declared_federal_and_national_series(small):
    with open(DATA_DIR / "benchmarks_acsi.csv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["series"] == "federal_government_aggregate"
                and not r["segment"] and r["period"] == "annual"]
    frame = acsi_history(small)
    federal = frame[frame["series"] == "federal_government_aggregate"]
    assert dict(zip(federal["year"], federal["score"], strict=True)) == {
        int(r["year"]): float(r["score"]) for r in rows}
    assert federal["source_url"].str.startswith("http").all()


def test_service_freshness_dates_the_newest_load_per_kind(small):
    frame = service_freshness(small)
    assert {(r.service_id, r.kind) for r in frame.itertuples()} == {
        ("dhs-tsa", "survey-results"), ("va-vha", "survey-results"), ("dhs-tsa", "service-events")}
    assert "rows" not in frame and "n" not in frame  # no counts: small numbers are published elsewhere
    finished = dict(query(small, "SELECT kind, finished_at FROM loads"))
    for row in frame.itertuples():
        assert row.last_loaded == pd.Timestamp(finished[row.kind])
    assert not frame["synthetic"].any()


def test_metric_definitions_follow_the_catalogue_file():
    declared = yaml.safe_load((DATA_DIR / "metrics.yaml").read_text(encoding="utf-8"))["metrics"]
    frame = metric_definitions()
    assert frame["metric"].tolist() == [m["key"] for m in declared]
    assert frame["definition"].tolist() == [m["definition"] for m in declared]


def test_standards_catalogue_numbers_versions_by_start_date():
    frame = standards_catalogue()
    declared = yaml.safe_load((DATA_DIR / "standards.yaml").read_text(encoding="utf-8"))["standards"]
    assert len(frame) == len(declared)
    passports = frame[frame["standard_id"] == "dos-ca-routine-processing"]
    assert passports["version"].tolist() == list(range(1, len(passports) + 1))
    assert passports["effective_from"].is_monotonic_increasing
    assert set(frame["basis"]) <= {"cited", "illustrative"}
    assert set(passports["service"]) == {"Passport Services"}  # data/services.csv name of dos-ca


def test_survey_questions_hold_the_a11_standard_wording():
    frame = survey_questions()
    texts = dict(zip(frame["question"], frame["driver"], strict=True))
    # OMB Circular A-11 Section 280 (../shared/reference/a11_survey.md), one per driver.
    assert texts["I am satisfied with the service I received from [service]."] == "satisfaction"
    assert texts["This interaction increased my confidence in [service]."] == "trust"
    assert texts["My need was addressed."] == "effectiveness"
    assert texts["It was easy to complete what I needed to do."] == "ease"
    assert texts["It took a reasonable amount of time to do what I needed to do."] == "efficiency"
    assert texts["I was treated fairly."] == "equity"
    assert texts["Employees I interacted with were helpful."] == "employee"
    assert frame["question_number"].is_monotonic_increasing


def test_download_catalogue_lists_every_export_without_building_it(small, monkeypatch):
    """The /data list names every table with its last update, and builds none of them to do so."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("the catalogue built a table")

    monkeypatch.setattr("metrics.registry.export_for_viewer", refuse)  # Table.frame's one way to rows
    frame = download_catalogue(small).set_index("name")
    assert set(frame.index) == set(available())
    assert {"benchmarks", "acsi-scores", "driver-scorecard", "standards-scorecard", "goal-progress",
            "initiative-milestones", "standards-status", "survey-trends", "metric-definitions",
            "standards-catalogue", "survey-questions", "service-freshness"} <= set(frame.index)
    assert list(frame.columns) == ["description", "last_updated", "synthetic"]  # no row counts
    assert (frame["description"].str.len() > 10).all()
    newest = pd.Timestamp(query(small, "SELECT max(finished_at) FROM loads")[0][0])
    for name in ("loads", "survey-scores", "benchmarks", "service-freshness"):
        assert frame.loc[name, "last_updated"] == newest, name
    for name, file in (("metric-definitions", "metrics.yaml"), ("standards-catalogue", "standards.yaml"),
                       ("survey-questions", "driver_patterns.yaml")):
        assert frame.loc[name, "last_updated"] == pd.Timestamp((DATA_DIR / file).stat().st_mtime, unit="s")
    # both loads of `small` are real files (not the demo generator), and declarations are never synthetic
    assert not frame["synthetic"].any()


def test_the_data_page_lists_the_registry(small):
    """/data lists each registered table once, under its name, with the registry's one description."""
    frame = download_catalogue(small).set_index("name")
    assert list(frame.index) == sorted(TABLES)
    for name, entry in TABLES.items():
        assert frame.loc[name, "description"].startswith(entry.description), name
    assert not set(frame.index) & {"standards", "goals", "reporting"}  # former API names: not listed twice
