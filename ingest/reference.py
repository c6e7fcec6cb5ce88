"""Reference tables, refreshed from the declarations in data/ on every write.

Agencies, providers, services, service aliases and channel labels are rules people change, so they
live in readable files; the warehouse copy of agencies, providers and services is upserted (never
pruned: services first seen in a published A-11 file stay), while the aliases are replaced whole
(nothing refers to an alias, and a withdrawn alias must stop matching).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from core.fiscal import CALENDAR_SQL
from core.paths import DATA_DIR, data_file
from core.vocab import channel_aliases, channel_labels
from ingest.benchmarks import sync_benchmarks

SERVICE_COLUMNS = ("service_id", "agency_id", "name", "is_hisp", "url", "provider_id", "successor_of")


def _csv(name: str, data_dir: Path) -> pd.DataFrame:
    """A declaration table with blank cells as NULL and surrounding spaces trimmed."""
    frame = pd.read_csv(data_file(name, data_dir), dtype=str, keep_default_na=False)
    frame = frame.apply(lambda col: col.str.strip())
    return frame.replace("", None)


def sync(con: duckdb.DuckDBPyConnection, data_dir: Path = DATA_DIR) -> None:
    agencies = _csv("agencies.csv", data_dir)
    providers = _csv("providers.csv", data_dir)
    services = _csv("services.csv", data_dir)
    aliases = _csv("service_aliases.csv", data_dir)
    for col in SERVICE_COLUMNS:  # a folder of test declarations may predate the newer columns
        if col not in services.columns:
            services[col] = None
    services["is_hisp"] = services["is_hisp"].fillna("").str.lower().eq("true")
    con.register("_agencies", agencies)
    con.register("_providers", providers)
    con.register("_services", services)
    con.register("_aliases", aliases)
    try:
        con.execute(
            "INSERT OR REPLACE INTO agencies SELECT agency_id, department, department_abbreviation,"
            " bureau, bureau_abbreviation FROM _agencies"
        )
        con.execute(
            "INSERT OR REPLACE INTO providers (provider_id, agency_id, name, aliases)"
            " SELECT provider_id, agency_id, name, aliases FROM _providers"
        )
        con.execute(
            f"INSERT OR REPLACE INTO services ({', '.join(SERVICE_COLUMNS)})"
            f" SELECT {', '.join(SERVICE_COLUMNS)} FROM _services"
        )
        con.execute("DELETE FROM service_aliases")
        con.execute(
            "INSERT INTO service_aliases SELECT DISTINCT ON (lower(alias)) alias, service_id, note"
            " FROM _aliases WHERE alias IS NOT NULL"
        )
    finally:
        for name in ("_agencies", "_providers", "_services", "_aliases"):
            con.unregister(name)
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
