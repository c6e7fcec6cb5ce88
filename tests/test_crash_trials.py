"""Crash safety: SIGKILL `servicestat ingest` at twenty seeded points spread over a whole load, from
just after the process starts to the final swap; each time the warehouse must open and hold exactly
the state before that load or the state after it, table by table, never anything in between.

A reference run of the same load first measures its phases on this machine: start-up (until the
writer creates its working copy), then the writer (copy, staging, checks, insert, checkpoint,
fsync) until the rename that publishes it. Kill points are spread over each phase and timed from
the start of that phase in the trial itself, so that a busy machine shifts them with the load
instead of pushing them all into start-up; a few are aimed at the rename. The after-state is
compared without `loads.started_at`/`finished_at`, which are wall-clock times.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.ingest import generate_events_csv
from ingest.loader import load
from tests.conftest import FIXTURES, copy_warehouse
from tests.reliability import DERIVED_AFTER_LOAD, LOAD_TIMES, cli_popen, table_checksums

ROWS = 150_000
STARTUP_TRIALS, WRITER_TRIALS, SWAP_TRIALS = 5, 11, 4  # 20 in all
SEED = 13571


@dataclass(frozen=True)
class Reference:
    """A warehouse before the load, the file to load, what a complete load leaves, and its phases."""

    before_db: Path
    big_csv: Path
    before: dict[str, str]
    after: dict[str, str]
    startup: float  # from Popen until the working copy exists
    writer: float  # from then until it is renamed over the live file


@dataclass(frozen=True)
class KillPoint:
    anchor: str  # "start": timed from Popen; "writer": from the working copy's appearance
    delay: float


def ingest(db: Path, csv: Path) -> subprocess.Popen:
    return cli_popen("ingest", str(csv), "--db", str(db), "--no-progress",
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def working_copy(db: Path) -> bool:
    return any(db.parent.glob(f"{db.name}.work-*"))


def wait_for_writer(db: Path, proc: subprocess.Popen, seconds: float = 60) -> bool:
    """Poll until the writer's working copy exists; False if the process ended first."""
    deadline = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < deadline:
        if working_copy(db):
            return True
        time.sleep(0.002)
    return False


def timed_reference_load(db: Path, csv: Path) -> tuple[float, float]:
    """Run the load to the end, noting when the working copy appears and when it is renamed."""
    t0 = time.monotonic()
    proc = ingest(db, csv)
    assert wait_for_writer(db, proc)
    appeared = time.monotonic()
    while proc.poll() is None and working_copy(db):
        time.sleep(0.002)
    renamed = time.monotonic()
    assert proc.wait(timeout=120) == 0
    return appeared - t0, renamed - appeared


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    folder = tmp_path_factory.mktemp("crash")
    before_db = folder / "before.duckdb"
    load([FIXTURES / "ingest" / "events_good.csv", FIXTURES / "ingest" / "observations.csv"], db=before_db)
    big = folder / "events.csv"
    generate_events_csv(big, ROWS)
    after_db = folder / "after.duckdb"
    copy_warehouse(before_db, after_db)
    startup, writer = timed_reference_load(after_db, big)
    return Reference(before_db, big, table_checksums(before_db, skip=DERIVED_AFTER_LOAD),
                     table_checksums(after_db, exclude=LOAD_TIMES, skip=DERIVED_AFTER_LOAD), startup, writer)


def kill_points(ref: Reference) -> list[KillPoint]:
    """Seeded: one point in each slice of start-up and of the writer, and a few around the rename."""
    rng = random.Random(SEED)
    points = [KillPoint("start", max(ref.startup * (i + rng.random()) / STARTUP_TRIALS, 0.01))
              for i in range(STARTUP_TRIALS)]
    points += [KillPoint("writer", ref.writer * (i + rng.random()) / WRITER_TRIALS)
               for i in range(WRITER_TRIALS)]
    points += [KillPoint("writer", max(ref.writer + rng.uniform(-0.05, 0.08), 0.0))
               for _ in range(SWAP_TRIALS)]
    return points


def kill_at(db: Path, csv: Path, point: KillPoint) -> bool:
    """Start the ingest, SIGKILL it at `point`; True if it died while its working copy existed."""
    proc = ingest(db, csv)
    if point.anchor == "writer":
        wait_for_writer(db, proc)
    time.sleep(point.delay)
    inside = False
    if proc.poll() is None:
        inside = working_copy(db)
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    return inside


def test_sigkill_at_any_point_leaves_before_or_after(reference: Reference, tmp_path: Path) -> None:
    points = kill_points(reference)
    outcomes: list[str] = []
    inside = 0
    for i, point in enumerate(points):
        db = tmp_path / f"trial{i}.duckdb"
        copy_warehouse(reference.before_db, db)
        inside += kill_at(db, reference.big_csv, point)
        # the warehouse opens, and it is one state or the other, every table of it
        label = f"{point.anchor}+{point.delay:.2f}s"
        if table_checksums(db, skip=DERIVED_AFTER_LOAD) == reference.before:
            outcomes.append(f"{label}:before")
        else:
            after = table_checksums(db, exclude=LOAD_TIMES, skip=DERIVED_AFTER_LOAD)
            assert after == reference.after, f"trial {i} at {label}"
            outcomes.append(f"{label}:after")
        db.unlink()
        for stale in tmp_path.glob(f"{db.name}.work-*"):
            stale.unlink()
    print(f"\n{len(points)} SIGKILL trials (start-up {reference.startup:.2f}s, writer"
          f" {reference.writer:.2f}s), {inside} inside the writer: {', '.join(outcomes)}")
    assert len(outcomes) == STARTUP_TRIALS + WRITER_TRIALS + SWAP_TRIALS == 20
    assert inside >= WRITER_TRIALS // 2, "the kills did not reach the writer; make the file bigger"


def test_next_writer_cleans_up_after_a_killed_one(reference: Reference, tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    copy_warehouse(reference.before_db, db)
    assert kill_at(db, reference.big_csv, KillPoint("writer", reference.writer / 3))
    assert table_checksums(db, skip=DERIVED_AFTER_LOAD) == reference.before
    assert working_copy(db)  # the dead writer's leftovers
    # the same load, run again after the crash, cleans them up and gives exactly the after-state
    assert ingest(db, reference.big_csv).wait(timeout=120) == 0
    assert not working_copy(db)
    assert table_checksums(db, exclude=LOAD_TIMES, skip=DERIVED_AFTER_LOAD) == reference.after
