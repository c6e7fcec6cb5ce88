"""Named exports: plain tables that `servicestat export NAME` writes as CSV, JSON or Parquet.

A module registers a table with `@export("name")`; the function takes the warehouse path and
returns a DataFrame. Every export carries a `synthetic` column, true where a figure comes from
the generated demo data, so a downloaded file says so too.
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

ExportFn = Callable[[str | os.PathLike[str] | None], pd.DataFrame]
EXPORTS: dict[str, ExportFn] = {}

# Modules that register exports; each adds itself here.
EXPORT_MODULES: list[str] = ["metrics.loads", "metrics.survey_scores", "metrics.goals", "metrics.quality",
                             "metrics.standards", "metrics.survey", "metrics.catalogue", "metrics.reporting"]


def export(name: str) -> Callable[[ExportFn], ExportFn]:
    """Register `fn` as export `name`; what it returns is suppressed for the current viewer (small
    numbers, `metrics.suppression`), whoever calls it: the CLI, the API or a download link."""

    def register(fn: ExportFn) -> ExportFn:
        @functools.wraps(fn)
        def public_safe(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
            from metrics.suppression import export_for_viewer

            return export_for_viewer(fn, db)

        EXPORTS[name] = public_safe
        return public_safe

    return register


def available() -> dict[str, ExportFn]:
    for module in EXPORT_MODULES:
        importlib.import_module(module)
    return EXPORTS


def write(frame: pd.DataFrame, fmt: str, out: str | os.PathLike[str] | None) -> str | None:
    """Write a table; with no `out`, return the CSV or JSON text instead."""
    if fmt == "csv":
        text = frame.to_csv(index=False)
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
