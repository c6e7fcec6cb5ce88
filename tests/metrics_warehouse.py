"""Build small real warehouses for the metrics tests: files go through ingest.loader.load, then the
rollups are refreshed for the test's own standards (ingest does this after a service-events load
once wired; refreshing again is idempotent)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ingest.loader import load
from ingest.rollup import refresh
from tests.conftest import FIXTURES

DECL = FIXTURES / "metrics_declarations"
EVENTS = FIXTURES / "metrics_events.csv"
OBSERVATIONS = FIXTURES / "metrics_observations.csv"
SURVEY = FIXTURES / "metrics_survey.csv"


def build(db: Path, files: Iterable[Path], data_dir: Path = DECL, synthetic: bool = False) -> Path:
    results = load(list(files), db=db, synthetic=synthetic)
    assert [r.status for r in results] == ["loaded"] * len(results), [
        (r.file_name, r.status, [p.describe(r.file_name) for p in r.problems[:3]]) for r in results]
    assert refresh(db, data_dir=data_dir) == []
    return db
