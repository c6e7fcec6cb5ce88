"""Idempotence and order: the same file twice, the same rows in another order, or the same files in
another order leave identical fact tables (checksums over every fact table).

Excluded from the comparisons, because they describe the load and not the content:
  * `load_id` everywhere: it numbers loads in the order they ran, so it shifts when the order does;
  * `loads.file_name`, `loads.sha256`: a shuffled copy is another file with other bytes;
  * `loads.started_at`, `loads.finished_at`: wall-clock times;
  * `rejects.row_number`, `load_warnings.row_number`: a row's position changes when rows are
    reordered (the row itself is still compared, whole, through `raw_row`).
Nothing is excluded when the very same file is loaded twice: the second load must change nothing.

Files here have no repeated keys: with repeats, which row a file keeps is by design the first in file
order (the later ones are rejected as duplicates), so reordering such a file legitimately changes it.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from bench.ingest import generate_events_csv
from core.schema import FACT_TABLES
from ingest.loader import load
from tests.conftest import FIXTURES
from tests.reliability import table_checksums

BOOKKEEPING = {
    **{t: ("load_id",) for t in FACT_TABLES},
    "loads": ("load_id", "file_name", "sha256", "started_at", "finished_at"),
    "rejects": ("load_id", "row_number"),
    "load_warnings": ("load_id", "row_number"),
}
CONTENT = (*FACT_TABLES, "rejects", "load_warnings", "loads")


def facts(db: Path) -> dict[str, str]:
    return table_checksums(db, exclude=BOOKKEEPING, tables=FACT_TABLES)


def content(db: Path) -> dict[str, str]:
    return table_checksums(db, exclude=BOOKKEEPING, tables=CONTENT)


def events_file(path: Path) -> Path:
    """2,000 generated events and five bad rows of different kinds, no repeated event ids."""
    generate_events_csv(path, 2_000)
    with open(path, "a", newline="") as fh:  # same line endings as DuckDB wrote (see line_endings_mixed)
        csv.writer(fh, lineterminator="\n").writerows([
            ["dos-ca", "fax", "NPIC", "2024-03-04 09:00:00", "", "4", "completed", "BAD-1"],
            ["dos-ca", "phone", "NPIC", "not a date", "", "4", "completed", "BAD-2"],
            ["dos-caa", "phone", "NPIC", "2024-03-04 10:00:00", "", "4", "completed", "BAD-3"],
            ["dos-ca", "phone", "NPIC", "2024-03-04 11:00:00", "", "-4", "completed", "BAD-4"],
            ["dos-ca", "phone", "NPIC", "2024-03-04 12:00", "2024-03-04 11:00", "4", "exploded", "BAD-5"],
        ])
    return path


def observations_file(path: Path) -> Path:
    """One value per service, metric and month, and three bad rows."""
    rows = [["service_id", "channel", "period", "metric", "value", "unit", "n"]]
    for s, service in enumerate(("dos-ca", "ssa-oo", "treas-irs")):
        for m, metric in enumerate(("abandonment_rate", "transactions", "wait_time_median")):
            for month in range(1, 13):
                value = {"abandonment_rate": f"{(s + m + month) % 40}%", "transactions": f"{1000 * month:,}",
                         "wait_time_median": f"{month + s} min"}[metric]
                rows.append([service, "phone", f"2023-{month:02d}", metric, value, "", str(100 + month)])
    rows += [["dos-ca", "phone", "2023-13", "transactions", "5", "", ""],
             ["dos-ca", "phone", "2023-01", "wait_tme_median", "5", "", ""],
             ["ssa-oo", "online", "2023-02", "abandonment_rate", "140%", "", ""]]
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def shuffled(path: Path, out: Path, seed: int = 11) -> Path:
    """The same header and rows in another (seeded) order."""
    with open(path, newline="") as fh:
        header, *body = list(csv.reader(fh))
    random.Random(seed).shuffle(body)
    with open(out, "w", newline="") as fh:
        csv.writer(fh).writerows([header, *body])
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("files")
    return [events_file(folder / "events.csv"), observations_file(folder / "observations.csv"),
            FIXTURES / "ingest" / "survey.csv"]


def test_the_same_files_twice_change_nothing(files: list[Path], tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    first = load(files, db=db)
    assert [r.status for r in first] == ["loaded_with_rejects"] * 3
    before = table_checksums(db)
    again = load(files, db=db)
    assert [(r.status, r.duplicate_of) for r in again] == [("duplicate", r.load_id) for r in first]
    assert table_checksums(db) == before  # every table, every column


@pytest.mark.parametrize("index", [0, 1, 2], ids=["events", "observations", "survey"])
def test_shuffled_rows_give_identical_tables(files: list[Path], tmp_path: Path, index: int) -> None:
    original = files[index]
    copy = shuffled(original, tmp_path / f"shuffled_{original.name}")
    assert copy.read_bytes() != original.read_bytes()
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    [ra], [rb] = load([original], db=a), load([copy], db=b)
    assert (ra.rows_loaded, ra.rows_rejected) == (rb.rows_loaded, rb.rows_rejected)
    assert ra.rows_loaded > 0 and ra.rows_rejected > 0
    assert content(a) == content(b)


@pytest.mark.parametrize("index", [0, 1, 2], ids=["events", "observations", "survey"])
def test_shuffled_copy_on_top_replaces_to_the_same_facts(files: list[Path], tmp_path: Path,
                                                          index: int) -> None:
    """A corrected file for the same services and periods replaces the earlier rows: loading a
    reordered copy over the original leaves the facts the original alone left."""
    original = files[index]
    once, twice = tmp_path / "once.duckdb", tmp_path / "twice.duckdb"
    load([original], db=once)
    [_, second] = load([original, shuffled(original, tmp_path / f"shuffled_{original.name}")], db=twice)
    assert second.status == "loaded_with_rejects" and second.rows_replaced == second.rows_loaded
    assert facts(once) == facts(twice)


def test_file_order_does_not_change_the_facts(files: list[Path], tmp_path: Path) -> None:
    forward, backward = tmp_path / "forward.duckdb", tmp_path / "backward.duckdb"
    load(files, db=forward)
    load(list(reversed(files)), db=backward)
    assert facts(forward) == facts(backward)
    assert content(forward) == content(backward)
