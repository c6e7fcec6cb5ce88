"""Reference tables, refreshed from the declarations in data/ on every write.

Agencies, services and channel labels are rules people change, so they live in readable files;
the warehouse copy is upserted (never pruned: services first seen in a published A-11 file stay).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from core.fiscal import CALENDAR_SQL
from core.paths import DATA_DIR
from core.vocab import channel_aliases, channel_labels
from ingest.benchmarks import sync_benchmarks


def sync(con: duckdb.DuckDBPyConnection, data_dir: Path = DATA_DIR) -> None:
    agencies = pd.read_csv(data_dir / "agencies.csv", dtype=str)
    services = pd.read_csv(data_dir / "services.csv", dtype=str)
    services["is_hisp"] = services["is_hisp"].str.lower().eq("true")
    con.register("_agencies", agencies)
    con.register("_services", services)
    con.execute(
        "INSERT OR REPLACE INTO agencies SELECT agency_id, department, department_abbreviation,"
        " bureau, bureau_abbreviation FROM _agencies"
    )
    con.execute(
        "INSERT OR REPLACE INTO services SELECT service_id, agency_id, name, is_hisp, url FROM _services"
    )
    con.unregister("_agencies")
    con.unregister("_services")
    con.executemany(
        "INSERT OR REPLACE INTO channels VALUES (?, ?)", list(channel_labels(data_dir).items())
    )
    con.executemany(
        "INSERT OR REPLACE INTO channel_aliases VALUES (?, ?)", list(channel_aliases(data_dir).items())
    )
    sync_benchmarks(con, data_dir)
    if con.execute("SELECT count(*) FROM fiscal_calendar").fetchone()[0] == 0:
        con.execute(
            "INSERT INTO fiscal_calendar " + CALENDAR_SQL
        )
