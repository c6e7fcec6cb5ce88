"""The same Ibis rollup on Apache Spark (local mode, loopback only) gives DuckDB's numbers.

Percentiles: Ibis compiles `quantile` to Spark's exact `percentile` (linear interpolation, as DuckDB's
`quantile_cont`), not `percentile_approx`, so counts must be equal and quantiles equal up to floating-point
rounding (asserted to 1e-9 relative). The session: `local[1]`, two shuffle partitions, no web UI, driver
bound to 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from ingest import ibis_rollup
from tests.rollup_data import HAND_VERSIONS, hand_events, random_events, random_versions, write_parquet
from tests.test_ibis_rollup import run_duckdb

pytestmark = pytest.mark.slow
pytest.importorskip("pyspark")


@pytest.fixture(scope="module")
def spark() -> Iterator[ibis_rollup.Engine]:
    eng = ibis_rollup.engine("spark", spark_master="local[1]", shuffle_partitions=2)
    conf = eng.session.sparkContext.getConf()
    assert conf.get("spark.driver.host") == "127.0.0.1" and conf.get("spark.ui.enabled") == "false"
    yield eng
    eng.session.stop()


def on_spark(eng: ibis_rollup.Engine, events: pd.DataFrame, versions: pd.DataFrame,
             tmp_path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    path = write_parquet(events, tmp_path / "spark_events.parquet")
    day, std = ibis_rollup.compute(eng, eng.read([str(path)]), versions)
    return day.to_pandas(), std.to_pandas()


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    keys = [c for c in a.columns if a[c].dtype != "float64" and c != "load_ids"]
    a = a.sort_values(keys).reset_index(drop=True)
    b = b[list(a.columns)].sort_values(keys).reset_index(drop=True)
    for frame in (a, b):
        for c in ("day", "version_from"):
            if c in frame:
                frame[c] = pd.to_datetime(frame[c])
        if "load_ids" in frame:
            frame["load_ids"] = frame["load_ids"].map(lambda x: [int(i) for i in x])
    pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-9, atol=0)


def test_spark_matches_duckdb_on_hand_figures(spark: ibis_rollup.Engine, tmp_path: Path) -> None:
    day, std = on_spark(spark, hand_events(), HAND_VERSIONS, tmp_path)
    phone = day.set_index(["service_id", "channel"]).loc[("dos-ca", "phone")]
    assert phone.wait_median == 3.0 and phone.wait_p90 == pytest.approx(7.6, rel=1e-12)
    assert std.set_index("standard_id").loc["p14", ["n", "within"]].tolist() == [3, 1]
    want_day, want_std = run_duckdb(hand_events(), HAND_VERSIONS, tmp_path)
    same(day, want_day)
    same(std, want_std)


def test_spark_matches_duckdb_on_random_events(spark: ibis_rollup.Engine, tmp_path: Path) -> None:
    events, versions = random_events(3000, seed=11), random_versions()
    day, std = on_spark(spark, events, versions, tmp_path)
    want_day, want_std = run_duckdb(events, versions, tmp_path)
    assert len(day) == len(want_day) > 150 and len(std) == len(want_std) > 50
    same(day, want_day)
    same(std, want_std)


def test_cli_rollup_on_spark_rebuilds_the_warehouse_tables(tmp_path: Path) -> None:
    """`servicestat rollup --engine spark` end to end (last here: it stops the shared session)."""
    from ingest.events_dataset import dataset_dir
    from ingest.loader import load
    from ingest.warehouse import writer
    from servicestat.cli import main
    from tests.conftest import FIXTURES, query

    db = tmp_path / "w.duckdb"
    load([FIXTURES / "metrics_events.csv"], db=db)
    before = query(db, "SELECT * FROM service_daily ORDER BY ALL")
    before_std = query(db, "SELECT * FROM service_daily_standard ORDER BY ALL")
    with writer(db) as con:
        con.execute("DELETE FROM service_daily")
        con.execute("DELETE FROM service_daily_standard")
    assert main(["rollup", "--engine", "spark", "--spark-master", "local[1]",
                 "--events", str(dataset_dir(db)), "--db", str(db)]) == 0
    assert query(db, "SELECT * FROM service_daily ORDER BY ALL") == before
    assert query(db, "SELECT * FROM service_daily_standard ORDER BY ALL") == before_std
