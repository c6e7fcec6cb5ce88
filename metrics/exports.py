"""Writing a published table as CSV, JSON or Parquet, the same way on every surface.

The tables themselves are declared once, in `metrics.registry`; `available()` is kept here for the
callers (the archive, the tests) that take every table by name.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from core.safe_text import neutralise_frame
from metrics.registry import Builder, available

__all__ = ["Builder", "available", "write"]


def write(frame: pd.DataFrame, fmt: str, out: str | os.PathLike[str] | None) -> str | None:
    """Write a table; with no `out`, return the CSV or JSON text instead."""
    if fmt == "csv":
        text = neutralise_frame(frame).to_csv(index=False)
    elif fmt == "json":
        text = frame.to_json(orient="records", date_format="iso", date_unit="us", double_precision=15,
                             indent=1)
    elif fmt == "parquet":
        if out is None:
            raise ValueError("parquet needs --out FILE")
        frame.to_parquet(out, index=False)
        return None
    else:
        raise ValueError(f"unknown format {fmt!r}; use csv, json or parquet")
    if out is None:
        return text
    Path(out).write_text(text)
    return None
