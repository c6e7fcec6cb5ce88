"""Reference tables, refreshed from the declarations in data/ on every write.

Agencies, services and channel labels are rules people change, so they live in readable files;
the warehouse copy is upserted (never pruned: services first seen in a published A-11 file stay).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from ingest.benchmarks import sync_benchmarks
from servicestat.config import DATA_DIR

FIRST_FISCAL_YEAR = 1990
LAST_FISCAL_YEAR = 2100


def normalise_label(label: str) -> str:
    """Lower-case, trim, treat `-`, `_` and spaces alike: 'Automated_Phone' -> 'automated phone'."""
    return re.sub(r"[\s_\-]+", " ", str(label).strip().lower())


@cache
def channel_aliases(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """Raw label (normalised) -> canonical channel, from data/channels.yaml."""
    spec = yaml.safe_load((data_dir / "channels.yaml").read_text())["channels"]
    out: dict[str, str] = {}
    for channel, entry in spec.items():
        out[normalise_label(channel)] = channel
        for alias in entry.get("aliases", []):
            out[normalise_label(alias)] = channel
    return out


@cache
def channel_labels(data_dir: Path = DATA_DIR) -> dict[str, str]:
    spec = yaml.safe_load((data_dir / "channels.yaml").read_text())["channels"]
    return {channel: entry["label"] for channel, entry in spec.items()}


@cache
def unit_aliases(data_dir: Path = DATA_DIR) -> dict[str, tuple[str, float]]:
    """Unit label (normalised) -> (canonical unit, factor into it), from data/units.yaml."""
    spec = yaml.safe_load((data_dir / "units.yaml").read_text())["units"]
    out: dict[str, tuple[str, float]] = {}
    for canonical, entry in spec.items():
        out[normalise_label(canonical)] = (canonical, 1.0)
        for alias, factor in entry["aliases"].items():
            out[normalise_label(str(alias))] = (canonical, float(factor))
    return out


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
            f"""
            INSERT INTO fiscal_calendar
            SELECT d::DATE,
                   year(d + INTERVAL 3 MONTH),
                   quarter(d + INTERVAL 3 MONTH),
                   month(d + INTERVAL 3 MONTH),
                   date_trunc('month', d)::DATE,
                   (date_trunc('quarter', d + INTERVAL 3 MONTH) - INTERVAL 3 MONTH)::DATE,
                   make_date(year(d + INTERVAL 3 MONTH) - 1, 10, 1)
            FROM range(DATE '{FIRST_FISCAL_YEAR - 1}-10-01', DATE '{LAST_FISCAL_YEAR}-10-01',
                       INTERVAL 1 DAY) t(d)
            """
        )
