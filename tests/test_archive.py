"""The public quarterly archive: versioned, immutable, verified, and only what the public may see."""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import publish.archive
from ingest.loader import load
from publish.archive import ArchiveError, archive_quarter, archive_root, verify, versions
from publish.workflow import move
from tests.conftest import query, write
from tests.planted import (
    OWN,
    PLANTED_SMALL,
    PLANTED_TEXT,
    PLANTED_UNPUBLISHED,
    SURVEY_HEADER,
    _survey_rows,
    build_planted,
    find_planted,
)


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def wh(tmp_path: Path) -> Path:
    return build_planted(tmp_path / "w.duckdb")


def test_archive_holds_only_public_content_and_verifies(wh: Path) -> None:
    v1 = archive_quarter(wh, 2024, 1)
    assert v1 == archive_root(wh) / "FY2024-Q1" / "v1" and v1.parent.parent == wh.parent / "w.duckdb.archive"
    manifest = verify(v1)
    assert (manifest["fiscal_year"], manifest["quarter"], manifest["version"], manifest["viewer"]) == (
        2024,
        1,
        1,
        "public",
    )
    names = set(manifest["files"])
    assert {
        "survey-scores.csv",
        "survey-scores.parquet",
        "standards-status.csv",
        "reporting-status.csv",
    } <= names
    assert not names & {"loads.csv", "rejects.csv", "findings.csv", "reporting-history.csv"}
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((v1 / name).read_bytes()).hexdigest() == entry["sha256"]
        assert not (v1 / name).stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    text = "\n".join((v1 / n).read_text() for n in names if n.endswith(".csv"))
    assert find_planted(text, PLANTED_UNPUBLISHED + PLANTED_SMALL + PLANTED_TEXT) == []
    scores = pd.read_parquet(v1 / "survey-scores.parquet")
    assert set(zip(scores["fiscal_year"], scores["quarter"], strict=True)) == {(2024, 1)}
    # dos-ca's in-person cells (n 250) are public; its phone and online cells (7 and 13) are suppressed.
    own = scores[scores["service"] == "Passport Services"]
    assert sorted(own["n"].dropna().astype(int)) == [250, 250] and own["suppressed"].sum() == 4


def test_unchanged_is_not_archived_twice_and_a_change_writes_v2(wh: Path, tmp_path: Path) -> None:
    v1 = archive_quarter(wh, 2024, 1)
    before = tree_digest(v1)
    assert archive_quarter(wh, 2024, 1) == v1  # nothing changed: no v2
    # dos-ca corrects FY2024 Q1: sent back, a corrected file, resubmitted, published again.
    move(wh, "change_requested", OWN, 2024, 1, by="omb", reason="recount", archive=False)
    corrected = _survey_rows(OWN, 2024, 1, {("in-person", "trust"): (10, 15, 25, 110, 110)})
    assert load([write(tmp_path / "fix.csv", SURVEY_HEADER + corrected)], db=wh)[0].status == "loaded"
    move(wh, "submitted", OWN, 2024, 1, by="dos", archive=False)
    move(wh, "published", OWN, 2024, 1, by="omb")  # publishing archives the quarter
    v2 = v1.parent / "v2"
    assert verify(v2)["version"] == 2
    assert tree_digest(v1) == before and verify(v1)["version"] == 1
    assert [(v["fiscal_year"], v["quarter"], v["version"]) for v in versions(wh)] == [
        (2024, 1, 1),
        (2024, 1, 2),
    ]
    scores = pd.read_csv(v2 / "survey-scores.csv")
    assert 270 in set(scores["n"].dropna().astype(int))  # the corrected count


def test_tampering_is_detected(wh: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(archive_quarter(wh, 2024, 1), copy)
    target = copy / "survey-scores.csv"
    target.chmod(0o644)
    target.write_text(target.read_text().replace("250", "251"))
    with pytest.raises(ArchiveError, match=r"survey-scores.csv does not match its sha256"):
        verify(copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    assert manifest["suppression"]["min_count"] == 10


def test_cli(wh: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "servicestat.cli", *args], capture_output=True, text=True, timeout=300
        )

    ok = run("archive", "FY2024", "Q1", "--db", str(wh))
    assert ok.returncode == 0 and "FY2024-Q1/v1" in ok.stderr
    bad = run("archive", "2024", "5", "--db", str(wh))
    assert bad.returncode == 2 and "is not a fiscal quarter" in bad.stderr


def test_a_failed_archive_leaves_the_state_unchanged(wh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Publishing and archiving succeed or fail together: the move is not swapped in without its
    archive, byte for byte, and the error names the table and the cause."""
    before = hashlib.sha256(wh.read_bytes()).hexdigest()
    tables = publish.archive.available

    def broken(_db: object = None) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(publish.archive, "available", lambda: {**tables(), "survey-trends": broken})
    expected = (r"nothing was moved \(the warehouse is unchanged\): FY2024 Q2: table survey-trends"
                r" could not be computed: OSError: disk full")
    with pytest.raises(ArchiveError, match=expected):
        move(wh, "published", "va-vba", 2024, 2, by="omb")
    assert hashlib.sha256(wh.read_bytes()).hexdigest() == before
    assert query(wh, "SELECT state FROM reporting_state WHERE service_id = 'va-vba' AND quarter = 2") == [
        ("submitted",)
    ]
    assert versions(wh) == []


def test_an_unwritable_archive_fails_the_command_and_moves_nothing(wh: Path) -> None:
    archive_root(wh).write_text("a file where the archive folder should be")
    before = hashlib.sha256(wh.read_bytes()).hexdigest()
    done = subprocess.run(
        [sys.executable, "-m", "servicestat.cli", "report", "published", "va-vba", "2024", "2", "--by", "omb",
         "--db", str(wh)], capture_output=True, text=True, timeout=300,
    )
    message = " ".join(done.stderr.split())
    assert done.returncode == 1, done.stderr
    assert "nothing was moved (the warehouse is unchanged)" in message
    assert "could not be written to" in message and "w.duckdb.archive/FY2024-Q2" in message
    assert hashlib.sha256(wh.read_bytes()).hexdigest() == before
