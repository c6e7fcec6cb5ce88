"""The fast check (`kind_base.WORD_ONLY_FAILING`): rows judged by one boolean, problems worded only
for the rows that fail. It must build the very warehouse the text path (every row judged and worded
in one statement) builds: same facts, rollups, Parquet dataset, loads, warnings and quarantine
(row, field, value, reason, raw row), on a file with every kind of bad row and on the bad-input
corpus."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from core import event_files
from ingest import kind_base
from ingest.loader import load
from tests.conftest import FIXTURES, write

HEADER = "service_id,channel,office,received_at,completed_at,wait_minutes,outcome,event_id\n"
# (row text, [(field, start of reason)]) in file order; row numbers are 1-based data rows.
ROWS = [
    ("dos-ca,phone,HQ,2024-03-01 09:00,2024-03-01 09:20,4,completed,E1", []),
    ("Passport Services, Online ,,03/01/2024 10:00,,90 s,Completed,E2", []),
    ("dos-ca,in person,Desk 2,2024-03-02 08:00:00,2024-03-02 09:00,1:30,abandoned,E3", []),
    ("dos-ca,phone,,2024-03-01 09:00,,abc,completed,E4", [("wait_minutes", "not a duration")]),
    ("dos-ca,phone,,2024-03-01 09:00,,-5,completed,E5", [("wait_minutes", "negative duration")]),
    ("dos-ca,phone,,2024-03-01 09:00,,2000000,completed,E6",
     [("wait_minutes", "longer than a year; check the unit")]),
    ("dos-ca,phone,,2024-03-01 09:00,,inf,completed,E7", [("wait_minutes", "not a duration")]),
    ("dos-ca,phone,,2024-03-01 09:00,2024-02-28 09:00,,completed,E8",
     [("completed_at", "completed before it was received (2024-03-01 09:00:00)")]),
    ("dos-ca,phone,,2024-03-01 09:00,2099-01-01 00:00,,completed,E9", [("completed_at", "is in the future")]),
    ("dos-ca,phone,,2024-03-01 09:00,soon,,completed,E10", [("completed_at", "not a date and time")]),
    ("dos-ca,phone,,2099-03-01 09:00,,,pending,E11", [("received_at", "is in the future")]),
    ("dos-ca,phone,,1980-03-01 09:00,,,pending,E12", [("received_at", "is before FY1990")]),
    ("dos-ca,phone,,yesterday,,,pending,E13", [("received_at", "not a date and time")]),
    ("dos-ca,phone,,,,,pending,E14", [("received_at", "a received date and time is required")]),
    ("dos-ca,phone,,2024-03-01 09:00,,,exploded,E15", [("outcome", "unknown outcome")]),
    ("dos-ca,pigeon,,2024-03-01 09:00,,,completed,E16", [("channel", "unknown channel pigeon")]),
    ("dos-ca,,,2024-03-01 09:00,,,completed,E17", [("channel", "a channel is required")]),
    ("dos-ca,phone,,2024-03-01 09:00,,,completed,E1", [("event_id", "duplicate of row 1")]),
    ("passprot services,phone,,2024-03-01 09:00,,,completed,E19",
     [("service_id", "unknown service passprot services; did you mean 'passport services'")]),
    (",phone,,2024-03-01 09:00,,,completed,E20", [("service_id", "a service is required")]),
    ("dos-ca,pigeon,,2024-03-01 09:00,2024-02-01 09:00,-1,completed,E21",
     [("channel", "unknown channel"), ("completed_at", "completed before"), ("wait_minutes", "negative")]),
    ("ssa-oo,mail,Field office 7,2024-03-03 10:00,2024-03-05 10:00,,pending,E22", []),
]
SNAPSHOT = ("service_events", "metric_observations", "survey_results", "rejects", "load_warnings",
            "service_daily", "service_daily_standard", "service_period", "service_period_standard")


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Everything a load writes, in a fixed order (times of day excepted)."""
    con = event_files.read_only(db)
    try:
        out = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in SNAPSHOT}
        out["loads"] = con.execute("SELECT * EXCLUDE (started_at, finished_at) FROM loads"
                                   " ORDER BY load_id").fetchall()
    finally:
        con.close()
    files = event_files.live_files(db)
    out["dataset"] = duckdb.sql(
        f"SELECT * EXCLUDE (filename) FROM read_parquet({[str(f) for f in files]}, hive_partitioning=true,"
        " filename=true) ORDER BY ALL").fetchall() if files else []
    return out


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The failing-row counts `word_failing_rows` was called with: one entry per fast check."""
    calls: list[int] = []
    original = kind_base.word_failing_rows

    def recording(con, failing, *args):  # type: ignore[no-untyped-def]
        calls.append(failing)
        return original(con, failing, *args)

    monkeypatch.setattr(kind_base, "word_failing_rows", recording)
    return calls


def both_paths(paths: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               **kw) -> tuple[dict, dict, list, list]:
    """Load `paths` into a fresh warehouse by the fast check and into another by the text path."""
    fast_db, text_db = tmp_path / "fast" / "w.duckdb", tmp_path / "text" / "w.duckdb"
    monkeypatch.setattr(kind_base, "WORD_ONLY_FAILING", True)
    fast = load(paths, db=fast_db, **kw)
    monkeypatch.setattr(kind_base, "WORD_ONLY_FAILING", False)
    text = load(paths, db=text_db, **kw)
    return snapshot(fast_db), snapshot(text_db), fast, text


def test_every_kind_of_bad_row_is_quarantined_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    spy: list[int]) -> None:
    path = write(tmp_path / "mixed.csv", HEADER + "".join(r + "\n" for r, _ in ROWS))
    fast_db, text_db, [fast], [text] = both_paths([path], tmp_path, monkeypatch)

    bad = [i for i, (_, problems) in enumerate(ROWS, 1) if problems]
    assert spy == [len(bad)]  # the fast check ran once (the text path never calls it), on the bad rows
    assert (fast.status, fast.rows_read, fast.rows_loaded, fast.rows_rejected) == (
        "loaded_with_rejects", len(ROWS), len(ROWS) - len(bad), len(bad))
    expected = [(i, f, start) for i, (_, problems) in enumerate(ROWS, 1) for f, start in problems]
    got = [(p.row_number, p.field, p.reason) for p in fast.problems]
    assert [(r, f) for r, f, _ in got] == [(r, f) for r, f, _ in expected]
    for (_, _, reason), (_, _, start) in zip(got, expected, strict=True):
        assert reason.startswith(start), (reason, start)
    assert [(p.row_number, p.field, p.value, p.reason) for p in fast.problems] == [
        (p.row_number, p.field, p.value, p.reason) for p in text.problems]
    # the values quarantined are the text the agency wrote
    assert ("wait_minutes", "inf") in {(r[2], r[3]) for r in fast_db["rejects"]}
    assert fast_db == text_db
    assert sorted(r[1] for r in fast_db["service_events"]) == ["E1", "E2", "E22", "E3"]


def test_a_clean_file_words_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spy: list[int]) -> None:
    good = [r for r, problems in ROWS if not problems]
    path = write(tmp_path / "clean.csv", HEADER + "".join(r + "\n" for r in good))
    fast_db, text_db, [fast], _ = both_paths([path], tmp_path, monkeypatch)
    assert spy == [0]
    assert (fast.status, fast.rows_loaded) == ("loaded", 4)
    assert fast_db == text_db and len(fast_db["service_events"]) == 4 and fast_db["rejects"] == []


def test_the_bad_input_corpus_builds_the_same_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        spy: list[int]) -> None:
    """Every file of the corpus, after the seed files, in one call: replacements across files too."""
    seed = [FIXTURES / "ingest" / n for n in ("events_good.csv", "observations.csv", "survey.csv",
                                              "events_mixed.csv")]
    corpus = sorted(p for p in (FIXTURES / "bad_inputs").iterdir() if p.suffix not in (".yaml", ".py")
                    and not p.name.startswith(("manifest", "README")))
    fast_db, text_db, fast, text = both_paths(seed + corpus, tmp_path, monkeypatch)
    assert [r.as_dict() for r in fast] == [r.as_dict() for r in text]
    assert fast_db == text_db
    # the corpus exercises both: files with failing rows and clean ones, of every generic kind
    assert any(spy) and 0 in spy
    assert {r.kind for r in fast if r.rows_loaded} >= {"service-events", "metric-observations",
                                                       "survey-results"}
    assert sum(r.rows_rejected for r in fast) > 20
