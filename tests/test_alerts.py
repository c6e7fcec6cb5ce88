"""Alerts: the rules of data/alerts.yaml evaluated on small warehouses whose figures are worked out by hand,
kept with first seen / last seen / resolved, scoped to the viewer, and their declarations checked.

Figures used below (data/standards.yaml, status_rules): `opm-rs-backlog-steady-state` is a value
standard, backlog at most 13,000 claims; up to 10 % over (14,300) is "at risk", more is "off track".
`va-vba-abandonment`: abandonment rate at most 0.10 (0.11 at risk), so 0.20 is off track.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from core.check_alerts import AlertRule, alert_rules, subscriptions
from core.declarations import check_declarations
from ingest.alerts_store import Recorded
from ingest.loader import load
from ingest.warehouse import initialise
from metrics.access import OMB, PUBLIC, agency_manager, viewing
from metrics.alerts import alerts
from publish.alerts import PUBLIC_VERSION, refresh
from publish.workflow import move
from tests.conftest import REPO

NEWLY = AlertRule(id="newly", kind="standard_off_track", severity="medium", public=True,
                  parameters={"grain": "quarter", "periods": 1},
                  text="{service}: {standard} is off track in {period} since {since}: {result} against "
                       "{target} ({gap}).")
RUN3 = AlertRule(id="run3", kind="standard_off_track", severity="high", public=True,
                 parameters={"periods": 3}, text="{standard}: {periods} quarters off track since {since}.")
TRUST = AlertRule(id="trust", kind="survey_drop", severity="high", parameters={"drivers": ["trust"],
                  "significance": 0.01}, text="{service}: {driver} {share} in {period} against "
                  "{previous_share} in {previous_period} ({change}, p = {p_value}, n = {n}).")
OVERDUE = AlertRule(id="overdue", kind="report_overdue", severity="medium", parameters={"days_late": 0},
                    text="{service}: {period} due {deadline}, {days_late} days late.")
REJECTS = AlertRule(id="rejects", kind="load_rejects", severity="low", parameters={},
                    text="{file}: {rejected} of {read} rows rejected (load {load_id}).")
AS_OF = date(2025, 3, 1)
T1, T2, T3, T4 = (datetime(2025, 3, 1, h) for h in (9, 10, 11, 12))
BACKLOG = "Retirement Services: Retirement claims inventory at or below the steady state of 13,000"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return initialise(tmp_path / "w.duckdb")


def put(db: Path, folder: Path, name: str, text: str) -> None:
    """Load `text` as the file `name` (a new folder each time: the same name may come again)."""
    where = folder / f"f{len(list(folder.glob('f*')))}"
    where.mkdir()
    (where / name).write_text(text, encoding="utf-8")
    load([where / name], db=db, show_progress=False)


def backlog(db: Path, folder: Path, *quarters: tuple[str, int]) -> None:
    rows = "".join(f"opm-rs,{period},backlog,{value},count,100\n" for period, value in quarters)
    put(db, folder, "backlog.csv", "service_id,period,metric,value,unit,n\n" + rows)


def seen(viewer=OMB, db: Path | None = None, **kw):
    with viewing(viewer):
        return alerts(db, **kw)


def test_a_breach_raises_newly_off_track_once_keeps_last_seen_and_resolves_when_fixed(db, tmp_path):
    backlog(db, tmp_path, ("FY2025 Q1", 15000))
    assert refresh(db, [NEWLY], AS_OF, T1) == Recorded(1, 0, 0)
    frame = seen(db=db)
    assert len(frame) == 1
    row = frame.iloc[0]
    assert row["message"] == (f"{BACKLOG} is off track in FY2025 Q1 since FY2025 Q1: 15000 count against "
                              "13000 count (+2000 count).")
    assert (row["status"], row["agency_id"], row["period"]) == ("open", "opm-rs", "FY2025 Q1")
    assert row["first_seen"] == row["last_seen"] == T1
    # evaluated again: the same alert, seen later, not a second one
    assert refresh(db, [NEWLY], AS_OF, T2) == Recorded(0, 1, 0)
    again = seen(db=db)
    assert len(again) == 1 and again.iloc[0]["alert_id"] == row["alert_id"]
    assert (again.iloc[0]["first_seen"], again.iloc[0]["last_seen"]) == (T1, T2)
    # the corrected figure (12,000 <= 13,000) replaces the first: the condition no longer holds
    backlog(db, tmp_path, ("FY2025 Q1", 12000))
    assert refresh(db, [NEWLY], AS_OF, T3) == Recorded(0, 0, 1)
    done = seen(db=db).iloc[0]
    assert (done["status"], done["resolved_at"], done["last_seen"]) == ("resolved", T3, T2)
    # 14,000 is 7.7 % over: at risk, not off track; 16,000 breaks it again: a new alert
    backlog(db, tmp_path, ("FY2025 Q1", 14000))
    assert refresh(db, [NEWLY], AS_OF, T4) == Recorded(0, 0, 0)
    backlog(db, tmp_path, ("FY2025 Q1", 16000))
    assert refresh(db, [NEWLY], AS_OF, T4) == Recorded(1, 0, 0)
    assert list(seen(db=db)["status"]) == ["open", "resolved"]


def test_off_track_for_three_quarters_counts_the_run_of_consecutive_quarters(db, tmp_path):
    backlog(db, tmp_path, ("FY2024 Q3", 12000), ("FY2024 Q4", 15000), ("FY2025 Q1", 16000))
    refresh(db, [NEWLY, RUN3], AS_OF, T1)
    frame = seen(db=db)
    assert list(frame["rule_id"]) == ["newly"]  # a run of 2: not 3
    assert frame.iloc[0]["message"].endswith("off track in FY2025 Q1 since FY2024 Q4: 16000 count against "
                                             "13000 count (+3000 count).")
    backlog(db, tmp_path, ("FY2024 Q3", 17000))  # now three in a row
    refresh(db, [NEWLY, RUN3], AS_OF, T2)
    frame = seen(db=db)
    assert sorted(zip(frame["rule_id"], frame["status"], strict=True)) == [
        ("newly", "open"), ("newly", "resolved"), ("run3", "open")]  # the run now began earlier
    assert frame.loc[frame["rule_id"] == "run3", "message"].item() == (
        "Retirement claims inventory at or below the steady state of 13,000: 3 quarters off track since "
        "FY2024 Q3.")


SURVEY = "service_id,fiscal_year,quarter,question_text,driver,count_1,count_2,count_3,count_4,count_5\n"


def test_a_significant_drop_in_trust_at_the_declared_level(db, tmp_path):
    # FY2025 Q1: 80 of 100 agree; Q2: 60 of 100. Pooled 0.7, se = sqrt(0.7 * 0.3 * (1/100 + 1/100))
    # = 0.0648, z = -0.2 / 0.0648 = -3.086, two-sided p = 0.00203: significant at 0.01, not at 0.001.
    put(db, tmp_path, "survey.csv", SURVEY
        + "opm-rs,2025,1,I trust this agency,trust,5,5,10,50,30\n"
        + "opm-rs,2025,2,I trust this agency,trust,10,10,20,40,20\n")
    refresh(db, [TRUST], AS_OF, T1)
    assert list(seen(db=db)["message"]) == [
        "Retirement Services: trust 60.0% in FY2025 Q2 against 80.0% in FY2025 Q1 (-20.0 points, p = 0.00203,"
        " n = 100)."]
    strict = TRUST.model_copy(update={"parameters": {"drivers": ["trust"], "significance": 0.001}})
    assert refresh(db, [strict], AS_OF, T2) == Recorded(0, 0, 1)


def test_a_report_past_its_deadline_until_it_is_submitted(db, tmp_path):
    put(db, tmp_path, "survey.csv", SURVEY + "opm-rs,2025,1,I trust this agency,trust,5,5,10,50,30\n"
        + "opm-rs,2025,2,I trust this agency,trust,5,5,10,50,30\n")
    # FY2025 Q1 ends 31 Dec 2024, due 45 days later (14 Feb 2025): on 1 March 15 days late, for every
    # declared service (each owes a report from FY2021 Q1, data/publication.yaml). Q2 is open.
    services = len((REPO / "data" / "services.csv").read_text().strip().splitlines()) - 1
    assert refresh(db, [OVERDUE], AS_OF, T1) == Recorded(services, 0, 0)
    assert list(seen(db=db, agency="opm-rs")["message"]) == [
        "Retirement Services: FY2025 Q1 due 2025-02-14, 15 days late."]
    assert set(seen(db=db)["period"]) == {"FY2025 Q1"}
    move(db, "submitted", "opm-rs", 2025, 1, by="test", archive=False)
    assert refresh(db, [OVERDUE], AS_OF, T2) == Recorded(0, services - 1, 1)
    assert refresh(db, [OVERDUE], date(2025, 2, 14), T3) == Recorded(0, 0, services - 1)  # not late yet


def test_a_load_with_rejects_until_the_same_file_lands_clean(db, tmp_path):
    head = "service_id,period,metric,value,unit,n\n"
    put(db, tmp_path, "obs.csv", head + "opm-rs,FY2025 Q1,backlog,12000,count,100\n"
        "opm-rs,FY2025 Q1,no_such_metric,1,count,100\n")
    refresh(db, [REJECTS], AS_OF, T1)
    frame = seen(db=db)
    assert list(frame["message"]) == ["obs.csv: 1 of 2 rows rejected (load 1)."]
    assert list(frame["agency_id"]) == ["opm-rs"]
    put(db, tmp_path, "obs.csv", head + "opm-rs,FY2025 Q1,backlog,12500,count,100\n")
    assert refresh(db, [REJECTS], AS_OF, T2) == Recorded(0, 0, 1)


def test_each_viewer_sees_their_own_alerts_and_the_public_only_published_breaches(db, tmp_path):
    backlog(db, tmp_path, ("FY2025 Q1", 15000))
    put(db, tmp_path, "abandon.csv", "service_id,period,metric,value,unit,channel,n\n"
        "va-vba,FY2025 Q1,abandonment_rate,0.2,share,phone,500\n"
        "va-vba,FY2025 Q1,no_such_metric,1,share,phone,500\n")
    for state in ("submitted", "published"):
        move(db, state, "opm-rs", 2025, 1, by="test", archive=False)
    rules = [NEWLY, REJECTS]
    refresh(db, rules, AS_OF, T1)
    every = seen(db=db)
    assert sorted(zip(every["rule_id"], every["agency_id"], strict=True)) == [
        ("newly", "opm-rs"), ("newly", "va-vba"), ("rejects", "va-vba")]
    assert set(seen(agency_manager("va-vba"), db)["agency_id"]) == {"va-vba"}
    assert len(seen(agency_manager("va-vba"), db)) == 2
    assert list(seen(agency_manager("opm-rs"), db)["agency_id"]) == ["opm-rs"]
    assert seen(agency_manager("dos-ca"), db).empty
    public = seen(PUBLIC, db)
    assert list(public["message"]) == [f"{BACKLOG} is off track in FY2025 Q1 since FY2025 Q1: 15000 count "
                                       "against 13000 count (+2000 count)."]
    assert public["sent_to"].isna().all()
    # a later quarter, not published: staff see the alert told from it; the public keep the published one
    backlog(db, tmp_path, ("FY2025 Q2", 16000))
    refresh(db, rules, AS_OF, T2)
    staff = seen(db=db, agency="opm-rs", status="open")
    assert list(staff["message"]) == [f"{BACKLOG} is off track in FY2025 Q2 since FY2025 Q1: 16000 count "
                                      "against 13000 count (+3000 count)."]
    public = seen(PUBLIC, db, status="open")
    assert list(public["message"]) == [f"{BACKLOG} is off track in FY2025 Q1 since FY2025 Q1: 15000 count "
                                       "against 13000 count (+2000 count)."]
    assert list(public["audience"]) == ["public"]
    from metrics.registry import table

    with viewing(PUBLIC):
        exported = table("alerts").frame(db, {"status": "open"})
    assert list(exported["message"]) == list(public["message"])
    assert PUBLIC_VERSION.strip("() ")  # the public's version is marked in its subject


def test_the_command_lists_one_agencys_alerts(db, tmp_path):
    backlog(db, tmp_path, ("FY2025 Q1", 15000))
    refresh(db, [NEWLY], AS_OF, T1)
    run = subprocess.run([sys.executable, "-m", "servicestat.cli", "alerts", "--db", str(db), "--agency",
                          "opm-rs", "--since", "2025-03-01"], capture_output=True, text=True, cwd=REPO,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert "1 alert(s), 1 open" in run.stderr
    other = subprocess.run([sys.executable, "-m", "servicestat.cli", "alerts", "--db", str(db), "--agency",
                            "va-vba"], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert "0 alert(s), 0 open" in other.stderr


# --- the declarations ------------------------------------------------------------------------------------


def test_the_shipped_rules_and_subscriptions_read() -> None:
    rules = {r.id: r for r in alert_rules()}
    assert rules["standard-off-track-3-quarters"].params().periods == 3
    assert {r.kind for r in rules.values()} == {"standard_off_track", "survey_drop", "report_overdue",
                                                "load_rejects"}
    assert not any(r.public for r in rules.values() if r.kind in ("report_overdue", "load_rejects"))
    assert subscriptions().addresses("dos-ca") == ["passport-performance@state.example",
                                                   "cpo-office@omb.example"]


@pytest.mark.parametrize(("change", "message"), [
    (("kind: load_rejects\n    parameters: {min_rejected: 1}\n    severity: low\n",
      "kind: load_rejects\n    parameters: {min_rejected: 1}\n    severity: low\n    public: true\n"),
     "load-with-rejects: public: a load_rejects alert is about the agency's own workings and is never "
     "public"),
    (("had {rejected} of {read} rows", "had {rejected} of {total} rows"),
     "load-with-rejects: text: unknown field(s) {total}; a load_rejects text may use {agency}, {file}, "
     "{load_id}, {read}, {rejected}"),
    (("drivers: [trust]", "drivers: [trustworthiness]"),
     "trust-drop: unknown driver 'trustworthiness' (see driver_patterns.yaml `slots`)"),
])
def test_a_bad_rule_is_reported_at_its_line(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    text = (REPO / "data" / "alerts.yaml").read_text(encoding="utf-8")
    old, new = change
    at = text.index(old)
    (tmp_path / "alerts.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    line = text.count("\n", 0, at) + 1 + (new.count("\n") - 1 if "public" in new else 0)
    found = [(p.line, p.message) for p in check_declarations(tmp_path) if p.file.endswith("alerts.yaml")]
    assert (line, message) in found, found
