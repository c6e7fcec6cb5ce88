"""Shared fixtures: real DuckDB files in temporary folders, and the real reference data."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
REFERENCE = REPO.parent / "shared" / "reference"


@pytest.fixture(autouse=True)
def _operator_by_default():
    """`create_app` makes the process read as the public by default (fail safe); an app built by an
    earlier test (or a session fixture) must not leave that to tests of the command-line default,
    the operator. Requests to a test server set their own viewer, so they are not affected."""
    from metrics.access import OMB, set_default_viewer

    set_default_viewer(OMB)
    yield
    set_default_viewer(OMB)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A path for a fresh warehouse file (not created yet)."""
    return tmp_path / "warehouse.duckdb"


def query(db_file: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Read the warehouse the way readers do: a read-only connection to the published file."""
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path
