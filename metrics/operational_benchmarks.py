"""Private-sector contact-centre benchmarks beside the agency's own figure.

The figures are declared with their sources in data/benchmarks_operational.csv (checked by
core/check_operational_benchmarks.py): the 80/20 service-level convention, an average speed of answer
and an industry first-contact resolution rate. `operational_benchmarks` lists them in the metric's
display unit; `operational_comparison` puts each beside the agency's figure for a period where the
agency reports the measure (metrics.glance), with the gap and the comparability note. For service level
the agency's figure counts calls answered within its own standard's time: `agency_threshold` says
which, and `same_threshold` whether it is the benchmark's 20 seconds, so a page never implies a like-
for-like comparison that is not one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from core.check_operational_benchmarks import operational_benchmark_rows
from core.declarations import load_declarations
from core.paths import DATA_DIR
from core.units import in_unit
from metrics.glance import display_unit, service_glance

BENCHMARK_COLUMNS = ["measure", "metric", "label", "value", "unit", "threshold", "threshold_unit", "kind",
                     "publisher", "title", "year", "url", "comparability_note"]
COMPARISON_COLUMNS = [
    "service_id", "service", "period", "period_start", "measure", "label", "unit", "channel", "agency_value",
    "n", "benchmark_value", "gap", "direction", "benchmark_label", "kind", "threshold", "threshold_unit",
    "agency_threshold",
    "same_threshold", "publisher", "title", "year", "url", "comparability_note", "synthetic",
]


def operational_benchmarks(data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """The declared benchmarks, one row per measure, `value` in the metric's display unit."""
    decl = load_declarations(Path(data_dir))
    rows = []
    for b in operational_benchmark_rows(data_dir):
        unit = display_unit(decl, b.metric)
        rows.append({**b.model_dump(), "value": in_unit(b.value, b.unit, unit), "unit": unit})
    frame = pd.DataFrame(rows, columns=BENCHMARK_COLUMNS)
    frame["year"] = frame["year"].astype("Int64")
    return frame


def _threshold_text(value: float, unit: str) -> str:
    number = f"{value:g}"
    return f"{number} {unit.replace('_', ' ')}" if value != 1 else f"1 {unit.rstrip('s').replace('_', ' ')}"


def _agency_thresholds(data_dir: str | os.PathLike[str]) -> dict[tuple[str, str], tuple[str, float | None]]:
    """(service, reported metric) -> (its standard's threshold in words, in seconds when a time)."""
    out: dict[tuple[str, str], tuple[str, float | None]] = {}
    for s in load_declarations(Path(data_dir)).standards:  # later versions overwrite earlier ones
        for metric in s.reported:
            seconds = in_unit(s.threshold.value, s.threshold.unit, "seconds")
            out[(s.service, metric)] = (_threshold_text(s.threshold.value, s.threshold.unit), seconds)
    return out


def operational_comparison(db: str | os.PathLike[str] | None = None, grain: str = "quarter",
                           data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """Per service x period where the agency reports a benchmarked measure: its figure, the benchmark
    and the gap (agency minus benchmark, in the display unit; percentage points for shares as shares)."""
    bench = operational_benchmarks(data_dir)
    glance = service_glance(db, grain, data_dir=data_dir)
    rows = glance[glance["measure"].isin(bench["metric"])]
    out = rows.merge(bench.rename(columns={"value": "benchmark_value", "label": "benchmark_label",
                                           "unit": "bench_unit"}).drop(columns=["measure"]),
                     left_on="measure", right_on="metric", how="inner", suffixes=("", "_b"))
    out = out.rename(columns={"value": "agency_value"})
    out["gap"] = out["agency_value"] - out["benchmark_value"]
    thresholds = _agency_thresholds(data_dir)
    texts, same = [], []
    for service, metric, bench_t, bench_u in zip(out["service_id"], out["measure"], out["threshold"],
                                                 out["threshold_unit"], strict=True):
        text, seconds = thresholds.get((service, metric), (None, None))
        texts.append(text)
        wanted = None if pd.isna(bench_t) else in_unit(float(bench_t), str(bench_u), "seconds")
        same.append(None if wanted is None else (seconds is not None and abs(seconds - wanted) < 1e-9))
    out["agency_threshold"] = texts
    out["same_threshold"] = pd.Series(same, index=out.index, dtype="boolean")
    out["year"] = out["year"].astype("Int64")
    return out[COMPARISON_COLUMNS].sort_values(["service_id", "measure", "period_start"], ignore_index=True)
