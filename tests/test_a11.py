"""A-11 collections (`a11-cx`) and v2 (`a11-cx-v2`) files, loaded through the real loader into a
real DuckDB file, then read through the metrics layer and the CLI export."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ingest.kinds import detect
from ingest.loader import load
from metrics.quality import FINDING_COLUMNS, check_lines, findings
from metrics.survey_scores import SCORE_COLUMNS, survey_mentions, survey_scores
from servicestat.cli import main
from tests.conftest import reference

REPO = Path(__file__).resolve().parents[1]
SAMPLE = "a11_cx_fy2021.csv"  # in ../shared/reference/ (tests.conftest.reference)
V2_FIXTURE = REPO / "tests" / "fixtures" / "a11_v2_sample.csv"
QUESTIONS_IN_SAMPLE = 1188  # real questions of the 188 collections (placeholders left out)


def _sample_rows() -> tuple[list[str], list[dict[str, str]]]:
    with open(reference(SAMPLE), newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _va_vha_q2() -> dict[str, str]:
    """The first row of the sample: VA, VHA outpatient services, FY2021 Q2, email."""
    return dict(_sample_rows()[1][0])


def _sql(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("a11") / "w.duckdb"
    [result] = load([reference(SAMPLE)], db=db)  # no --kind: detected from the columns
    assert result.kind == "a11-cx"
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "loaded", 188, 188, 0)
    return db


# --------------------------------------------------------------------------- the published sample


def test_every_real_question_becomes_a_survey_results_row(sample_db):
    assert _sql(sample_db, "SELECT count(*), count(DISTINCT load_id) FROM survey_results") == [
        (QUESTIONS_IN_SAMPLE, 1)]
    texts = _sql(sample_db, "SELECT DISTINCT question_text FROM survey_results")
    stored = {t.strip().lower() for (t,) in texts}
    assert not stored & {"", "none", "n/a", "no question"}


def test_va_trust_item_reproduces_the_published_figures(sample_db):
    scores = survey_scores(sample_db)
    assert list(scores.columns) == SCORE_COLUMNS
    row = scores[(scores.agency == "VA") & (scores.service_provider == "Veterans Health Administration")
                 & (scores.fiscal_year == 2021) & (scores.quarter == 2) & (scores.channel == "email")
                 & (scores.driver == "trust")]
    assert len(row) == 1
    r = row.iloc[0]
    assert r.question_text == "I trust VA to fulfill our country\u2019s commitment to Veterans"
    assert r.question_number == 2
    assert (r.n, r.agree) == (320_979, 289_888)
    assert round(r.agree_pct, 2) == 90.31
    assert round(r["mean"], 2) == 4.52
    assert r.published_mean == 4.52
    assert (r.respondents, r.offered, r.customers) == (320_979, 1_774_363, 9_707_552)
    assert r.response_rate == pytest.approx(320_979 / 1_774_363)
    assert r.service == "Outpatient Services" and not r.synthetic


def test_drivers_follow_the_slots(sample_db):
    by_slot = dict(_sql(sample_db, "SELECT question_number, list(DISTINCT driver) FROM survey_results"
                                   " GROUP BY 1"))
    assert by_slot == {
        1: ["satisfaction"], 2: ["trust"], 3: ["effectiveness"], 4: ["ease"], 5: ["efficiency"],
        6: ["equity"], 7: ["employee"], 8: ["other"], 9: ["other"], 10: ["other"]}


def test_a_real_question_without_answers_is_kept_with_no_scores(sample_db):
    scores = survey_scores(sample_db)
    irs = scores[(scores.agency == "TREAS") & (scores.channel == "phone") & (scores.quarter == 3)
                 & (scores.touchpoint == "Accounts Management Toll-Free Telephone Service")]
    assert len(irs) == 7
    assert (irs.n == 0).all() and (irs.agree == 0).all()
    assert irs.agree_pct.isna().all() and irs["mean"].isna().all() and irs.published_mean.isna().all()


def test_channel_labels_map_to_canonical_channels(sample_db):
    pairs = set(_sql(sample_db, "SELECT DISTINCT channel_raw, channel FROM survey_results"))
    assert pairs == {("computer", "online"), ("mobile", "online"), ("automated_phone", "phone"),
                     ("phone", "phone"), ("email", "email"), ("mixed", "mixed"), ("paper", "mail"),
                     (None, None)}


def test_the_whole_file_maps_to_declared_services_and_agencies(sample_db):
    """Every FY2021 service is a declared one (data/service_aliases.csv): nothing is auto-created."""
    declared = pd.read_csv(REPO / "data" / "services.csv", dtype=str)
    agencies = pd.read_csv(REPO / "data" / "agencies.csv", dtype=str)
    assert sorted(s for (s,) in _sql(sample_db, "SELECT service_id FROM services")) == sorted(
        declared.service_id)
    assert sorted(a for (a,) in _sql(sample_db, "SELECT agency_id FROM agencies")) == sorted(
        agencies.agency_id)
    notes = [m for (m,) in _sql(sample_db, "SELECT message FROM load_warnings WHERE row_number IS NULL")]
    assert not [m for m in notes if "new service" in m]
    used = {s for (s,) in _sql(sample_db, "SELECT DISTINCT service_id FROM survey_results")}
    # 24 slugs in the file: reserving-a-campsite is Recreation.gov (multi-rec), owcp-benefits is
    # DEEOIC's claimant survey (dol-deeoic); dhs-cbp's three rows hold no question.
    assert len(used) == 22 and {"multi-rec", "dol-deeoic", "va-vha"} <= used
    assert _sql(sample_db, "SELECT fiscal_year, quarter, sum(volume_responded) / count(*) FROM survey_results"
                           " WHERE service_id = 'multi-rec' AND question_number = 1 GROUP BY ALL ORDER BY 2"
                ) == [(2021, 1, 6760), (2021, 2, 12701), (2021, 3, 18366), (2021, 4, 10555)]
    deeoic = _sql(sample_db, "SELECT DISTINCT channel_raw, touchpoint FROM survey_results"
                             " WHERE service_id = 'dol-deeoic' AND quarter = 4 ORDER BY 1")
    assert deeoic == [("automated_phone", "Response to incoming calls from DEEOIC stakeholders"),
                      ("paper", "Survey to claimants who have recently received a final decision on their"
                                " claim")]


def test_a_service_is_found_by_its_declared_name_when_the_slug_is_missing(tmp_path):
    """Rule 3: no slug, the provider's declared alias and the service's declared A-11 name."""
    db = tmp_path / "w.duckdb"
    header, rows = _sample_rows()
    row = dict(rows[0], attributes_service_slug="")  # VHA, "Receiving outpatient services"
    [result] = load([_write(tmp_path / "a.csv", header, [row])], db=db)
    assert result.status == "loaded" and not [w for w in result.warnings if "new service" in w]
    assert _sql(db, "SELECT DISTINCT service_id FROM survey_results") == [("va-vha",)]


def test_an_undeclared_service_joins_its_declared_provider_and_is_listed_by_check(tmp_path, capsys):
    """A renamed service nobody declared yet: added under the agency of its declared provider
    (Recreation.gov, although the file says Department of Agriculture), never a second agency."""
    db = tmp_path / "w.duckdb"
    header, rows = _sample_rows()
    row = dict(rows[8], attributes_service_slug="booking-a-cabin",
               attributes_service_name="Booking a cabin on Recreation.gov")
    [result] = load([_write(tmp_path / "a.csv", header, [row])], db=db)
    assert result.status == "loaded"
    assert any("'booking-a-cabin'" in w and "not declared" in w for w in result.warnings)
    assert _sql(db, "SELECT service_id, agency_id, provider_id FROM services"
                    " WHERE service_id = 'booking-a-cabin'") == [
        ("booking-a-cabin", "multi-rec", "multi-rec")]
    assert _sql(db, "SELECT count(*) FROM agencies WHERE agency_id LIKE 'usda-rec%'") == [(0,)]
    assert main(["check", "--db", str(db)]) == 0
    out = " ".join(capsys.readouterr().err.split())  # the console writes to stderr
    assert "1 service(s) in the warehouse are not declared" in out
    assert ("booking-a-cabin (Booking a cabin on Recreation.gov), agency multi-rec; closest declared: "
            "multi-rec" in out)


def test_a_new_provider_of_an_undeclared_department_gets_a_new_agency(tmp_path):
    db = tmp_path / "w.duckdb"
    header, rows = _sample_rows()
    row = dict(rows[0], attributes_organization_name="Department of Energy",
               attributes_organization_abbreviation="DOE",
               attributes_service_provider_name="Office of Scientific and Technical Information",
               attributes_service_slug="doe-osti", attributes_service_name="Searching OSTI.gov")
    [result] = load([_write(tmp_path / "a.csv", header, [row])], db=db)
    assert result.status == "loaded"
    assert _sql(db, "SELECT s.agency_id, s.provider_id, a.department, a.bureau FROM services s"
                    " JOIN agencies a USING (agency_id) WHERE service_id = 'doe-osti'") == [
        ("doe-office-of-scientific-and-technical-information", None, "Department of Energy",
         "Office of Scientific and Technical Information")]


def test_findings_on_the_sample(sample_db):
    found = findings(sample_db)
    assert list(found.columns) == FINDING_COLUMNS
    assert found.kind_of_finding.value_counts().to_dict() == {
        "counts_vs_respondents": 562, "driver_slot_mismatch": 156, "ten_point_wording": 74}
    assert found.row_number.notna().all()
    # Severity: fewer answers than respondents is item non-response (information); more is a problem.
    # Recounted here from the file itself, question by question.
    fewer = more = 0
    for r in _sample_rows()[1]:
        respondents = r["attributes_volume_of_respondents"].replace(",", "").strip()
        for k in range(1, 12):
            text = r.get(f"attributes_q{k}_text", "").strip().lower()
            n = sum(int(float(r.get(f"attributes_q{k}_{a}") or 0)) for a in range(1, 6))
            if text in ("", "none", "no question", "n/a", "na", "null", "-", "--", "tbd") or not respondents:
                continue
            fewer += n < int(float(respondents))
            more += n > int(float(respondents))
    assert (fewer, more) == (445, 117)
    by = found.groupby(["severity", "kind_of_finding"]).size().to_dict()
    assert by == {("information", "counts_vs_respondents"): 445, ("problem", "counts_vs_respondents"): 117,
                  ("problem", "driver_slot_mismatch"): 156, ("problem", "ten_point_wording"): 74}
    # problems are listed first
    assert (found.severity.iloc[:347] == "problem").all()
    assert (found.severity.iloc[347:] == "information").all()
    lines = check_lines(found, show=2)
    assert lines[0] == "347 data-quality problem(s) (loaded, flagged, not fixed):"
    assert lines[-1] == ("445 information finding(s), normal and expected (counts_vs_respondents 445: fewer"
                         " answers to a question than respondents)")
    assert len(lines) == 5  # heading, two problems, "… and 345 more", the information line
    # the brief's example: a "will you use the web site in the future" item in the trust slot (file row 2)
    fafsa = found[(found.row_number == 2) & (found.kind_of_finding == "driver_slot_mismatch")]
    assert fafsa.question_number.tolist() == [2, 6]
    assert fafsa.driver.tolist() == ["trust", "equity"]
    assert "kept as trust" in fafsa.detail.iloc[0]
    # the VA trust item fits its slot; its counts match the respondents
    assert found[(found.row_number == 1) & (found.question_number == 2)].empty
    # counts that do not add up name the difference
    passport = found[(found.row_number == 136) & (found.kind_of_finding == "counts_vs_respondents")]
    assert len(passport) == 5 and passport.detail.str.contains(r"add up to 0, not to the 2,260").all()


def test_the_survey_scores_export_through_the_cli(sample_db, tmp_path):
    out = tmp_path / "scores.csv"
    code = main(["export", "survey-scores", "--db", str(sample_db), "--format", "csv", "--out", str(out)])
    assert code == 0
    frame = pd.read_csv(out)
    assert list(frame.columns) == SCORE_COLUMNS and len(frame) == QUESTIONS_IN_SAMPLE


# --------------------------------------------------------------------------- corrections and bad input


def test_a_corrected_file_replaces_the_collection(tmp_path):
    db = tmp_path / "w.duckdb"
    header, rows = _sample_rows()
    load([_write(tmp_path / "first.csv", header, rows[:3])], db=db, kind="a11-cx")
    before = _sql(db, "SELECT count(*) FROM survey_results")
    fixed = dict(rows[0], attributes_q2_5="209574", attributes_volume_of_respondents="320980")
    [result] = load([_write(tmp_path / "fixed.csv", header, [fixed])], db=db, kind="a11-cx")
    assert (result.status, result.rows_replaced) == ("loaded", 7)
    assert _sql(db, "SELECT count(*) FROM survey_results") == before
    assert _sql(db, "SELECT n, load_id FROM survey_results WHERE service_id = 'va-vha'"
                    " AND question_number = 2") == [(320_980, 2)]


def test_a_mean_that_differs_from_the_counts_is_a_finding_not_a_fix(tmp_path):
    db = tmp_path / "w.duckdb"
    header, _ = _sample_rows()
    row = dict(_va_vha_q2(), attributes_q2_point_scale="4.6")
    load([_write(tmp_path / "a.csv", header, [row])], db=db, kind="a11-cx")
    found = findings(db)
    mean = found[found.kind_of_finding == "mean_mismatch"]
    assert len(mean) == 1
    assert (mean.row_number.iloc[0], mean.question_number.iloc[0]) == (1, 2)
    assert "4.516" in mean.detail.iloc[0] and "4.6" in mean.detail.iloc[0]
    assert _sql(db, "SELECT published_mean FROM survey_results WHERE question_number = 2") == [(4.6,)]


def test_counts_that_do_not_add_up_are_a_warning_with_the_difference(tmp_path):
    db = tmp_path / "w.duckdb"
    header, _ = _sample_rows()
    row = dict(_va_vha_q2(), attributes_volume_of_respondents="321000")
    [result] = load([_write(tmp_path / "a.csv", header, [row])], db=db, kind="a11-cx")
    assert result.status == "loaded" and result.rows_rejected == 0
    warned = _sql(db, "SELECT row_number, field, value, message FROM load_warnings"
                      " WHERE row_number IS NOT NULL AND message LIKE '%respondents%' ORDER BY message")
    assert len(warned) == 7
    assert warned[1][:3] == (1, "attributes_volume_of_respondents", "321000")
    assert warned[1][3].endswith(
        "question 2 add up to 320,979, not to the 321,000 respondents reported (difference -21)")


@pytest.mark.parametrize(("change", "field", "reason"), [
    ({"attributes_q1_3": "-5"}, "attributes_q1_3", "negative count"),
    ({"attributes_q4_2": "many"}, "attributes_q4_2", "not a whole number"),
    ({"attributes_collection_quarter": "5"}, "attributes_collection_quarter", "quarter must be 1, 2, 3 or 4"),
    ({"attributes_collection_year": "1850"}, "attributes_collection_year",
     "fiscal year must be a whole year between 1990 and 2100"),
    ({"attributes_channel": "carrier pigeon"}, "attributes_channel", "unknown channel carrier pigeon"),
    ({"attributes_volume_of_respondents": "-1"}, "attributes_volume_of_respondents", "negative count"),
    # no slug, no provider and a name that is no declared service's name or alias
    ({"attributes_service_slug": "", "attributes_service_provider_name": "",
      "attributes_service_name": "Applying for something else"}, "attributes_service_name",
     "cannot tell which service"),
])
def test_a_bad_value_rejects_its_row_with_row_and_field(tmp_path, change, field, reason):
    db = tmp_path / "w.duckdb"
    header, rows = _sample_rows()
    bad = dict(rows[1], **change)
    [result] = load([_write(tmp_path / "a.csv", header, [rows[0], bad])], db=db, kind="a11-cx")
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded_with_rejects", 1, 1)
    assert [(p.row_number, p.field) for p in result.problems] == [(2, field)]
    assert reason in result.problems[0].reason
    assert _sql(db, "SELECT row_number, field FROM rejects") == [(2, field)]
    assert _sql(db, "SELECT count(DISTINCT touchpoint) FROM survey_results") == [(1,)]


def test_answers_under_a_blank_question_text_are_loaded_with_a_finding(tmp_path):
    """Blank texts with real counts: kept (not refused) and flagged; a placeholder with no answers is
    still no question."""
    db = tmp_path / "w.duckdb"
    header, _ = _sample_rows()
    row = dict(_va_vha_q2(), attributes_q3_text="  ", attributes_q5_text="none",
               attributes_q9_text="No question", attributes_q9_1="0", attributes_q9_5="")
    [result] = load([_write(tmp_path / "a.csv", header, [row])], db=db)
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 1, 0)
    stored = _sql(db, "SELECT question_number, question_text, driver, n FROM survey_results"
                      " WHERE question_number IN (3, 5, 9) ORDER BY 1")
    assert stored == [(3, "", "effectiveness", 320_979), (5, "none", "efficiency", 320_979)]
    found = findings(db)
    blank = found[found.kind_of_finding == "blank_question_text"]
    assert blank.question_number.tolist() == [3, 5]
    assert (blank.severity == "problem").all() and (blank.row_number == 1).all()
    assert blank.detail.iloc[0].endswith("question 3 has 320,979 answers counted but its text is blank; it is"
                                         " kept as effectiveness")
    assert "its text is 'none'" in blank.detail.iloc[1]
    assert not (found[found.question_number.isin([3, 5])].kind_of_finding == "driver_slot_mismatch").any()


def test_the_same_collection_twice_in_a_file_is_a_duplicate(tmp_path):
    header, rows = _sample_rows()
    [result] = load([_write(tmp_path / "a.csv", header, [rows[0], rows[0]])], db=tmp_path / "w.duckdb")
    assert [(p.row_number, p.field, p.reason) for p in result.problems] == [
        (2, "attributes_collection_quarter",
         "duplicate of row 1 (same service, channel, touchpoint, fiscal year and quarter)")]


def test_a_file_of_another_kind_names_the_columns_it_misses(tmp_path):
    [result] = load([V2_FIXTURE], db=tmp_path / "w.duckdb", kind="a11-cx")
    assert result.status == "refused"
    missing = {p.field for p in result.problems}
    assert {"attributes_organization_name", "attributes_collection_year", "attributes_q1_text"} <= missing
    assert all("missing required column" in p.reason and "a11-cx" in p.reason for p in result.problems)


# --------------------------------------------------------------------------- A-11 v2


@pytest.fixture
def v2_db(tmp_path: Path) -> Path:
    db = tmp_path / "w.duckdb"
    [result] = load([V2_FIXTURE], db=db)
    assert (result.kind, result.status, result.rows_loaded) == ("a11-cx-v2", "loaded", 13)
    return db


def _mention(frame: pd.DataFrame, channel: str, fy: int, q: int, item: str) -> pd.Series:
    row = frame[(frame.channel == channel) & (frame.fiscal_year == fy) & (frame.quarter == q)
                & (frame.item == item)]
    assert len(row) == 1
    return row.iloc[0]


def test_v2_trust_share_and_driver_mentions(v2_db):
    m = survey_mentions(v2_db)
    trust = _mention(m, "online", 2024, 1, "trust")  # rows r01-r06: 4 up, 2 down
    assert (trust.n, trust.answered, trust.positive, trust.negative) == (6, 6, 4, 2)
    assert trust.positive_share == pytest.approx(4 / 6)
    eff = _mention(m, "online", 2024, 1, "effectiveness")  # 3 of the 10 'went well' picks
    assert (eff.positive, eff.negative) == (3, 1)
    assert eff.positive_share == pytest.approx(3 / 10)
    assert _mention(m, "online", 2024, 1, "efficiency").negative_share == pytest.approx(3 / 7)
    phone = _mention(m, "phone", 2024, 1, "trust")  # r09 left trust blank
    assert (phone.n, phone.answered, phone.positive) == (3, 2, 1)
    assert _mention(m, "phone", 2024, 1, "employee").positive_share == pytest.approx(1 / 4)
    not_offered = _mention(m, "phone", 2024, 1, "transparency")
    assert not_offered.answered == 0 and pd.isna(not_offered.positive_share)
    # 1 October opens the fiscal year: r13 (30 Sep 2023) is FY2023 Q4, r10-r12 are FY2024 Q2
    assert _mention(m, "online", 2023, 4, "trust").n == 1
    assert _mention(m, "online", 2024, 2, "trust").positive_share == 1.0
    assert _sql(v2_db, "SELECT row_number, field FROM load_warnings WHERE row_number IS NOT NULL") == [
        (9, "trust")]


def test_v2_bad_values_reject_rows(tmp_path):
    with open(V2_FIXTURE, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames or []), list(reader)
    rows[1]["trust"] = "maybe"
    rows[2]["positive_ease"] = "2"
    rows[3]["service_id"] = "va-xyz"
    rows[4]["response_id"] = "r01"
    [result] = load([_write(tmp_path / "v2.csv", header, rows)], db=tmp_path / "w.duckdb", kind="a11-cx-v2")
    assert result.status == "loaded_with_rejects"
    assert [(p.row_number, p.field) for p in result.problems] == [
        (2, "trust"), (3, "positive_ease"), (4, "service_id"), (5, "response_id")]
    assert result.problems[3].reason == "duplicate of row 1 (same response_id)"


def test_v2_without_a_period_is_refused(tmp_path):
    with open(V2_FIXTURE, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = [c for c in reader.fieldnames or [] if c != "created_at"]
        rows = [{k: v for k, v in r.items() if k != "created_at"} for r in reader]
    [result] = load([_write(tmp_path / "v2.csv", header, rows)], db=tmp_path / "w.duckdb")
    assert result.status == "refused"
    assert "no period" in result.problems[0].reason


def test_detect_tells_the_kinds_apart():
    v1 = set(_sample_rows()[0])
    assert detect({c.lower() for c in v1}).name == "a11-cx"
    with open(V2_FIXTURE, encoding="utf-8") as fh:
        assert detect(set(fh.readline().strip().split(","))).name == "a11-cx-v2"
    for name in ("hisp-quarterly-data", "hisp-question-details"):
        with open(REPO / "tests" / "fixtures" / "hisp2020" / f"{name}.csv", encoding="utf-8") as fh:
            assert detect(set(fh.readline().strip().split(","))).name == name
