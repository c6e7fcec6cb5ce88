"""Publishing at scale: `ingest --published-source` and `report published --all`.

The survey fixture (tests/fixtures/metrics_survey.csv) carries 7 service-quarters: doc-patents,
doc-trademarks, dol-osha and va-vba FY2024 Q1, and dos-ca FY2024 Q1, Q2 and Q4. The declared
workflow goes new -> submitted -> published, so publishing one takes two history rows.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import publish.archive
import publish.workflow
from ingest.loader import load
from ingest.warehouse import initialise
from metrics.access import OMB, PUBLIC, viewing
from metrics.db import reader
from publish.archive import ArchiveError, versions
from publish.workflow import WorkflowError, move, path_to, publish_loaded, rules
from servicestat.cli import main
from tests.conftest import query
from tests.metrics_warehouse import SURVEY

QUARTERS = [
    ("doc-patents", 2024, 1), ("doc-trademarks", 2024, 1), ("dol-osha", 2024, 1), ("dos-ca", 2024, 1),
    ("dos-ca", 2024, 2), ("dos-ca", 2024, 4), ("va-vba", 2024, 1),
]
SOURCE = "performance.gov A-11 CX data (test)"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def wh(db: Path) -> Path:
    return initialise(db)


def visible_rows(db: Path) -> int:
    return int(reader(db).df("SELECT count(*) AS n FROM survey_results")["n"][0])


def states(db: Path) -> dict[tuple[str, int, int], str]:
    return {(s, fy, q): st for s, fy, q, st in query(
        db, "SELECT service_id, fiscal_year, quarter, state FROM reporting_state")}


def test_the_path_to_published_follows_the_declared_workflow() -> None:
    r = rules()
    assert path_to("new", "published", r) == ["submitted", "published"]
    assert path_to("draft", "published", r) == ["submitted", "published"]
    assert path_to("change_requested", "published", r) == ["submitted", "published"]
    assert path_to("submitted", "published", r) == ["published"]
    assert path_to("published", "published", r) == []


def test_published_source_makes_the_file_public_at_once(wh: Path, capsys: pytest.CaptureFixture) -> None:
    args = ["ingest", str(SURVEY), "--db", str(wh), "--no-progress", "--published-source", SOURCE]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "published 7 service-quarter(s) from the public record" in err and "14 workflow move(s)" in err
    with viewing(OMB):
        everything = visible_rows(wh)
    with viewing(PUBLIC):
        assert visible_rows(wh) == everything == len(SURVEY.read_text().splitlines()) - 1
    assert states(wh) == dict.fromkeys(QUARTERS, "published")
    history = query(wh, "SELECT service_id, fiscal_year, quarter, from_state, to_state, moved_by, reason"
                        " FROM reporting_history ORDER BY seq")
    assert len(history) == 14
    assert {(h[3], h[4]) for h in history} == {(None, "submitted"), ("submitted", "published")}
    assert {(h[5], h[6]) for h in history} == {(SOURCE, "public record: " + SOURCE)}
    # the same command again: the file is already loaded and every quarter published; no new move
    assert main(args) == 0
    assert "already published: nothing to do" in capsys.readouterr().err
    assert query(wh, "SELECT count(*) FROM reporting_history")[0][0] == 14
    assert query(wh, "SELECT count(*) FROM loads WHERE status <> 'refused'")[0][0] == 1


def test_a_failed_second_write_keeps_the_load_and_a_rerun_finishes(
    wh: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError("No space left on device")

    args = ["ingest", str(SURVEY), "--db", str(wh), "--no-progress", "--published-source", SOURCE,
            "--by", "Omar (OMB)"]
    monkeypatch.setattr(publish.workflow, "stage", full)
    assert main(args) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "the file is loaded, but its service-quarters were not recorded as published" in err
    assert "No space left on device" in err and "Run the same command again" in err
    assert query(wh, "SELECT count(*) FROM loads")[0][0] == 1  # the load is the public record: it stays
    assert states(wh) == {} and query(wh, "SELECT count(*) FROM reporting_history")[0][0] == 0
    monkeypatch.undo()
    assert main(args) == 0
    assert states(wh) == dict.fromkeys(QUARTERS, "published")
    assert {by for (by,) in query(wh, "SELECT moved_by FROM reporting_history")} == {"Omar (OMB)"}
    assert query(wh, "SELECT count(*) FROM loads")[0][0] == 1
    assert [v["quarter"] for v in versions(wh)] == [1, 2, 4]  # the public archive of each quarter


def test_all_publishes_every_loaded_quarter_in_one_transaction(
    wh: Path, capsys: pytest.CaptureFixture
) -> None:
    load([SURVEY], db=wh)
    move(wh, "draft", "va-vba", 2024, 1, by="agency", archive=False)
    move(wh, "submitted", "dos-ca", 2024, 4, by="agency", archive=False)
    seq = query(wh, "SELECT max(seq) FROM reporting_history")[0][0]
    assert main(["report", "published", "--all", "2024", "1", "--by", "Omar (OMB)", "--db", str(wh)]) == 0
    assert "published 5 service-quarter(s) of FY2024 Q1" in capsys.readouterr().err
    new = query(wh, "SELECT service_id, from_state, to_state FROM reporting_history WHERE seq > ?"
                    " ORDER BY seq", [seq])
    assert len(new) == 10  # five quarters, each through submitted
    assert [(f, t) for s, f, t in new if s == "va-vba"] == [
        ("draft", "submitted"), ("submitted", "published")]
    assert {s: st for (s, fy, q), st in states(wh).items() if q != 1} == {"dos-ca": "submitted"}
    assert main(["report", "published", "--all", "--by", "Omar (OMB)", "--db", str(wh)]) == 0
    assert states(wh) == dict.fromkeys(QUARTERS, "published")
    # dos-ca Q4 was submitted already: one move; Q2 was new: two
    assert query(wh, "SELECT count(*) FROM reporting_history WHERE seq > ?", [seq])[0][0] == 10 + 3
    assert main(["report", "published", "--all", "--db", str(wh)]) == 2  # --by is required


def test_a_failure_midway_leaves_nothing(wh: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    load([SURVEY], db=wh)
    before = digest(wh)
    real_stage = publish.workflow.stage
    staged = []

    def second_fails(db: Path, fy: int, q: int, source: Path) -> object:
        if staged:
            raise OSError("archive disk full")
        staged.append(real_stage(db, fy, q, source=source))
        return staged[-1]

    monkeypatch.setattr(publish.workflow, "stage", second_fails)
    with pytest.raises(ArchiveError, match=r"nothing was moved .*OSError: archive disk full"):
        publish_loaded(wh, by="omb")
    assert len(staged) == 1 and not staged[0].work.exists()  # the first quarter's staged files are gone
    assert digest(wh) == before and versions(wh) == []
    monkeypatch.undo()
    # a workflow with no way from draft to published refuses the whole batch before writing
    move(wh, "draft", "va-vba", 2024, 1, by="agency", archive=False)
    before = digest(wh)
    decl = tmp_path / "decl"
    decl.mkdir()
    text = (Path(publish.workflow.DATA_DIR) / "publication.yaml").read_text()
    narrow = text.replace("draft: [submitted, not_reported]", "draft: [not_reported]")
    assert narrow != text
    (decl / "publication.yaml").write_text(narrow)
    with pytest.raises(WorkflowError, match="no way from draft to published"):
        publish_loaded(wh, by="omb", data_dir=decl)
    assert digest(wh) == before


def test_a_failed_archive_changes_no_state(wh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load([SURVEY], db=wh)
    move(wh, "submitted", "dos-ca", 2024, 2, by="agency", archive=False)
    before = digest(wh)
    tables = publish.archive.available

    def broken(_db: object = None) -> None:
        raise OSError("disk full while reading")

    monkeypatch.setattr(publish.archive, "available", lambda: {**tables(), "survey-scores": broken})
    with pytest.raises(ArchiveError, match=r"unchanged.*FY2024 Q2: table survey-scores could not be computed:"
                                            r" OSError: disk full while reading"):
        move(wh, "published", "dos-ca", 2024, 2, by="omb")
    assert digest(wh) == before and versions(wh) == []
