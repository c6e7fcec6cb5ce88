"""Movers, like-with-like headlines, drafts and the attention list, on a small warehouse with a
PLANTED decline, every expected value worked out by hand below.

Two services of two agencies, A-11 trust answers (all phone):
* dos-ca: FY2024 Q1 counts 0, 0, 20, 40, 40 (agree 80 of 100, 0.80), **published**;
          FY2024 Q2 counts 0, 10, 30, 30, 30 (agree 60 of 100, 0.60), **submitted, not published**;
* va-vba: FY2024 Q1 counts 0, 0, 50, 25, 25 (agree 50 of 100), FY2024 Q2 0, 0, 20, 40, 40 (agree 80 of
          100), both **published**; its file also carries one bad row (rejected at load).

By hand (z = 1.959964):
* dos-ca change -0.20. Pooled p = 140/200 = 0.7; se = sqrt(0.7 * 0.3 * (1/100 + 1/100)) = 0.0648074;
  z = -0.2 / 0.0648074 = -3.0861; two-sided p = erfc(3.0861 / sqrt 2) = 0.002028.
  Wilson 80/100: centre (0.8 + z^2/200) / (1 + z^2/100) = 0.788902, half 0.077731: 0.711171 to 0.866633.
  Wilson 60/100: centre 0.596301, half 0.094298: 0.502003 to 0.690599.
  Newcombe: -0.2 - sqrt((0.6 - 0.502003)^2 + (0.866633 - 0.8)^2) = -0.318505;
            -0.2 + sqrt((0.690599 - 0.6)^2 + (0.8 - 0.711171)^2) = -0.073119.
* va-vba change +0.30: pooled 0.65, se 0.067454, z = 4.447, p < 0.0001: an improvement, larger than
  dos-ca's decline, yet listed after it (declines first).
* Government-wide trust, FY2024 Q1: (80 + 50) / 200 = 0.65. FY2024 Q2: OMB pools both, (60 + 80) / 200 =
  0.70, a draft (one service unpublished); the public and the dos-ca manager pool the published one
  only: 80 / 100 = 0.80, change +0.15 on 0.65. The dos-ca manager's own agency: 0.60 on 0.80, -0.20.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest

from ingest.loader import load
from metrics.access import OMB, PUBLIC, agency_manager, viewing
from metrics.attention import KINDS, PER_KIND, attention
from metrics.movers import DECLINE, IMPROVEMENT, STANDARDS_MET, TEST, change_interval, movers
from metrics.overview import overview_scopes, quarter_headlines
from metrics.periods import DRAFT, PUBLISHED, default_period, default_quarter, quarter_status
from metrics.registry import table
from publish.workflow import Move, move_many
from tests.conftest import write

HEADER = ("service_id,channel,touchpoint,fiscal_year,quarter,question_number,question_text,driver,"
          "count_1,count_2,count_3,count_4,count_5,volume_served,volume_offered,volume_responded\n")
TRUST = "This interaction increased my confidence in this agency."
Z = 1.959963984540054


def _row(service: str, q: int, counts: tuple[int, ...]) -> str:
    return (f"{service},phone,phone desk,2024,{q},2,{TRUST},trust,{','.join(map(str, counts))},"
            f"50000,10000,{sum(counts)}\n")


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("movers")
    dos = write(folder / "survey_dos.csv", HEADER + _row("dos-ca", 1, (0, 0, 20, 40, 40))
                + _row("dos-ca", 2, (0, 10, 30, 30, 30)))
    va = write(folder / "survey_va.csv", HEADER + _row("va-vba", 1, (0, 0, 50, 25, 25))
               + _row("va-vba", 2, (0, 0, 20, 40, 40))
               + f"va-vba,phone,phone desk,2024,2,2,{TRUST},trust,not-a-count,1,1,1,1,50000,10000,5\n")
    path = folder / "movers.duckdb"
    results = load([dos, va], db=path)
    assert [r.status for r in results] == ["loaded", "loaded_with_rejects"], results
    who = "Test Mover"
    moves = []
    for service, q in (("dos-ca", 1), ("va-vba", 1), ("va-vba", 2)):
        moves += [Move("submitted", service, 2024, q, who, None, datetime(2024, 3 * q + 1, 10)),
                  Move("published", service, 2024, q, who, None, datetime(2024, 3 * q + 1, 20))]
    moves.append(Move("submitted", "dos-ca", 2024, 2, who, None, datetime(2024, 4, 10)))
    move_many(path, moves, archive=False)
    return str(path)


def _wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def test_change_interval_is_newcombe_from_the_two_wilson_intervals():
    low, high = change_interval(60, 100, 80, 100)
    assert float(low) == pytest.approx(-0.318505, abs=2e-6)
    assert float(high) == pytest.approx(-0.073119, abs=2e-6)
    (l1, h1), (l2, h2) = _wilson(60, 100), _wilson(80, 100)
    assert float(low) == pytest.approx(-0.2 - math.sqrt((0.6 - l1) ** 2 + (h2 - 0.8) ** 2), abs=1e-12)
    assert float(high) == pytest.approx(-0.2 + math.sqrt((h1 - 0.6) ** 2 + (0.8 - l2) ** 2), abs=1e-12)


def test_a_planted_decline_is_a_mover_with_its_test_interval_and_n(db):
    with viewing(OMB):
        rows = movers(db, period="FY2024 Q2")
    agency = rows[(rows["level"] == "agency") & (rows["agency_id"] == "dos-ca")].iloc[0]
    assert (agency["measure"], agency["direction"], agency["prev_period"]) == ("trust", DECLINE, "FY2024 Q1")
    assert agency["change"] == pytest.approx(-0.2)
    assert (agency["prev_share"], agency["share"]) == (pytest.approx(0.8), pytest.approx(0.6))
    assert (agency["change_ci_low"], agency["change_ci_high"]) == (
        pytest.approx(-0.318505, abs=2e-6), pytest.approx(-0.073119, abs=2e-6))
    assert agency["p_value"] == pytest.approx(math.erfc(0.2 / math.sqrt(0.7 * 0.3 * 0.02) / math.sqrt(2)))
    assert agency["p_value"] == pytest.approx(0.002028, abs=1e-6)
    assert (agency["n"], agency["prev_n"], agency["services"]) == (100, 100, 1)
    assert agency["test"] == TEST and bool(agency["draft"]) is True
    service = rows[(rows["level"] == "service") & (rows["agency_id"] == "dos-ca")].iloc[0]
    assert service["service_id"] == "dos-ca" and bool(service["same_as_agency"]) is True
    assert STANDARDS_MET not in set(rows["measure"])  # no standards judged here


def test_declines_come_first_even_when_an_improvement_is_larger(db):
    with viewing(OMB):
        rows = movers(db, period="FY2024 Q2")
    agencies = rows[rows["level"] == "agency"]
    assert list(agencies["agency_id"]) == ["dos-ca", "va-vba"]
    assert list(agencies["direction"]) == [DECLINE, IMPROVEMENT]
    assert agencies.iloc[1]["change"] == pytest.approx(0.3)


def test_public_movers_are_published_quarters_only(db):
    with viewing(PUBLIC):
        # dos-ca's Q2 is not published: only va-vba's improvement, both of whose quarters are.
        assert set(movers(db, period="FY2024 Q2")["agency_id"]) == {"va-vba"}
        exported = table("movers").frame(db)
    assert "dos-ca" not in set(exported["agency_id"])
    with viewing(agency_manager("dos-ca")):
        own = movers(db, period="FY2024 Q2")
    mine = own[own["agency_id"] == "dos-ca"]
    assert list(mine["level"]) == ["agency", "service"] and bool(mine["draft"].all())
    assert not own.loc[own["agency_id"] == "va-vba", "draft"].any()  # another agency's, published
    with viewing(agency_manager("va-vba")):  # dos-ca's draft is not theirs
        assert set(movers(db, period="FY2024 Q2")["agency_id"]) == {"va-vba"}


def test_pages_open_on_the_latest_published_quarter(db):
    with viewing(OMB):
        status = quarter_status(db)
    assert list(status["status"]) == [PUBLISHED, DRAFT] and list(status["draft_services"]) == [0, 1]
    assert default_quarter(status) == "FY2024 Q1"
    assert default_period(status, ["FY2024 Q2", "FY2024", "FY2024 Q1"]) == "FY2024 Q1"
    with viewing(agency_manager("dos-ca")):
        assert default_quarter(quarter_status(db)) == "FY2024 Q1"
        assert default_quarter(quarter_status(db, agency="va-vba")) == "FY2024 Q2"
    with viewing(PUBLIC):  # the public sees va-vba's published Q2 only: a published quarter
        assert default_quarter(quarter_status(db)) == "FY2024 Q2"


def test_comparisons_are_like_with_like(db):
    with viewing(OMB):
        gov = quarter_headlines(db).set_index("period")
    assert gov.loc["FY2024 Q2", "trust_share"] == pytest.approx(0.70)
    assert gov.loc["FY2024 Q2", "prev_trust_share"] == pytest.approx(0.65)
    assert (gov.loc["FY2024 Q2", "status"], gov.loc["FY2024 Q1", "status"]) == (DRAFT, PUBLISHED)
    with viewing(agency_manager("dos-ca")):
        assert overview_scopes() == ["dos-ca", None]
        own = quarter_headlines(db, agency="dos-ca").set_index("period")
        gov_seen = quarter_headlines(db).set_index("period")
    assert own.loc["FY2024 Q2", "trust_share"] == pytest.approx(0.6)
    assert own.loc["FY2024 Q2", "prev_trust_share"] == pytest.approx(0.8)
    assert own.loc["FY2024 Q2", "change_trust"] == pytest.approx(-0.2)
    assert own.loc["FY2024 Q2", "status"] == DRAFT
    # Government-wide for the manager: published service-quarters in both quarters, not their draft.
    assert gov_seen.loc["FY2024 Q2", "trust_share"] == pytest.approx(0.80)
    assert gov_seen.loc["FY2024 Q2", "change_trust"] == pytest.approx(0.15)
    assert gov_seen.loc["FY2024 Q2", "status"] == PUBLISHED
    with viewing(PUBLIC):
        public = quarter_headlines(db).set_index("period")
    assert public.loc["FY2024 Q2", "trust_share"] == pytest.approx(0.80)


def test_attention_list_order_and_scope(db):
    as_of = date(2024, 9, 1)  # after FY2024 Q2's deadline (45 days after 31 March)
    with viewing(OMB):
        lines = attention(db, "FY2024 Q2", as_of)
    kinds = list(lines["kind"])
    assert list(lines["rank"]) == list(range(1, len(lines) + 1))
    # Declared order: new off track (none here), declines, overdue reports, loads with rejects.
    assert sorted(kinds, key=KINDS.index) == kinds
    assert kinds[0] == "significant decline"
    first = lines.iloc[0]["text"]
    assert first.startswith("Bureau of Consular Affairs: trust fell −20.0 points on FY2024 Q1, to 60.0%")
    assert lines.iloc[0]["href"] == "/agency/dos-ca"
    overdue = lines[lines["kind"] == "overdue report"]
    assert len(overdue) == PER_KIND + 1 and overdue.iloc[-1]["text"].endswith("more overdue reports.")
    assert kinds[-1] == "load with rejects" and lines.iloc[-1]["text"].startswith("survey_va.csv")
    assert "1 of 3 rows rejected" in lines.iloc[-1]["text"]
    with viewing(agency_manager("va-vba")):
        own = attention(db, "FY2024 Q2", as_of)
    assert "dos-ca" not in set(own["agency_id"].dropna())
    assert list(own["kind"])[-1] == "load with rejects"  # its own load
    with viewing(agency_manager("dos-ca")):
        dos = attention(db, "FY2024 Q2", as_of)
    assert "load with rejects" not in set(dos["kind"]) and dos.iloc[0]["kind"] == "significant decline"
    with viewing(PUBLIC):
        assert attention(db, "FY2024 Q2", as_of).empty


