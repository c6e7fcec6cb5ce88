"""The benchmark suite's one printed table (bench.suite.Report.table), on rows written by hand.

The suite itself is run by `make bench`, never by the tests: it takes minutes and measures the machine.
"""

from __future__ import annotations

from bench.suite import Report


def test_the_table_pads_every_column_to_its_widest_cell() -> None:
    report = Report()
    report.add("ingest", "rows/s, 100 rows CSV", "1,000", "3,000 (read_csv)", 1 / 3, "<= 1.5x", "time ratio")
    report.add("spark", "daily rollup on Spark", "-", "-", None, "reported", note="pyspark not installed")
    assert report.table().splitlines() == [
        "| section | measure               | ServiceStat | reference        | ratio | aim      | note"
        "                  |",
        "|---------|-----------------------|-------------|------------------|-------|----------|--------"
        "---------------|",
        "| ingest  | rows/s, 100 rows CSV  | 1,000       | 3,000 (read_csv) | 0.33x | <= 1.5x  | time ratio"
        "            |",
        "| spark   | daily rollup on Spark | -           | -                | -     | reported | pyspark not"
        " installed |",
    ]


def test_a_wide_ratio_and_an_empty_note_keep_the_columns_aligned() -> None:
    report = Report()
    report.add("load", "p95, 50 users vs 1", "120 ms", "10 ms", 12.0, "<= 3x")
    assert report.table().splitlines() == [
        "| section | measure            | ServiceStat | reference | ratio  | aim   | note |",
        "|---------|--------------------|-------------|-----------|--------|-------|------|",
        "| load    | p95, 50 users vs 1 | 120 ms      | 10 ms     | 12.00x | <= 3x |      |",
    ]
