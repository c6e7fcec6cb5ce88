"""Data quality per agency (metrics.loads, metrics.quality): loads, rejected rows, findings by severity
and the change since the last load, on a warehouse of planted files whose counts are worked out by hand
below, read as OMB, as each agency's manager and as the public."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ingest.loader import load
from metrics.access import OMB, PUBLIC, agency_manager, viewing
from metrics.loads import agency_rejects, load_agencies, quality_loads
from metrics.quality import agency_findings, findings_by_severity, load_changes
from tests.conftest import write

HEAD = ("service_id,channel,touchpoint,fiscal_year,quarter,question_number,question_text,driver,"
        "count_1,count_2,count_3,count_4,count_5,published_mean,volume_served,volume_offered,volume_responded\n")
# Load 1 (dos-ca survey): 4 rows read, 3 loaded, 1 rejected (count_1 "lots").
#  q1: counts 5,5,10,30,50 = 100, mean (5+10+30+120+250)/100 = 4.15 as published, 100 respondents: clean;
#  q2: counts 10,10,20,30,30 = 100, mean (10+20+60+120+150)/100 = 3.60, published 3.90: a problem
#      (mean_mismatch);
#  q3: counts 2,3,5,30,60 = 100, mean 4.43 as published, but 120 respondents: information
#      (counts_vs_respondents, fewer answers than respondents).
SURVEY_1 = HEAD + (
    "dos-ca,phone,IVR,2024,1,1,I am satisfied with the service I received.,satisfaction,5,5,10,30,50,4.15,"
    "5000,1000,100\n"
    "dos-ca,phone,IVR,2024,1,2,This interaction increased my confidence in passport services.,trust,"
    "10,10,20,30,30,3.90,5000,1000,100\n"
    "dos-ca,phone,IVR,2024,1,3,My need was addressed.,effectiveness,2,3,5,30,60,4.43,5000,1000,120\n"
    "dos-ca,phone,IVR,2024,1,4,It was easy to do what I needed.,ease,lots,3,5,30,60,4.43,5000,1000,100\n")
# Load 5 (dos-ca survey, the next quarter): 2 rows, both clean (counts 100, means as published).
SURVEY_2 = HEAD + (
    "dos-ca,phone,IVR,2024,2,1,I am satisfied with the service I received.,satisfaction,5,5,10,30,50,4.15,"
    "5000,1000,100\n"
    "dos-ca,phone,IVR,2024,2,2,This interaction increased my confidence in passport services.,trust,"
    "2,3,5,30,60,4.43,5000,1000,100\n")
EVENTS_HEAD = "event_id,service_id,channel,received_at,completed_at,wait_minutes,outcome\n"
# Load 2 (dos-ca events): 5 rows read, 4 rejected, 1 loaded (B-5).
EVENTS_DOS = EVENTS_HEAD + (
    "B-1,dos-ca,phone,2026-03-03 09:00:00,2026-03-03 08:00:00,3,completed\n"
    "B-2,dos-ca,telepathy,2026-03-03 09:00:00,,1,completed\n"
    "B-3,no-such-service,phone,2026-03-03 09:00:00,,1,completed\n"
    "B-4,dos-ca,phone,not a date,,1,completed\n"
    "B-5,dos-ca,phone,2026-03-03 10:00:00,,2,completed\n")
# Load 3 (va-vba events): 2 rows, 1 rejected (a wait of "long").
EVENTS_VA = EVENTS_HEAD + (
    "V-1,va-vba,phone,2026-03-04 09:00:00,,4,completed\n"
    "V-2,va-vba,phone,2026-03-04 10:00:00,,long,completed\n")
# Load 4: every row rejected, so refused: it wrote no row and belongs to no agency.
EVENTS_NONE = EVENTS_HEAD + "N-1,no-such-service,phone,2026-03-05 09:00:00,,1,completed\n"


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("quality")
    db = folder / "warehouse.duckdb"
    files = [("survey_1.csv", SURVEY_1), ("events_dos.csv", EVENTS_DOS), ("events_va.csv", EVENTS_VA),
             ("events_none.csv", EVENTS_NONE), ("survey_2.csv", SURVEY_2)]
    results = load([write(folder / name, text) for name, text in files], db=db)
    assert [(r.load_id, r.status) for r in results] == [
        (1, "loaded_with_rejects"), (2, "loaded_with_rejects"), (3, "loaded_with_rejects"), (4, "refused"),
        (5, "loaded")], [(r.file_name, [p.describe(r.file_name) for p in r.problems]) for r in results]
    return db


def test_a_load_belongs_to_the_agencies_its_rows_name(planted):
    with viewing(OMB):
        owners = load_agencies(planted)
    assert list(owners.itertuples(index=False, name=None)) == [
        (1, "dos-ca"), (2, "dos-ca"), (3, "va-vba"), (5, "dos-ca")]


def test_omb_sees_each_agencys_loads_with_their_counts(planted):
    with viewing(OMB):
        dos = quality_loads(planted, "dos-ca")
        every = quality_loads(planted)
    assert dos["load_id"].tolist() == [5, 2, 1]  # newest first
    assert dos["file_name"].tolist() == ["survey_2.csv", "events_dos.csv", "survey_1.csv"]
    assert dos["rows_read"].tolist() == [2, 5, 4]
    assert dos["rows_loaded"].tolist() == [2, 1, 3]
    assert dos["rows_rejected"].tolist() == [0, 4, 1]
    assert not dos["shared"].any()
    assert every["load_id"].tolist() == [5, 4, 3, 2, 1]
    refused = every[every["load_id"] == 4].iloc[0]
    assert (refused["status"], refused["agencies"], refused["rows_rejected"]) == ("refused", "", 1)


def test_rejected_rows_with_row_field_value_and_reason(planted):
    with viewing(OMB):
        rows = agency_rejects(planted, "dos-ca")
    # Load 2's four rejects (rows 1-4), then load 1's one (row 4): newest load first, by row.
    assert list(zip(rows["load_id"], rows["row_number"], rows["field"], rows["value"], strict=True)) == [
        (2, 1, "completed_at", "2026-03-03 08:00:00"), (2, 2, "channel", "telepathy"),
        (2, 3, "service_id", "no-such-service"), (2, 4, "received_at", "not a date"),
        (1, 4, "count_1", "lots")]
    assert rows["reason"].str.len().gt(0).all()
    assert "telepathy" in rows.loc[1, "reason"]


def test_a_manager_sees_their_own_agency_only_and_the_public_nothing(planted):
    with viewing(agency_manager("dos-ca")):
        mine = quality_loads(planted, "dos-ca")
        my_rejects = agency_rejects(planted, "dos-ca")
        theirs = agency_rejects(planted, "va-vba")
        all_i_see = agency_rejects(planted)
    assert mine["load_id"].tolist() == [5, 2, 1]
    assert mine["warnings"].notna().all()
    assert len(my_rejects) == 5 and theirs.empty
    assert set(all_i_see["load_id"]) == {1, 2}  # not va-vba's load 3, not the refused load 4
    with viewing(agency_manager("va-vba")):
        assert quality_loads(planted, "dos-ca").empty  # dos-ca's quarters are not published
        assert agency_rejects(planted, "dos-ca").empty
        assert agency_rejects(planted, "va-vba")["value"].tolist() == ["long"]
    with viewing(PUBLIC):
        assert agency_rejects(planted).empty
        assert quality_loads(planted, "dos-ca").empty


def test_findings_by_severity_problems_first(planted):
    with viewing(OMB):
        found = agency_findings(planted, "dos-ca")
        severity = findings_by_severity(found)
    assert list(severity.itertuples(index=False, name=None)) == [
        ("problem", "mean_mismatch", 1, 1, 1), ("information", "counts_vs_respondents", 1, 1, 1)]
    assert set(found["load_id"]) == {1}
    with viewing(OMB):
        assert agency_findings(planted, "va-vba").empty


def test_change_since_the_last_load_of_the_same_kind(planted):
    with viewing(OMB):
        changes = load_changes(planted, "dos-ca")
    survey = changes[changes["kind"] == "survey-results"].set_index("measure")
    # Load 5 against load 1: rows read 2 vs 4, loaded 2 vs 3, rejected 0 vs 1, problems 0 vs 1,
    # information 0 vs 1.
    assert set(survey["latest_load_id"]) == {5} and set(survey["previous_load_id"]) == {1}
    expected = {"rows_read": (2, 4, -2), "rows_loaded": (2, 3, -1), "rows_rejected": (0, 1, -1),
                "problem": (0, 1, -1), "information": (0, 1, -1)}
    for measure, (latest, previous, change) in expected.items():
        shown = tuple(survey.loc[measure, ["latest", "previous", "change"]])
        assert shown == (latest, previous, change), measure
    events = changes[changes["kind"] == "service-events"].set_index("measure")
    assert set(events["latest_load_id"]) == {2}  # one events load: nothing to compare with
    assert events.loc["rows_rejected", "latest"] == 4
    assert events["previous"].isna().all() and events["change"].isna().all()
    with viewing(OMB):
        every = load_changes(planted)
    assert sorted(set(every["agency_id"])) == ["dos-ca", "va-vba"]
    va = every[every["agency_id"] == "va-vba"].set_index("measure")
    assert va.loc["rows_rejected", "latest"] == 1 and pd.isna(va.loc["rows_rejected", "previous"])


def test_warnings_are_counted_per_load(planted):
    with viewing(OMB):
        loads = quality_loads(planted).set_index("load_id")
        changes = load_changes(planted, "dos-ca")
    # Only the refused file has one: "no row of the file could be loaded" (generic survey files record
    # no row warnings; their findings are counted apart).
    assert loads["warnings"].to_dict() == {5: 0, 4: 1, 3: 0, 2: 0, 1: 0}
    survey = changes[(changes["kind"] == "survey-results") & (changes["measure"] == "warnings")].iloc[0]
    assert (survey["latest"], survey["previous"], survey["change"]) == (0, 0, 0)
    with viewing(agency_manager("dos-ca")):
        shared = quality_loads(planted)
    assert set(shared["load_id"]) == {1, 2, 5}  # neither va-vba's unpublished load nor the refused one


def test_a_file_sent_for_an_agency_that_landed_no_row_is_still_that_agencys(tmp_path):
    """Sent with an agency's token (the API, /submit), a file whose every row is rejected writes no row
    that names a service; `loads.submitted_for` keeps its owner, so its manager sees the load and the
    rejected row on /quality, another agency's manager does not, and OMB sees whose it is."""
    db = tmp_path / "warehouse.duckdb"
    [sent] = load([write(tmp_path / "events_sent.csv", EVENTS_NONE)], db=db, agency_id="dos-ca")
    [typed] = load([write(tmp_path / "events_cli.csv", EVENTS_NONE.replace("N-1", "N-2"))], db=db)
    assert (sent.load_id, sent.status, typed.load_id, typed.status) == (1, "refused", 2, "refused")
    with viewing(OMB):
        assert list(load_agencies(db).itertuples(index=False, name=None)) == [(1, "dos-ca")]
        every = quality_loads(db)
    assert every.set_index("load_id").loc[[1, 2], "agencies"].tolist() == ["dos-ca", ""]
    with viewing(agency_manager("dos-ca")):
        mine = quality_loads(db, "dos-ca")
        rejected = agency_rejects(db, "dos-ca")
    assert mine["load_id"].tolist() == [1]
    assert mine["file_name"].tolist() == ["events_sent.csv"]
    assert list(zip(rejected["row_number"], rejected["field"], rejected["value"], strict=True)) == [
        (1, "service_id", "no-such-service")]
    with viewing(agency_manager("va-vba")):
        assert quality_loads(db, "dos-ca").empty
        assert agency_rejects(db).empty
