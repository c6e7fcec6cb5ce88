"""ACSI benchmarks: the declared figures, their sources, and the warehouse table."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from core.paths import DATA_DIR
from ingest.benchmarks import BENCHMARKS_FILE, BenchmarkError, read_benchmarks, sync_benchmarks
from ingest.warehouse import writer
from metrics.db import reader
from tests.conftest import reference

REPO = Path(__file__).resolve().parents[1]
DECLARED = DATA_DIR / BENCHMARKS_FILE


def _reference() -> list[dict[str, str]]:
    with open(reference("acsi_benchmarks.csv"), newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_published_figure_is_declared_with_its_source():
    declared = {(r[0], r[1], r[2] or "", r[3], r[4]): r for r in read_benchmarks(DECLARED)}
    reference = _reference()
    assert len(declared) == len(reference) == 74
    for ref in reference:
        row = declared[(ref["series"], ref["entity"], ref["segment"], int(ref["year"]), ref["period"])]
        assert row[5] == float(ref["score"])
        assert (row[6], row[7]) == (ref["value_type"], ref["source_url"])
    assert {r[0] for r in declared.values()} >= {"federal_government_aggregate", "national_acsi",
                                                 "private_industry"}


def test_derived_figures_are_marked_and_reproduce_from_their_note():
    derived = [r for r in read_benchmarks(DECLARED) if r[6] == "derived"]
    assert [(r[0], r[3]) for r in derived] == [
        ("federal_government_aggregate", 2016), ("federal_government_aggregate", 2019),
        ("federal_government_aggregate", 2023)]
    for row in derived:  # "derived: 69.7/1.025" or "derived: 65.1/(1-0.044)"
        m = re.match(r"derived: ([0-9.]+)/(?:\(1-([0-9.]+)\)|([0-9.]+))", row[8])
        later, fall, ratio = m.groups()
        value = float(later) / (1 - float(fall)) if fall else float(later) / float(ratio)
        assert value == pytest.approx(row[5], abs=0.05), row


def test_published_changes_agree_with_the_previous_year():
    """'up 2.5%' in a note must match the figure of the year before (published or derived)."""
    fed = {r[3]: r for r in read_benchmarks(DECLARED) if r[0] == "federal_government_aggregate"}
    checked = 0
    for year, row in fed.items():
        m = re.match(r"(up|down) ([0-9.]+)%", row[8] or "")
        if m and year - 1 in fed:
            change = (row[5] / fed[year - 1][5] - 1) * 100
            assert change == pytest.approx(float(m[2]) * (1 if m[1] == "up" else -1), abs=0.15), year
            checked += 1
    assert checked == 7


def test_sync_fills_the_warehouse_table(tmp_path):
    db = tmp_path / "w.duckdb"
    with writer(db) as con:
        assert sync_benchmarks(con) == 74
        assert sync_benchmarks(con) == 74  # a second sync replaces, never duplicates
    frame = reader(db).df("SELECT * FROM benchmarks WHERE series = 'federal_government_aggregate'"
                          " ORDER BY year")
    assert len(frame) == 14
    last = frame.iloc[-1]
    assert (last.year, last.score, last.value_type) == (2024, 69.7, "published")
    assert last.source_url.startswith("https://theacsi.org/")
    assert frame[frame.year == 2019].value_type.item() == "derived"
    assert reader(db).df("SELECT count(*) AS n FROM benchmarks WHERE segment IS NULL").n.item() == 43


@pytest.mark.parametrize(("column", "value", "message"), [
    ("score", "120", "row 3, field 'score': ACSI scores are 0-100"),
    ("source_url", "", "row 3, field 'source_url': every figure needs the address"),
    ("value_type", "estimated", "row 3, field 'value_type': use published or derived"),
    ("source_note", "68 per fedweek", "row 3, field 'source_note': a derived figure must say how"),
    ("series", "federal", "row 3, field 'series': unknown series"),
])
def test_a_bad_declaration_names_row_and_field(tmp_path, column, value, message):
    with open(DECLARED, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[2][column] = value
    if column == "source_note":
        rows[2]["value_type"] = "derived"
    with open(tmp_path / BENCHMARKS_FILE, "w", newline="", encoding="utf-8") as fh:
        writer_ = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer_.writeheader()
        writer_.writerows(rows)
    con = duckdb.connect()
    con.execute("CREATE TABLE benchmarks (series VARCHAR, entity VARCHAR, segment VARCHAR, year INTEGER,"
                " period VARCHAR, score DOUBLE, value_type VARCHAR, source_url VARCHAR, source_note VARCHAR)")
    con.execute("INSERT INTO benchmarks VALUES ('national_acsi', 'x', NULL, 2020, 'annual', 1, 'published',"
                " 'https://x', NULL)")
    with pytest.raises(BenchmarkError, match=re.escape(message)):
        sync_benchmarks(con, tmp_path)
    assert con.execute("SELECT count(*) FROM benchmarks").fetchone() == (1,)  # left as it was


def test_a_figure_declared_twice_is_refused(tmp_path):
    shutil.copy(DECLARED, tmp_path / BENCHMARKS_FILE)
    with open(tmp_path / BENCHMARKS_FILE, "a", encoding="utf-8") as fh:
        fh.write("national_acsi,U.S. economy-wide (National ACSI),,2015,annual,70,published,https://x.org,\n")
    with pytest.raises(BenchmarkError, match="row 75, field 'year': the same figure is declared twice"
                                             r" \(first on row 15\)"):
        read_benchmarks(tmp_path / BENCHMARKS_FILE)
