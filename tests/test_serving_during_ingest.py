"""The dashboard never stops serving through an ingest: `servicestat serve` (gunicorn, real HTTP on
loopback) answers every request while `servicestat ingest` swaps in a new warehouse, and the new
load is visible afterwards without restarting anything.

The pages do not show warehouse figures yet, so the new figures are read in the test through
`metrics.db.reader` (a reader opened before the swap follows it) and `metrics.loads.loads`; nothing
is added to the app for the test. When the API lands, this test reads the figures through it.
"""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.ingest import generate_events_csv
from bench.serving import get
from ingest.loader import load
from metrics.db import reader
from metrics.loads import loads
from tests.conftest import FIXTURES
from tests.reliability import cli_popen, serving

PATHS = ("/", "/accessibility", "/_dash-layout", "/_dash-dependencies")
MAX_SECONDS = 60  # the client never runs longer than this, whatever happens
MAX_REQUESTS = 20_000
ROWS = 120_000


@dataclass
class Client:
    """Requests the pages in turn until told to stop; keeps every outcome with its time."""

    base: str
    stop: threading.Event = field(default_factory=threading.Event)
    served: list[tuple[float, str, int]] = field(default_factory=list)
    failed: list[tuple[float, str, str]] = field(default_factory=list)

    def run(self) -> None:
        deadline = time.monotonic() + MAX_SECONDS
        i = 0
        while not self.stop.is_set() and time.monotonic() < deadline and i < MAX_REQUESTS:
            path = PATHS[i % len(PATHS)]
            i += 1
            try:
                status, _ = get(self.base + path, timeout=10)
            except OSError as exc:
                self.failed.append((time.monotonic(), path, repr(exc)))
                continue
            if status == 200:
                self.served.append((time.monotonic(), path, status))
            else:
                self.failed.append((time.monotonic(), path, f"HTTP {status}"))

    def count_until(self, n: int, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while len(self.served) + len(self.failed) < n and time.monotonic() < deadline:
            time.sleep(0.05)


def test_requests_never_fail_while_ingest_swaps_the_warehouse(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    load([FIXTURES / "ingest" / "events_good.csv"], db=db)
    big = tmp_path / "events.csv"
    generate_events_csv(big, ROWS)
    follower = reader(db)  # opened before the swap, as a dashboard worker's would be
    assert follower.df("SELECT count(*) AS n FROM service_events")["n"][0] == 5

    with serving(db, log=tmp_path / "serve.log") as server:
        client = Client(server.url)
        thread = threading.Thread(target=client.run, daemon=True)
        thread.start()
        try:
            client.count_until(40)
            ingest = cli_popen("ingest", str(big), "--db", str(db), "--no-progress",
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            started = time.monotonic()
            _, err = ingest.communicate(timeout=120)
            finished = time.monotonic()
            assert ingest.returncode == 0, err.decode()
            client.count_until(len(client.served) + len(client.failed) + 40)
            assert server.proc.poll() is None, "the server went down during the ingest"
        finally:
            client.stop.set()
            thread.join(timeout=MAX_SECONDS)

    during = [t for t, _, _ in client.served if started <= t <= finished]
    print(f"\n{len(client.served)} requests served, {len(during)} during the {finished - started:.2f}s"
          f" ingest, {len(client.failed)} failed")
    assert client.failed == []
    assert len(during) >= 5, "the server did not answer while the ingest ran"
    assert {p for _, p, _ in client.served} == set(PATHS)
    # the new load is there for every reader, without a restart
    assert follower.df("SELECT count(*) AS n FROM service_events")["n"][0] == 5 + ROWS
    history = loads(db)
    assert list(history["file_name"]) == ["events_good.csv", "events.csv"]
    assert list(history["rows_loaded"]) == [5, ROWS]
