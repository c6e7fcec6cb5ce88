"""The `servicestat` command as a user runs it: a real process, real files, real exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from core.schema import markdown
from tests.conftest import FIXTURES, REPO, query

INGEST = FIXTURES / "ingest"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "servicestat.cli", *args], capture_output=True, text=True,
                          timeout=300)


def test_ingest_prints_summary_and_exits_nonzero_on_rejects(db: Path) -> None:
    proc = run("ingest", str(INGEST / "events_good.csv"), str(INGEST / "events_mixed.csv"), "--db", str(db))
    assert proc.returncode == 1
    assert "events_mixed.csv, row 3, field 'service_id': unknown service dos-caa" in proc.stderr
    assert "loaded_with_rejects" in proc.stderr
    assert query(db, "SELECT count(*) FROM service_events")[0][0] == 8


def test_clean_ingest_exits_zero_and_again_is_a_no_op(db: Path) -> None:
    assert run("ingest", str(INGEST / "events_good.csv"), "--db", str(db)).returncode == 0
    again = run("ingest", str(INGEST / "events_good.csv"), "--db", str(db))
    assert again.returncode == 0 and "already loaded (load 1)" in again.stderr


def test_all_or_nothing_flag(db: Path) -> None:
    proc = run("ingest", str(INGEST / "events_mixed.csv"), "--all-or-nothing", "--db", str(db))
    assert proc.returncode == 1 and "refused" in proc.stderr
    assert query(db, "SELECT count(*) FROM service_events")[0][0] == 0


def test_explicit_kind_that_does_not_fit_names_missing_columns(db: Path) -> None:
    proc = run("ingest", str(INGEST / "observations.csv"), "--kind", "service-events", "--db", str(db))
    assert proc.returncode == 1
    assert "missing required column 'channel'" not in proc.stderr  # observations has a channel column
    assert "missing required column 'received_at' for a service-events file" in proc.stderr


def test_export_rejects_as_json(db: Path, tmp_path: Path) -> None:
    run("ingest", str(INGEST / "survey.csv"), "--db", str(db))
    out = tmp_path / "rejects.json"
    proc = run("export", "rejects", "--format", "json", "--out", str(out), "--db", str(db))
    assert proc.returncode == 0
    rows = json.loads(out.read_text())
    assert [(r["row_number"], r["field"]) for r in rows] == [(3, "quarter"), (4, "count_1")]


def test_schema_doc_is_current() -> None:
    """docs/schema.md is generated from ingest/schema.py; regenerate with `servicestat schema`."""
    assert (REPO / "docs" / "schema.md").read_text() == markdown() + "\n"
