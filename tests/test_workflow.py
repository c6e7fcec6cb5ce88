"""The A-11 reporting workflow: allowed moves from data/publication.yaml, history, atomicity, the CLI."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from core.fiscal import quarter_bounds
from ingest.warehouse import initialise
from metrics.access import PUBLIC, viewing
from metrics.reporting import deadline, reporting_history, reporting_status
from publish.workflow import Move, WorkflowError, move, move_many, rules
from tests.conftest import query


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def wh(db: Path) -> Path:
    return initialise(db)


def test_the_whole_a11_path_and_its_history(wh: Path) -> None:
    move(wh, "draft", "dos-ca", 2024, 1, by="Ana (DOS)", archive=False)
    move(wh, "submitted", "dos-ca", 2024, 1, by="Ana (DOS)", at=datetime(2024, 1, 20, 9), archive=False)
    move(
        wh,
        "change_requested",
        "dos-ca",
        2024,
        1,
        by="Omar (OMB)",
        reason="phone counts do not add up",
        archive=False,
    )
    move(wh, "submitted", "dos-ca", 2024, 1, by="Ana (DOS)", reason="corrected", archive=False)
    done = move(wh, "published", "dos-ca", 2024, 1, by="Omar (OMB)", archive=False)
    assert (done.from_state, done.state) == ("submitted", "published")
    assert query(wh, "SELECT state, updated_by, reason FROM reporting_state") == [
        ("published", "Omar (OMB)", None)
    ]
    history = query(
        wh, "SELECT seq, from_state, to_state, moved_by, reason FROM reporting_history ORDER BY seq"
    )
    assert history == [
        (1, None, "draft", "Ana (DOS)", None),
        (2, "draft", "submitted", "Ana (DOS)", None),
        (3, "submitted", "change_requested", "Omar (OMB)", "phone counts do not add up"),
        (4, "change_requested", "submitted", "Ana (DOS)", "corrected"),
        (5, "submitted", "published", "Omar (OMB)", None),
    ]
    assert query(wh, "SELECT moved_at FROM reporting_history WHERE seq = 2")[0][0] == datetime(2024, 1, 20, 9)


@pytest.mark.parametrize(
    ("path", "illegal", "message"),
    [
        (
            [],
            "published",
            r"dos-ca FY2024 Q1: cannot move to published: it has no state yet, and from there the "
            r"workflow allows draft, submitted, not_reported",
        ),
        (
            ["submitted", "published"],
            "draft",
            r"it is published, and from there the workflow allows change_requested",
        ),
        (
            ["draft"],
            "change_requested",
            r"it is draft, and from there the workflow allows submitted, not_reported",
        ),
    ],
)
def test_illegal_moves_are_refused_and_leave_the_file_unchanged(
    wh: Path, path: list[str], illegal: str, message: str
) -> None:
    for state in path:
        move(wh, state, "dos-ca", 2024, 1, by="x", archive=False)
    before = digest(wh)
    with pytest.raises(WorkflowError, match=message):
        move(wh, illegal, "dos-ca", 2024, 1, by="x", reason="because", archive=False)
    assert digest(wh) == before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"state": "change_requested"}, r"moving to change_requested needs a reason"),
        ({"state": "not_reported"}, r"moving to not_reported needs a reason"),
        ({"state": "approved"}, r"unknown state 'approved'; expected one of draft, submitted"),
        (
            {"service_id": "dos-caa"},
            r"unknown service 'dos-caa' \(declared in data/services.csv\); closest: dos-ca",
        ),
        ({"quarter": 5}, r"quarter 5 is not a fiscal quarter"),
        ({"fiscal_year": 24}, r"fiscal year 24 is not a fiscal year"),
        ({"by": " "}, r"say who makes the move"),
    ],
)
def test_bad_arguments_name_the_problem(wh: Path, kwargs: dict, message: str) -> None:
    args = {
        "state": "submitted",
        "service_id": "dos-ca",
        "fiscal_year": 2024,
        "quarter": 1,
        "by": "x",
    } | kwargs
    before = digest(wh)
    with pytest.raises(WorkflowError, match=message):
        move(wh, archive=False, **args)
    assert digest(wh) == before


def test_a_batch_is_one_transaction(wh: Path) -> None:
    move(wh, "submitted", "va-vba", 2024, 1, by="x", archive=False)
    before = digest(wh)
    with pytest.raises(WorkflowError, match=r"dos-ca FY2024 Q2: cannot move to published"):
        move_many(
            wh,
            [
                Move("submitted", "dos-ca", 2024, 1, "x"),
                Move("published", "dos-ca", 2024, 1, "x"),
                Move("published", "dos-ca", 2024, 2, "x"),
            ],
            archive=False,
        )
    assert digest(wh) == before
    assert query(wh, "SELECT service_id, state FROM reporting_state") == [("va-vba", "submitted")]


def test_history_is_append_only(wh: Path) -> None:
    move(wh, "submitted", "dos-ca", 2024, 1, by="a", archive=False)
    first = query(wh, "SELECT * FROM reporting_history")
    move(wh, "published", "dos-ca", 2024, 1, by="b", archive=False)
    move(wh, "change_requested", "dos-ca", 2024, 1, by="c", reason="late correction", archive=False)
    rows = query(wh, "SELECT * FROM reporting_history ORDER BY seq")
    assert rows[:1] == first and len(rows) == 3


def test_transitions_are_data(tmp_path: Path) -> None:
    (tmp_path / "publication.yaml").write_text(
        "workflow:\n  states: {draft: a, submitted: b}\n"
        "  transitions:\n    new: [draft]\n    draft: [published]\n"
    )
    with pytest.raises(
        WorkflowError, match=r"publication.yaml: workflow.transitions.draft: unknown state 'published'"
    ):
        rules(tmp_path)
    r = rules()
    assert r.transitions["submitted"] == ("published", "change_requested") and r.deadline_days == 45


def test_quarters_and_deadline() -> None:
    assert quarter_bounds(2024, 1) == (date(2023, 10, 1), date(2023, 12, 31))
    assert quarter_bounds(2024, 2) == (date(2024, 1, 1), date(2024, 3, 31))
    assert quarter_bounds(2024, 4) == (date(2024, 7, 1), date(2024, 9, 30))
    assert deadline(2024, 1) == date(2024, 2, 14)  # 31 Dec + 45 days


def test_reporting_compliance(wh: Path) -> None:
    # FY2024 Q1 (due 14 Feb 2024): dos-ca submitted on time and published; va-vba sent back; va-vha
    # said it will not report; the rest never submitted. FY2024 Q2 (due 15 May 2024): usda-fsa drafted.
    move_many(
        wh,
        [
            Move("submitted", "dos-ca", 2024, 1, "a", at=datetime(2024, 2, 14, 23)),
            Move("published", "dos-ca", 2024, 1, "omb", at=datetime(2024, 3, 1)),
            Move("submitted", "va-vba", 2024, 1, "b", at=datetime(2024, 2, 20)),
            Move("change_requested", "va-vba", 2024, 1, "omb", "fix", at=datetime(2024, 2, 25)),
            Move("not_reported", "va-vha", 2024, 1, "c", "no survey this quarter"),
            Move("draft", "usda-fsa", 2024, 2, "d"),
        ],
        archive=False,
    )
    frame = reporting_status(wh, as_of=date(2024, 4, 2))
    got = {(r.service_id, r.period): (r.compliance, r.on_time) for r in frame.itertuples()}
    assert got[("dos-ca", "FY2024 Q1")] == ("published", True)
    assert got[("va-vba", "FY2024 Q1")] == ("change requested", False)  # submitted 20 Feb: late
    assert got[("va-vha", "FY2024 Q1")][0] == "not reported"
    assert got[("usda-fsa", "FY2024 Q1")][0] == "overdue"
    assert got[("usda-fsa", "FY2024 Q2")][0] == "due"  # ended 31 Mar, due 15 May
    assert frame["period"].nunique() == 2 and "status" not in frame.columns
    assert (
        reporting_status(wh, as_of=date(2024, 3, 15))
        .set_index(["service_id", "period"])
        .loc[("usda-fsa", "FY2024 Q2"), "compliance"]
        == "open"
    )
    with viewing(PUBLIC):
        public = reporting_history(wh)
        assert set(public["to_state"]) == {"submitted", "published", "not_reported"}
        assert public["reason"].isna().all() and public["moved_by"].isna().all()
    assert len(reporting_history(wh, service_id="va-vba")) == 2


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "servicestat.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_cli(wh: Path) -> None:
    ok = run("report", "submitted", "dos-ca", "FY2024", "Q1", "--by", "Ana", "--db", str(wh))
    assert ok.returncode == 0 and "dos-ca FY2024 Q1: new -> submitted (by Ana)" in ok.stderr
    before = digest(wh)
    bad = run("report", "draft", "dos-ca", "2024", "1", "--by", "Ana", "--db", str(wh))
    assert bad.returncode == 1 and "cannot move to draft: it is submitted" in bad.stderr
    no_by = run("report", "published", "dos-ca", "2024", "1", "--db", str(wh))
    assert no_by.returncode == 2 and "--by NAME is required" in no_by.stderr
    words = run("report", "published", "dos-ca", "--by", "x", "--db", str(wh))
    assert words.returncode == 2 and "usage: servicestat report STATE SERVICE_ID FY QUARTER" in words.stderr
    not_number = run("report", "published", "dos-ca", "twenty", "1", "--by", "x", "--db", str(wh))
    assert not_number.returncode == 2 and "FY and QUARTER must be numbers" in not_number.stderr
    assert digest(wh) == before
    status = run("report", "status", "--service", "dos-ca", "--db", str(wh))
    assert status.returncode == 0 and "submitted" in status.stderr and "awaiting review" in status.stderr
    assert "va-vba" not in status.stderr


def test_demo_reporting_states(wh: Path) -> None:
    """Every service-quarter of the demo is published but the last (under way) and one not reported."""
    from publish.demo import NOT_REPORTED, reporting_moves

    move_many(wh, reporting_moves(), archive=False)
    states = query(wh, "SELECT fiscal_year, quarter, state, count(*) FROM reporting_state GROUP BY ALL")
    last = {state: n for fy, q, state, n in states if (fy, q) == (2025, 4)}
    earlier = {(fy, q, state): n for fy, q, state, n in states if (fy, q) != (2025, 4)}
    services = query(wh, "SELECT count(*) FROM services")[0][0]
    assert sum(last.values()) == services and set(last) == {"submitted", "draft", "change_requested"}
    assert {s for _, _, s in earlier} == {"published", "not_reported"} and len(
        {(fy, q) for fy, q, _ in earlier}
    ) == 11
    assert query(
        wh,
        "SELECT service_id, fiscal_year, quarter, reason IS NOT NULL FROM reporting_state"
        " WHERE state = 'not_reported'",
    ) == [(*NOT_REPORTED, True)]
    assert (
        query(wh, "SELECT count(*) FROM reporting_state WHERE state = 'change_requested' AND reason IS NULL")[
            0
        ][0]
        == 0
    )
    # every move says who and when, and the publications come after the quarter ended
    assert (
        query(wh, "SELECT count(*) FROM reporting_history WHERE moved_by IS NULL OR moved_at IS NULL")[0][0]
        == 0
    )
    assert (
        query(
            wh,
            "SELECT count(*) FROM reporting_history WHERE to_state = 'published' AND moved_at <"
            " make_date(fiscal_year - 1, 10, 1) + to_months(3 * quarter)",
        )[0][0]
        == 0
    )


def test_a_warehouse_from_before_the_workflow(wh: Path) -> None:
    """No reporting tables yet: nothing is published (the public sees no facts), compliance still reads."""
    import duckdb

    from metrics.db import reader

    move(wh, "submitted", "dos-ca", 2024, 1, by="a", archive=False)
    con = duckdb.connect(str(wh))
    con.execute("DROP TABLE reporting_state; DROP TABLE reporting_history")
    con.close()
    frame = reporting_status(wh, as_of=date(2024, 4, 1))
    assert frame.empty and len(reporting_history(wh)) == 0
    with viewing(PUBLIC):
        assert reader(wh).df("SELECT count(*) AS n FROM survey_results")["n"][0] == 0
        assert reporting_status(wh, date(2024, 4, 1)).empty


# --- the reporting obligation and the day compliance is judged on --------------------------------


def _obligation(tmp_path: Path, first: str, services: dict[str, str]) -> Path:
    """A data folder whose publication.yaml declares this obligation (the rest as shipped)."""
    import yaml

    from core.paths import DATA_DIR

    doc = yaml.safe_load((DATA_DIR / "publication.yaml").read_text())
    doc["reporting"] = {"first_quarter": first, "services": services}
    folder = tmp_path / "decl"
    folder.mkdir()
    (folder / "publication.yaml").write_text(yaml.safe_dump(doc))
    return folder


def test_overdue_only_for_quarters_owed_and_past_their_deadline(wh: Path, tmp_path: Path) -> None:
    """Reports are owed from FY2024 Q2 (va-vba from FY2024 Q1). FY2024 Q1 is due 14 Feb 2024,
    Q2 (ends 31 Mar) is due 15 May 2024. dos-ca Q1 was published from the public record."""
    from core.publication import PUBLIC_RECORD

    decl = _obligation(tmp_path, "FY2024 Q2", {"va-vba": "FY2024 Q1"})
    move_many(
        wh,
        [
            Move("submitted", "dos-ca", 2024, 1, "performance.gov", PUBLIC_RECORD + "performance.gov"),
            Move("published", "dos-ca", 2024, 1, "performance.gov", PUBLIC_RECORD + "performance.gov"),
            Move("draft", "usda-fsa", 2024, 2, "d"),
        ],
        archive=False,
    )

    def status(day: date) -> dict[tuple[str, str], tuple[str, str]]:
        frame = reporting_status(wh, day, data_dir=decl)
        return {(r.service_id, r.period): (r.compliance, r.submission) for r in frame.itertuples()}

    on = status(date(2024, 2, 14))  # Q1's deadline day: not yet overdue
    assert on[("dos-ca", "FY2024 Q1")] == ("published", "public record")
    assert on[("va-vba", "FY2024 Q1")] == ("due", "not submitted")
    assert on[("usda-fsa", "FY2024 Q1")] == ("no obligation", "not submitted")
    assert on[("usda-fsa", "FY2024 Q2")][0] == "open"
    after = status(date(2024, 2, 15))
    assert after[("va-vba", "FY2024 Q1")][0] == "overdue"
    assert after[("usda-fsa", "FY2024 Q1")][0] == "no obligation"  # before its obligation: never a warning
    assert status(date(2024, 5, 15))[("usda-fsa", "FY2024 Q2")][0] == "due"  # a draft is not a submission
    last = status(date(2024, 5, 16))
    assert last[("usda-fsa", "FY2024 Q2")][0] == "overdue" and last[("dos-ca", "FY2024 Q2")][0] == "overdue"
    assert last[("dos-ca", "FY2024 Q1")] == ("published", "public record")
    # the public sees the same compliance (the public-record mark is not the private reason text)
    with viewing(PUBLIC):
        public = reporting_status(wh, date(2024, 5, 16), data_dir=decl)
        row = public.set_index(["service_id", "period"]).loc[("dos-ca", "FY2024 Q1")]
        assert (row["compliance"], row["submission"]) == ("published", "public record")
        assert pd.isna(row["on_time"]) and pd.isna(row["reason"])


def test_as_of_is_required_and_keys_the_cache(wh: Path) -> None:
    move(wh, "draft", "usda-fsa", 2024, 1, by="d", archive=False)
    with pytest.raises(TypeError):
        reporting_status(wh)  # type: ignore[call-arg]
    day = reporting_status(wh, date(2024, 2, 14)).set_index(["service_id", "period"])
    next_day = reporting_status(wh, date(2024, 2, 15)).set_index(["service_id", "period"])
    assert day.loc[("usda-fsa", "FY2024 Q1"), "compliance"] == "due"
    assert next_day.loc[("usda-fsa", "FY2024 Q1"), "compliance"] == "overdue"


def test_the_obligation_is_declared_data(tmp_path: Path) -> None:
    from core.publication import WorkflowError, obligation

    assert obligation().first_quarter == (2021, 1)
    decl = _obligation(tmp_path, "FY2023 Q3", {"va-vba": "fy2022 q1"})
    owed = obligation(decl)
    assert (owed.start("va-vba"), owed.start("dos-ca")) == ((2022, 1), (2023, 3))
    (decl / "publication.yaml").write_text(
        (decl / "publication.yaml").read_text().replace("FY2023 Q3", "2023 Q5")
    )
    with pytest.raises(WorkflowError, match=r"reporting.first_quarter: '2023 Q5' is not a fiscal quarter"):
        obligation(decl)
