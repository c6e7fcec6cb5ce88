"""metrics.agency_report on the planted warehouse (tests/planted.py), against figures worked out by hand
from the planted files, and scoped as each viewer may see it.

Passport Services (dos-ca), FY2024 Q1 and Q2 published:
* standard dos-ca-calls-2-minutes (phone, within 2 minutes, target 90%): 40 calls in November 2023
  (FY2024 Q1) waiting 1, 2, 3, 4 minutes ten times each: 20 of 40 within, 50.0%; off track (below
  90% - 5 points), gap 50.0 - 90.0 = -40.0 points. No calls in Q2, and no transactions the public
  sees from any service in Q2: no standard is judged in Q2 for the public.
* trust, all channels pooled: Q1 phone 5 of 7 agree + online 9 of 13 + in person 200 of 250 = 214 of
  270; Q2 phone 110 of 150 + online 110 of 150 + in person 200 of 250 = 420 of 550.
Benefits Administration Call Centers (va-vba): FY2024 Q2 is not published, so the public's report
stops at Q1; its own manager may open Q2 (a draft): trust 1013 + 3089 = 4102 of 4173 agree.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from metrics.access import PUBLIC, agency_manager, viewing
from metrics.agency_report import _name_key, agency_report
from tests.planted import OTHER_AGENCY, OWN_AGENCY, build_planted


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_planted(tmp_path_factory.mktemp("planted-report") / "w.duckdb")


def test_public_report_of_dos_ca_is_the_hand_worked_figures(wh: Path) -> None:
    with viewing(PUBLIC):
        report = agency_report(wh, OWN_AGENCY)
    assert report is not None
    assert (report.name, report.department) == ("Bureau of Consular Affairs", "Department of State")
    assert report.services["name"].tolist() == ["Passport Services"]
    assert report.period == "FY2024 Q2" and not report.draft  # the latest published quarter
    assert (str(report.period_start), str(report.period_end)) == ("2024-01-01", "2024-03-31")
    assert report.trend_periods == ["FY2024 Q1", "FY2024 Q2"] and report.covered == "FY2024 Q1 to FY2024 Q2"
    assert not report.synthetic

    # No transaction or reported figure the public sees is from Q2 (va-vba's are unpublished): no
    # standard is judged in Q2, and its trend stops at Q1.
    assert report.standards.empty

    trends = report.trends.set_index(["kind", "key", "period"])
    calls = trends.loc[("standard", "dos-ca-calls-2-minutes", "FY2024 Q1")]
    assert calls["result"] == pytest.approx(0.5) and calls["status"] == "off track" and calls["n"] == 40
    assert ("standard", "dos-ca-calls-2-minutes", "FY2024 Q2") not in trends.index
    assert trends.loc[("standard", "dos-ca-routine-processing", "FY2024 Q1"), "status"] == "not reported"
    assert trends.loc[("trust", "dos-ca", "FY2024 Q1"), "result"] == pytest.approx(214 / 270)
    assert trends.loc[("trust", "dos-ca", "FY2024 Q2"), "result"] == pytest.approx(420 / 550)
    assert trends.loc[("trust", "dos-ca", "FY2024 Q2"), "n"] == 550

    drivers = report.drivers.set_index("driver")
    assert drivers.index.tolist()[0] == "trust"  # trust first
    assert drivers.loc["trust", "agree_share"] == pytest.approx(420 / 550)
    assert drivers.loc["satisfaction", "agree_share"] == pytest.approx(420 / 550)
    assert pd.isna(drivers.loc["trust", "change_yago"])  # no FY2023 Q2 to compare with

    # Initiatives of data/initiatives.yaml for dos-ca; the goal measured by a standard with no figure.
    assert set(report.initiatives["initiative_id"]) == {"dos-ca-online-passport-renewal",
                                                        "dos-ca-contact-center-plan"}
    assert len(report.initiatives) == 4
    goal = report.goals.set_index("goal_id").loc["dos-ca-passports-on-time"]
    assert (goal["fiscal_year"], goal["target"], goal["status"]) == (2024, 0.90, "no data")
    # The declared narratives for dos-ca are demonstration text: never beside real (planted) figures.
    assert report.narratives.empty


def test_report_for_an_earlier_quarter_and_its_gap(wh: Path) -> None:
    with viewing(PUBLIC):
        report = agency_report(wh, OWN_AGENCY, "FY2024 Q1")
    assert report is not None and report.trend_periods == ["FY2024 Q1"] and report.covered == "FY2024 Q1"
    row = report.standards.set_index("standard_id").loc["dos-ca-calls-2-minutes"]
    assert (row["result"], row["target"]) == (pytest.approx(0.5), 0.9)
    assert (row["status"], row["n"]) == ("off track", 40)
    assert row["gap"] == pytest.approx(-40.0) and row["gap_unit"] == "percentage points"
    assert not row["suppressed"]


def test_public_never_sees_the_unpublished_quarter_its_manager_does(wh: Path) -> None:
    with viewing(PUBLIC):
        public = agency_report(wh, OTHER_AGENCY)
        with pytest.raises(ValueError, match="FY2024 Q2"):
            agency_report(wh, OTHER_AGENCY, "FY2024 Q2")
    assert public is not None and public.period == "FY2024 Q1"
    assert "FY2024 Q2" not in set(public.trends["period"]) | set(public.quarters["period"])
    with viewing(agency_manager(OTHER_AGENCY)):
        own = agency_report(wh, OTHER_AGENCY)
        draft = agency_report(wh, OTHER_AGENCY, "FY2024 Q2")
    assert own is not None and own.period == "FY2024 Q1" and not own.draft  # opens on the published one
    assert draft is not None and draft.draft and draft.trend_periods == ["FY2024 Q1", "FY2024 Q2"]
    trust = draft.drivers.set_index("driver").loc["trust"]
    assert (trust["n"], trust["agree_share"]) == (4173, pytest.approx(4102 / 4173))
    # Another agency's manager reads va-vba as the public does.
    with viewing(agency_manager(OWN_AGENCY)):
        other = agency_report(wh, OTHER_AGENCY)
    assert other is not None and other.period == "FY2024 Q1"


def test_unknown_agency_is_none(wh: Path) -> None:
    assert agency_report(wh, "nope") is None


def test_goal_agency_names_match_as_written_either_way() -> None:
    assert _name_key("Department of the Treasury") == _name_key("Department of Treasury")
    assert _name_key("Department of Health & Human Services") == _name_key(
        "Department of Health and Human Services")
    assert _name_key("Department of State") != _name_key("Department of the Interior")


# --- the page, as the server sends it (plain HTML: it reads and prints without JavaScript) ---------------


@pytest.fixture(scope="module")
def web(wh: Path, tmp_path_factory: pytest.TempPathFactory):
    from tests.web_support import make_app, make_users

    folder = tmp_path_factory.mktemp("report-web")
    make_users(folder / "users.yaml")
    return make_app(wh, folder)


def _main(response) -> str:
    """The text of the report as sent (tags dropped, spaces collapsed)."""
    body = response.get_data(as_text=True).split('id="react-entry-point"', 1)[1].split("</main>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def test_page_sends_the_hand_worked_figures_and_404_for_an_unknown_agency(web) -> None:
    from tests.web_support import signed_in_client

    public = signed_in_client(web, None)
    text = _main(public.get("/agency/dos-ca/report?period=FY2024+Q1"))
    assert "Customer Service Plan progress report: Bureau of Consular Affairs" in text
    # Standard, service, channel, result, target, gap, change on a year before, n, status.
    assert ("Contact center calls answered within 2 minutes Passport Services phone 50.0% 90.0% "
            "−40.0 points no data 40") in text
    assert "Trust (agree share): Passport Services 79.3%" in text  # 214 / 270
    assert "Pages of this report's figures" in text and 'data-print-url="http://localhost/agency/dos-ca"' in \
        public.get("/agency/dos-ca/report").get_data(as_text=True)
    missing = public.get("/agency/nope/report")
    assert missing.status_code == 404 and "No such agency" in _main(missing)


def test_page_shows_the_draft_quarter_to_its_manager_only(web) -> None:
    from tests.web_support import signed_in_client

    asked = "/agency/va-vba/report?period=FY2024+Q2"
    public = _main(signed_in_client(web, None).get(asked))
    assert "Quarter “FY2024 Q2” is not available: showing FY2024 Q1 instead." in public
    assert "4,173" not in public and "Draft" not in public
    manager = _main(signed_in_client(web, "va-manager").get(asked))
    assert "Draft: some figures for FY2024 Q2 are not yet published." in manager
    assert "Trust 98.3% " in manager and "4,173" in manager  # 4102 / 4173
