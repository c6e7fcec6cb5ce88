"""Where things live. One place, so ingest, metrics and dashboard agree on paths."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"
DEFAULT_DB = DATA_DIR / "servicestat.duckdb"


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The warehouse file: an explicit path, else $SERVICESTAT_DB, else the embedded default."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("SERVICESTAT_DB")
    return Path(env) if env else DEFAULT_DB
