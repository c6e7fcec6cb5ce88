"""Shared fixtures: real DuckDB files in temporary folders, and the real reference data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from core import event_files

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
REFERENCE = REPO.parent / "shared" / "reference"


def reference(name: str) -> Path:
    """The real public file `name` of ../shared/reference/, for a test to read.

    A contributor's clone has no shared folder: the test is skipped, naming the missing file. Under
    CI=true a missing file fails the test instead, so that CI never passes by quietly testing less.
    """
    path = REFERENCE / name
    if not path.is_file():
        message = f"reference file {name} is missing (looked for {path})"
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"{message}; CI=true requires the reference data", pytrace=False)
        pytest.skip(message)
    return path


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
    con = event_files.read_only(db_file)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def copy_warehouse(src: Path, dst: Path) -> Path:
    """Copy a warehouse: its DuckDB file and the Parquet files of its events (`<db>.events/`)."""
    shutil.copyfile(src, dst)
    shutil.rmtree(event_files.dataset_dir(dst), ignore_errors=True)
    if event_files.dataset_dir(src).is_dir():
        shutil.copytree(event_files.dataset_dir(src), event_files.dataset_dir(dst))
    return dst


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path
