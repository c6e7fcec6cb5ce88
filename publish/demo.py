"""Synthetic demonstration data: agency-style files for the 25 HISP services, FY2023-FY2025.

The model, briefly. Each service (data/services.csv) has a profile below: the channels it uses
and, per channel, its share of transactions, how long customers wait (phone and in-person queues,
lognormal) and how long the request takes to complete (lognormal: minutes for a call or an online
session, weeks for a passport, months for a trademark). Monthly volumes follow a seasonal pattern
(filing season, open enrollment, spring travel, summer parks) and a slow digital shift; waits and
processing times rise with the seasonal load (an elasticity) and drift by a per-service trend, so a
few services get worse (VBA and USCIS call centers) or better (IRS phone, passport processing) and
standards are sometimes missed. A few historical episodes are written in as overrides: the FY2023
spring passport surge, the FAFSA relaunch of FY2024, the autumn 2024 hurricanes.

From that one model three kinds of file are written, in the formats of `ingest.kinds`:

* service-events, one file per fiscal year: a sample of individual transactions
  (`events_per_service_month` per service and month on average). Callers hang up when their
  patience (exponential) runs out before the wait ends; requests that would finish after
  30 Sep 2025 are `pending`.
* metric-observations, one file: monthly figures at full volume (transactions, backlog by Little's
  law, abandonment, first-contact resolution, calls answered within the standard, completion rate,
  digital take-up, cost per transaction), written the way agencies write them (thousands
  separators, percentages, dollar signs, assorted unit words from data/units.yaml).
* survey-results, one file: the A-11 Section 280 quarterly form, seven drivers per service x
  channel x quarter, answer counts drawn from a logit model of the top-2-box share (service level,
  channel and driver offsets - trust lowest -, drift, a few deliberate shocks so significant movers
  exist, and two cells with fewer than ten respondents).

Everything is drawn from numpy generators keyed by (seed, service, channel, purpose), so the same
seed writes the same bytes. Nothing is dated after FY2025, which ended before this was written.

Where each part lives: publish.demo_profiles (the services), publish.demo_model (volumes and the
draws of each transaction), one generator per kind of file (publish.demo_events, demo_metrics,
demo_survey); here, the files written together (`generate`), the demo's reporting workflow and the
build of the warehouse (`build_demo`).
"""

from __future__ import annotations

import csv
import fcntl
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from core.fiscal import quarter_bounds
from core.paths import DATA_DIR
from ingest import events_dataset
from ingest.loader import LoadResult, load
from publish.alerts import refresh as refresh_alerts
from publish.demo_events import day_tables, events_table, write_events
from publish.demo_metrics import observation_rows
from publish.demo_profiles import FIRST_FY, GENERIC, N_FY, PROFILES
from publish.demo_survey import answer_rows
from publish.workflow import Move, move_many

# Raw channel labels, three agency styles (all in data/channels.yaml).
LABELS = (
    {"online": "online", "phone": "phone", "in-person": "in-person", "mail": "mail"},
    {"online": "Web", "phone": "Telephone", "in-person": "Walk-in", "mail": "Paper"},
    {"online": "Online", "phone": "Call Center", "in-person": "Field Office", "mail": "Postal Mail"},
)


def _services() -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / "services.csv", dtype=str)


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def generate(out_dir: Path, seed: int = 13571, events_per_service_month: int = 450) -> list[Path]:
    """Write the demo files into `out_dir` (created if needed) and return their paths, in load order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    services = _services()
    days = day_tables()
    labels = {sid: LABELS[i % len(LABELS)] for i, sid in enumerate(services["service_id"])}
    events, metric_rows, survey_rows = [], [], []
    for idx, (sid, name) in enumerate(zip(services["service_id"], services["name"], strict=True)):
        svc = PROFILES.get(sid, GENERIC)
        events.append(events_table(seed, idx, sid, svc, events_per_service_month, labels[sid], days))
        metric_rows += observation_rows(seed, idx, sid, svc, labels[sid])
        survey_rows += answer_rows(seed, idx, sid, svc, name)
    table = pa.concat_tables(events)
    months = table["received"].to_numpy().astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
    fiscal_year = 1970 + (months + 3) // 12  # months since January 1970; October opens the next FY
    paths = []
    for fy in range(FIRST_FY, FIRST_FY + N_FY):
        path = out_dir / f"service_events_fy{fy}.csv"
        write_events(table.filter(pa.array(fiscal_year == fy)), path, fy)
        paths.append(path)
    path = out_dir / f"operational_metrics_fy{FIRST_FY}-fy{FIRST_FY + N_FY - 1}.csv"
    _write_csv(path, ["service_id", "channel", "period", "metric", "value", "unit", "n"], metric_rows)
    paths.append(path)
    path = out_dir / f"a11_cx_quarterly_fy{FIRST_FY}-fy{FIRST_FY + N_FY - 1}.csv"
    _write_csv(path, ["service_id", "channel", "touchpoint", "fiscal_year", "quarter", "question_number",
                      "question_text", "driver", "count_1", "count_2", "count_3", "count_4", "count_5",
                      "published_mean", "volume_served", "volume_offered", "volume_responded"], survey_rows)
    paths.append(path)
    return paths


# The reporting workflow of the demo (A-11 quarterly reporting): every service-quarter is published
# except the last quarter of the data, where agencies are at different steps, and one quarter that
# one service did not report.
NOT_REPORTED = ("usda-nrcs", 2024, 2)
OMB_REVIEWER = "OMB reviewer (demo)"


def reporting_moves() -> list[Move]:
    """Who moved each service-quarter, when and why; deterministic, dated after each quarter ends."""
    services = _services()
    moves: list[Move] = []
    quarters = [(FIRST_FY + i // 4, i % 4 + 1) for i in range(4 * N_FY)]
    for idx, (sid, agency) in enumerate(zip(services["service_id"], services["agency_id"], strict=True)):
        lead = f"{agency} CX lead (demo)"
        for fy, q in quarters:
            end = quarter_bounds(fy, q)[1]
            at = pd.Timestamp(end) + pd.Timedelta(days=15 + (idx * 7 + q) % 20, hours=10)
            if (sid, fy, q) == NOT_REPORTED:
                moves.append(Move("not_reported", sid, fy, q, lead, "survey vendor contract lapsed; no "
                                  "responses were collected this quarter", at.to_pydatetime()))
                continue
            moves.append(Move("submitted", sid, fy, q, lead, None, at.to_pydatetime()))
            if (fy, q) == quarters[-1]:  # the last quarter: under way
                step = idx % 3
                if step == 1:
                    moves[-1] = Move("draft", sid, fy, q, lead, None, at.to_pydatetime())
                elif step == 2:
                    moves.append(Move("change_requested", sid, fy, q, OMB_REVIEWER, "response counts do not "
                                      "add up to respondents for the phone channel; please correct and "
                                      "resubmit", (at + pd.Timedelta(days=9)).to_pydatetime()))
                continue
            if idx % 7 == 3 and q == 2:  # now and then a quarter goes back once before publication
                moves.append(Move("change_requested", sid, fy, q, OMB_REVIEWER, "question texts differ from "
                                  "the A-11 form; please confirm",
                                  (at + pd.Timedelta(days=6)).to_pydatetime()))
                moves.append(Move("submitted", sid, fy, q, lead, "question texts confirmed",
                                  (at + pd.Timedelta(days=12)).to_pydatetime()))
            moves.append(Move("published", sid, fy, q, OMB_REVIEWER, None,
                              (at + pd.Timedelta(days=20)).to_pydatetime()))
    return moves


def build_demo(db: Path, seed: int = 13571) -> list[LoadResult]:
    """Generate the demo files and load them (marked synthetic) into a fresh warehouse at `db`.

    The warehouse is built in a new file next to `db` and swapped in, so a rebuild starts clean
    and readers see the old warehouse or the new one. Raises RuntimeError if any file does not
    load cleanly: the generator must produce clean data.
    """
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    fresh = db.with_name(f"{db.name}.demo-{os.getpid()}")
    extras = [fresh.with_name(fresh.name + suffix) for suffix in ("", ".lock", ".wal")]
    for p in extras:
        p.unlink(missing_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="servicestat-demo-"))
    try:
        files = generate(tmp, seed=seed)
        results = load(files, db=fresh, synthetic=True, show_progress=False)
        bad = [r for r in results if r.status != "loaded"]
        if bad:
            lines = [f"{r.file_name}: {r.status} ({r.rows_rejected} of {r.rows_read} rows rejected)"
                     + "".join(f"\n  {p.describe(r.file_name)}" for p in r.problems[:5]) for r in bad]
            raise RuntimeError("the demo data did not load cleanly:\n" + "\n".join(lines))
        move_many(fresh, reporting_moves(), archive=False)
        refresh_alerts(fresh)  # the demo opens with the alerts its figures raise
        with open(db.with_name(db.name + ".lock"), "a+") as lock:  # wait for any writer of `db`
            fcntl.flock(lock, fcntl.LOCK_EX)
            db.with_name(db.name + ".wal").unlink(missing_ok=True)
            events_dataset.move(fresh, db)  # the Parquet events written beside the fresh file
            os.replace(fresh, db)
        return results
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(events_dataset.dataset_dir(fresh), ignore_errors=True)
        for p in extras:
            p.unlink(missing_ok=True)
