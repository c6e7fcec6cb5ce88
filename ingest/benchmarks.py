"""ACSI benchmarks: published satisfaction scores, declared in data/benchmarks_acsi.csv.

Figures a reader compares against must say where they come from, so every row carries its source
and whether it was published or derived (back-computed from a published change). The warehouse
copy is rebuilt from the file on every write, like the other reference tables; a malformed row
stops the write with its row and field, since the file is ours to fix.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import duckdb

from core.check_benchmarks import COLUMNS, SERIES, VALUE_TYPES
from core.fiscal import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR
from core.paths import DATA_DIR

BENCHMARKS_FILE = "benchmarks_acsi.csv"


class BenchmarkError(ValueError):
    """A row of data/benchmarks_acsi.csv that cannot be used as written."""


def read_benchmarks(path: Path) -> list[tuple]:
    """Validated rows, in COLUMNS order (segment and source_note None when blank)."""
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise BenchmarkError(f"{path.name}: missing column(s) {', '.join(missing)}")
        rows, seen = [], {}
        for number, raw in enumerate(reader, start=1):
            rows.append(_row(path.name, number, {k: (v or "").strip() for k, v in raw.items() if k}, seen))
    return rows


def _row(name: str, number: int, r: dict[str, str], seen: dict[tuple, int]) -> tuple:
    def bad(fld: str, why: str) -> BenchmarkError:
        return BenchmarkError(f"{name}, row {number}, field '{fld}': {why} (value {r.get(fld)!r})")

    if r["series"] not in SERIES:
        raise bad("series", f"unknown series; use one of {', '.join(SERIES)}")
    if not r["entity"]:
        raise bad("entity", "an entity is required")
    if not r["year"].isdigit() or not FIRST_FISCAL_YEAR <= int(r["year"]) <= LAST_FISCAL_YEAR:
        raise bad("year", f"a year between {FIRST_FISCAL_YEAR} and {LAST_FISCAL_YEAR} is required")
    try:
        score = float(r["score"])
    except ValueError:
        raise bad("score", "not a number") from None
    if not math.isfinite(score) or not 0 <= score <= 100:
        raise bad("score", "ACSI scores are 0-100")
    if r["value_type"] not in VALUE_TYPES:
        raise bad("value_type", "use published or derived")
    if r["value_type"] == "derived" and not r["source_note"].lower().startswith("derived"):
        raise bad("source_note", "a derived figure must say how it was derived ('derived: ...')")
    if not r["source_url"].startswith(("http://", "https://")):
        raise bad("source_url", "every figure needs the address it was published at")
    key = (r["series"], r["entity"], r["segment"], int(r["year"]), r["period"] or "annual")
    if key in seen:
        raise bad("year", f"the same figure is declared twice (first on row {seen[key]})")
    seen[key] = number
    return (*key[:2], r["segment"] or None, key[3], key[4], score, r["value_type"], r["source_url"],
            r["source_note"] or None)


def sync_benchmarks(con: duckdb.DuckDBPyConnection, data_dir: Path = DATA_DIR) -> int:
    """Replace the `benchmarks` table with the declared figures; returns how many there are."""
    rows = read_benchmarks(data_dir / BENCHMARKS_FILE)
    con.execute("DELETE FROM benchmarks")
    con.executemany(f"INSERT INTO benchmarks ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                    rows)
    return len(rows)
