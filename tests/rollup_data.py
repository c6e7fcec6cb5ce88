"""Small event sets for the Ibis rollup tests (DuckDB, Spark, CLI), with figures worked out by hand.

`hand_events()`: dos-ca phone calls on 2 Jan 2024 with waits 1, 2, 3, 4 and 10 minutes (the 10-minute
one abandoned), dos-ca letters received 2 Jan 2024 processed in 10 and 20 days plus one still pending,
and two ssa-oo online events on 3 Jan 2024. `HAND_VERSIONS`: a 3-minute wait standard on dos-ca phone
and a 14-day processing standard on dos-ca mail.

`random_events(n)`: seeded pseudo-random events over a few services, channels and days, with missing
waits, pending cases and every outcome, for engine-against-engine and engine-against-SQL comparisons.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

FAR = date(9999, 12, 31)
HAND_VERSIONS = pd.DataFrame(
    [("w3", "dos-ca", "phone", "wait_minutes", date(2024, 1, 1), FAR, 3.0),
     ("p14", "dos-ca", "mail", "processing_minutes", date(2024, 1, 1), FAR, 14 * 1440.0)],
    columns=["standard_id", "service_id", "channel", "measure", "version_from", "version_to",
             "threshold_minutes"],
)
COLUMNS = ["service_id", "channel", "received_at", "completed_at", "wait_minutes", "processing_minutes",
           "outcome", "load_id"]


def hand_events() -> pd.DataFrame:
    t = datetime(2024, 1, 2, 9, 0)
    rows = [("dos-ca", "phone", t + timedelta(minutes=i), None, w, None, o, 1)
            for i, (w, o) in enumerate([(1.0, "resolved_first_contact"), (2.0, "completed"),
                                        (3.0, "completed"), (4.0, "completed"), (10.0, "abandoned")])]
    for days in (10, 20):
        rows.append(("dos-ca", "mail", t, t + timedelta(days=days), None, days * 1440.0, "completed", 2))
    rows.append(("dos-ca", "mail", datetime(2024, 1, 2, 12, 0), None, None, None, None, 2))
    t3 = datetime(2024, 1, 3, 8, 0)
    rows += [("ssa-oo", "online", t3, t3 + timedelta(minutes=30), None, 30.0, "completed", 3),
             ("ssa-oo", "online", t3, None, None, None, "withdrawn", 3)]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for c in ("received_at", "completed_at"):
        frame[c] = pd.to_datetime(frame[c]).astype("datetime64[us]")
    for c in ("wait_minutes", "processing_minutes"):
        frame[c] = frame[c].astype("float64")
    return frame


def random_events(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    services = np.array(["dos-ca", "ssa-oo", "treas-irs"])
    channels = np.array(["phone", "mail", "online"])
    outcomes = np.array(["completed", "resolved_first_contact", "abandoned", "pending", "withdrawn", None],
                        dtype=object)
    received = (pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 20 * 86400, n), unit="s"))
    duration = rng.exponential(3 * 1440, n).round(2)
    outcome = outcomes[rng.integers(0, len(outcomes), n)]
    open_ = (outcome == "pending") | pd.isna(outcome)
    completed = pd.Series(received + pd.to_timedelta(duration, unit="m")).where(~open_)
    wait = pd.Series(rng.gamma(2.0, 2.0, n).round(1)).where(rng.random(n) > 0.2)
    frame = pd.DataFrame({
        "service_id": services[rng.integers(0, 3, n)], "channel": channels[rng.integers(0, 3, n)],
        "received_at": pd.Series(received).astype("datetime64[us]"),
        "completed_at": completed.astype("datetime64[us]"),
        "wait_minutes": wait.astype("float64"),
        "processing_minutes": pd.Series(duration).where(~open_).astype("float64"),
        "outcome": outcome, "load_id": rng.integers(1, 4, n).astype("int64"),
    })
    return frame[COLUMNS]


def random_versions() -> pd.DataFrame:
    return pd.DataFrame(
        [("w", "dos-ca", None, "wait_minutes", date(2024, 1, 1), date(2024, 1, 10), 4.0),
         ("w", "dos-ca", None, "wait_minutes", date(2024, 1, 11), FAR, 2.5),
         ("p", "ssa-oo", "mail", "processing_minutes", date(2023, 1, 1), FAR, 3 * 1440.0),
         ("p2", "treas-irs", "online", "processing_minutes", date(2024, 1, 5), FAR, 2 * 1440.0)],
        columns=HAND_VERSIONS.columns,
    )


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_parquet(path, index=False)
    return path
