"""The real-data example (`servicestat demo --real`): only the public files of data/public/, loaded as
real (not synthetic), every service-quarter published under the name of its source.

Expected figures are counted from the shipped CSV here with the csv module, or taken from the
published file (VA VHA FY2021 Q2 email trust: counts 3798 / 5267 / 22026 / 80315 / 209573, point
scale 4.52), never from the code under test.
"""

from __future__ import annotations

import csv
import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from publish.real_demo import PUBLIC_DATA, PUBLISHER, RealDataError, build_real_demo, read_sources
from tests.conftest import REFERENCE, query

A11 = PUBLIC_DATA / "a11_cx_fy2021.csv"
GPRA = PUBLIC_DATA / "gpra_apr_sample.csv"
A11_SOURCE = ("GSA/HISP-CX-Data, mergedcxdata-2023-05-21.csv (commit e9b2def), the FY2021 rows only,"
              " https://github.com/GSA/HISP-CX-Data")
PLACEHOLDERS = {"", "none", "n/a", "no question"}
#: VA VHA, email, FY2021 Q2, question 2 (trust), as published.
VHA_TRUST_COUNTS = (3798, 5267, 22026, 80315, 209573)


def a11_rows() -> list[dict[str, str]]:
    with open(A11, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def questions(row: dict[str, str]) -> list[int]:
    """The question slots of a row that hold a question (placeholders and blanks hold none)."""
    return [k for k in range(1, 12)
            if (row.get(f"attributes_q{k}_text") or "").strip().lower() not in PLACEHOLDERS]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The example built by the command a user runs (no server)."""
    db = tmp_path_factory.mktemp("real-demo") / "real.duckdb"
    proc = subprocess.run([sys.executable, "-m", "servicestat.cli", "demo", "--real", "--no-serve",
                           "--db", str(db)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return db, proc


def test_only_the_two_public_files_are_shipped_each_with_its_source() -> None:
    assert sorted(p.name for p in PUBLIC_DATA.iterdir()) == ["SOURCES.md", "a11_cx_fy2021.csv",
                                                               "gpra_apr_sample.csv"]
    sources = read_sources()
    assert sources == {"a11_cx_fy2021.csv": A11_SOURCE,
                       "gpra_apr_sample.csv": "GSA FY2018 APR complete data, https://www.performance.gov/"}
    text = (PUBLIC_DATA / "SOURCES.md").read_text()
    assert "public U.S. government data" in text
    for path in (A11, GPRA):  # unchanged since published: the digests SOURCES.md records
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert re.search(rf"`{re.escape(path.name)}`: `{digest}`", text), path.name
        if (REFERENCE / path.name).exists():
            assert path.read_bytes() == (REFERENCE / path.name).read_bytes()


def test_the_command_says_what_it_loaded_and_published(built) -> None:
    db, proc = built
    out = " ".join(proc.stderr.split())  # rich wraps long lines
    assert "(public data, not synthetic)" in out
    assert f"a11_cx_fy2021.csv: a11-cx, 188 of 188 rows loaded; source: {A11_SOURCE}" in out
    assert "gpra_apr_sample.csv: gpra-apr, 40 of 40 rows loaded; source: GSA FY2018 APR" in out
    published = len(query(db, "SELECT * FROM reporting_state WHERE state = 'published'"))
    assert published > 0
    assert f"published {published} service-quarter(s) (FY2021 Q1, FY2021 Q2, FY2021 Q3, FY2021 Q4);" \
           " public archive: 4 quarter(s)" in out


def test_only_real_loads(built) -> None:
    db, _ = built
    assert query(db, "SELECT file_name, status, synthetic, rows_read, rows_loaded, rows_rejected FROM loads"
                     " ORDER BY load_id") == [("a11_cx_fy2021.csv", "loaded", False, 188, 188, 0),
                                              ("gpra_apr_sample.csv", "loaded", False, 40, 40, 0)]
    for table in ("service_events", "metric_observations", "survey_mentions"):
        assert query(db, f"SELECT count(*) FROM {table}") == [(0,)], table


def test_every_a11_collection_and_question_and_every_gpra_row_is_there(built) -> None:
    db, _ = built
    rows = a11_rows()
    assert len(rows) == 188
    with_questions = [r for r in rows if questions(r)]
    # 3 CBP rows hold no question at all (texts 'none' or blank): nothing of them can be stored
    assert len(with_questions) == 185
    assert query(db, "SELECT count(DISTINCT (service_id, channel_raw, touchpoint, fiscal_year, quarter)),"
                     " count(*) FROM survey_results") == [(185, sum(len(questions(r)) for r in rows))]
    assert query(db, "SELECT DISTINCT fiscal_year, quarter FROM survey_results ORDER BY ALL") == [
        (2021, 1), (2021, 2), (2021, 3), (2021, 4)]
    assert query(db, "SELECT count(*), count(DISTINCT indicator), min(fiscal_year), max(fiscal_year)"
                     " FROM gpra_indicators") == [(40, 6, 2011, 2020)]


def test_vha_email_trust_fy2021_q2_as_published(built) -> None:
    db, _ = built
    got = query(db, "SELECT count_1, count_2, count_3, count_4, count_5, n, agree, published_mean FROM"
                    " survey_results WHERE service_id = 'va-vha' AND channel = 'email' AND driver = 'trust'"
                    " AND fiscal_year = 2021 AND quarter = 2")
    n = sum(VHA_TRUST_COUNTS)
    assert n == 320_979
    assert got == [(*VHA_TRUST_COUNTS, n, 80315 + 209573, 4.52)]


def test_every_service_quarter_is_published_naming_the_source(built) -> None:
    db, _ = built
    loaded = query(db, "SELECT DISTINCT service_id, fiscal_year, quarter FROM survey_results ORDER BY ALL")
    # 188 rows, 185 of them with questions, of 1 to 4 channels (rows) per service and quarter
    assert 185 / 4 < len(loaded) <= 185
    assert query(db, "SELECT service_id, fiscal_year, quarter FROM reporting_state WHERE state = 'published'"
                     " ORDER BY ALL") == loaded
    assert query(db, "SELECT count(*) FROM reporting_state WHERE state <> 'published'") == [(0,)]
    history = query(db, "SELECT service_id, fiscal_year, quarter, list(from_state ORDER BY seq),"
                        " list(to_state ORDER BY seq), list(DISTINCT moved_by), list(DISTINCT reason)"
                        " FROM reporting_history GROUP BY ALL ORDER BY ALL")
    assert [h[:3] for h in history] == loaded
    for *_, froms, tos, by, reasons in history:
        assert (froms, tos, by) == ([None, "submitted"], ["submitted", "published"], [PUBLISHER])
        assert reasons == [f"public record: {A11_SOURCE}"]


def test_the_public_sees_real_figures_without_the_synthetic_banner(built) -> None:
    """The banner shows when a frame on the page has a synthetic row (dashboard.components.any_synthetic);
    here every frame the public gets is real, and the VHA trust share is the published one."""
    from dashboard.components import any_synthetic
    from metrics.access import PUBLIC, viewing
    from metrics.survey import driver_scores

    db, _ = built
    with viewing(PUBLIC):
        frame = driver_scores(str(db))
    assert len(frame) and not any_synthetic(frame)
    vha = frame[(frame.service_id == "va-vha") & (frame.channel == "email") & (frame.driver == "trust")
                & (frame.period == "FY2021 Q2")].iloc[0]
    assert vha["n"] == 320_979
    assert vha["agree_share"] == pytest.approx(289_888 / 320_979)
    assert vha["mean"] == pytest.approx((3798 + 2 * 5267 + 3 * 22026 + 4 * 80315 + 5 * 209573) / 320_979)
    # the public's "where this comes from" names the published file and links to where it lives
    from metrics.provenance import published_sources

    with viewing(PUBLIC):
        sources = published_sources(str(db), frame)
    assert list(zip(sources["source"], sources["url"], strict=True)) == [
        (A11_SOURCE, "https://github.com/GSA/HISP-CX-Data")]


def test_each_published_quarter_is_archived(built) -> None:
    db, _ = built
    root = db.with_name(db.name + ".archive")
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == [f"FY2021-Q{q}" for q in (1, 2, 3, 4)]
    for q in (1, 2, 3, 4):
        assert (root / f"FY2021-Q{q}" / "v1" / "manifest.json").is_file()


def test_rebuild_replaces_the_warehouse_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    db = tmp_path / "real.duckdb"
    db.write_bytes(b"not a warehouse")  # whatever was there is replaced, not appended to
    built = build_real_demo(db, archive=False)
    assert [r.status for r in built.results] == ["loaded", "loaded"]
    assert query(db, "SELECT count(*), bool_or(synthetic) FROM loads") == [(2, False)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["real.duckdb", "real.duckdb.lock"]


def test_a_file_without_a_source_is_refused_and_the_old_warehouse_kept(tmp_path: Path) -> None:
    db = tmp_path / "real.duckdb"
    db.write_bytes(b"previous")
    with pytest.raises(RealDataError, match="no source is named for gpra_apr_sample.csv"):
        build_real_demo(db, files=[A11, GPRA], sources={"a11_cx_fy2021.csv": A11_SOURCE})
    assert db.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["real.duckdb"]


def test_a_file_that_does_not_load_fully_is_an_error_and_the_old_warehouse_kept(tmp_path: Path) -> None:
    rows = [r for r in a11_rows() if questions(r)][:3]
    rows[1]["attributes_collection_year"] = "twenty-one"
    bad = tmp_path / "in" / "a11_bad.csv"
    bad.parent.mkdir()
    with open(bad, "w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(rows)
    db = tmp_path / "real.duckdb"
    db.write_bytes(b"previous")
    with pytest.raises(RealDataError, match=r"a11_bad.csv: loaded_with_rejects \(1 of 3 rows rejected\)"):
        build_real_demo(db, files=[bad], sources={"a11_bad.csv": "a test"})
    assert db.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "real.duckdb"]


def test_a_quarter_that_cannot_be_archived_leaves_the_old_warehouse(tmp_path: Path, monkeypatch) -> None:
    from publish import real_demo

    real_stage = real_demo.stage

    def stage(db, fiscal_year, quarter, source=None):
        if quarter == 3:  # the first two quarters are staged, then this one fails
            raise real_demo.ArchiveError(f"FY{fiscal_year} Q3: table survey-scores could not be written")
        return real_stage(db, fiscal_year, quarter, source=source)

    monkeypatch.setattr(real_demo, "stage", stage)
    db = tmp_path / "real.duckdb"
    db.write_bytes(b"previous")
    with pytest.raises(RealDataError, match="nothing was replaced: FY2021 Q3: table survey-scores"):
        build_real_demo(db)
    assert db.read_bytes() == b"previous"
    leftovers = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file() or
                 p.name.startswith(".staged")]
    assert sorted(p for p in leftovers if not p.endswith(".lock")) == ["real.duckdb"]
