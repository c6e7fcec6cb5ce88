"""No export and no archive may fail because a kind of data is absent.

Real warehouses are rarely complete: a year of A-11 survey answers and nothing else is the common
case (it crashed the overview, the download catalogue and every archive). Each warehouse here lacks
one kind (events, standards figures, surveys, goals, benchmarks), or everything; every registered
export is run for OMB and for the public, and the public archive of a published quarter is written
and verified.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ingest.loader import load
from ingest.warehouse import initialise
from metrics.access import OMB, PUBLIC, viewing
from metrics.exports import available
from metrics.overview import quarter_headlines
from publish.archive import archive_quarter, verify
from publish.workflow import publish_loaded
from tests.conftest import reference
from tests.metrics_warehouse import EVENTS, OBSERVATIONS, SURVEY, build


def _files() -> dict[str, list[Path]]:
    goals = reference("gpra_apr_sample.csv")  # a real agency APR extract (GPRA goals)
    return {"events": [EVENTS], "standards": [EVENTS, OBSERVATIONS], "surveys": [SURVEY], "goals": [goals]}


ABSENT = ("events", "standards", "surveys", "goals", "benchmarks", "everything")


def _warehouse(db: Path, absent: str) -> Path:
    """Load every kind but `absent` (standards figures come from events and observations, so
    lacking standards means lacking both), publish all of it, and drop the ACSI benchmarks if asked."""
    initialise(db)
    kinds = _files()
    drop = set(kinds.get(absent, []))
    files = [] if absent == "everything" else [f for fs in kinds.values() for f in fs if f not in drop]
    files = list(dict.fromkeys(files))
    if EVENTS in files:
        build(db, files)
    elif files:
        assert {r.status for r in load(files, db=db)} <= {"loaded"}
    publish_loaded(db, by="test", archive=False)
    if absent in ("benchmarks", "everything"):
        con = duckdb.connect(str(db))
        con.execute("DELETE FROM benchmarks")
        con.close()
    return db


@pytest.mark.parametrize("absent", ABSENT)
def test_every_export_and_the_archive_work_without_one_kind(absent: str, tmp_path: Path) -> None:
    db = _warehouse(tmp_path / "w.duckdb", absent)
    failures = {}
    for viewer in (OMB, PUBLIC):
        with viewing(viewer):
            for name, fn in sorted(available().items()):
                try:
                    frame = fn(db)
                except Exception as exc:  # collect them all: the message lists every broken export
                    failures[(viewer.role, name)] = f"{type(exc).__name__}: {exc}"
                    continue
                assert isinstance(frame, pd.DataFrame), name
    assert failures == {}
    # FY2024 Q1 holds every fixture kind (events, observations and survey answers of Oct-Dec 2023)
    version = archive_quarter(db, 2024, 1)
    manifest = verify(version)
    assert "quarter-headlines.csv" in manifest["files"]
    expected_trust_rows = 0 if absent in ("surveys", "everything") else 1
    headlines = manifest["files"]["quarter-headlines.csv"]["rows"]
    standards_rows = 0 if absent in ("standards", "everything") else 1
    assert headlines == max(expected_trust_rows, standards_rows)


def test_headlines_of_a_survey_only_warehouse(tmp_path: Path) -> None:
    """The real-data case: trust figures and no standards. The standards columns are empty, not a
    crash; trust is the pooled agree share of all services' trust answers."""
    db = _warehouse(tmp_path / "w.duckdb", "standards")
    frame = quarter_headlines(db).set_index("period")
    con = duckdb.connect(str(db), read_only=True)
    pooled = dict(
        (f"FY{fy} Q{q}", (agree, n))
        for fy, q, agree, n in con.execute(
            "SELECT fiscal_year, quarter, sum(agree), sum(n) FROM survey_results WHERE driver = 'trust'"
            " GROUP BY ALL"
        ).fetchall()
    )
    con.close()
    assert set(frame.index) == set(pooled)
    for period, (agree, n) in pooled.items():
        assert frame.loc[period, "trust_agree"] == agree and frame.loc[period, "n"] == n
        assert frame.loc[period, "trust_share"] == pytest.approx(agree / n)
    assert frame["standards_judged"].fillna(0).eq(0).all() and frame["share_met"].isna().all()
