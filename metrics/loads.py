"""Load history and quarantine: what came in, when, and what was refused and why."""

from __future__ import annotations

import os

import pandas as pd

from metrics.db import reader


def loads(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    return reader(db).df(
        "SELECT load_id, file_name, sha256, kind, rows_read, rows_loaded, rows_rejected,"
        " rows_replaced, started_at, finished_at, status, synthetic, message"
        " FROM loads ORDER BY load_id"
    )


def rejects(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    return reader(db).df(
        "SELECT r.load_id, l.file_name, r.row_number, r.field, r.value, r.reason, r.raw_row,"
        " l.synthetic FROM rejects r JOIN loads l USING (load_id)"
        " ORDER BY r.load_id, r.row_number NULLS FIRST, r.field"
    )
