"""``/download/<name>.<format>`` through the Flask test client: every table in every format, the
three formats hold the same rows, file names, clear 404/400/503 errors, and viewer scoping."""

from __future__ import annotations

import contextlib
import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from dashboard.downloads import label_suppressed
from metrics.access import OMB, PUBLIC, viewing
from metrics.registry import TABLES, open_tables
from metrics.suppression import suppressed_label
from tests.conftest import query

FORMATS = ("csv", "json", "parquet")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    from publish.demo import build_demo

    path = tmp_path_factory.mktemp("downloads") / "demo.duckdb"
    build_demo(path)
    return str(path)


@pytest.fixture(scope="module")
def client(demo_db):
    from dashboard.app import create_app

    return create_app(demo_db).server.test_client()


def _frames(client, name: str) -> dict[str, pd.DataFrame]:
    out = {}
    for fmt in FORMATS:
        response = client.get(f"/download/{name}.{fmt}")
        assert response.status_code == 200, (name, fmt, response.data[:200])
        assert response.headers["Content-Disposition"] == f'attachment; filename="servicestat-{name}.{fmt}"'
        body = response.data
        if fmt == "csv":
            assert response.mimetype == "text/csv"
            out[fmt] = pd.read_csv(io.BytesIO(body)) if body.strip() else pd.DataFrame()
        elif fmt == "json":
            assert response.mimetype == "application/json"
            out[fmt] = pd.DataFrame(json.loads(body))
        else:
            assert body[:4] == b"PAR1"
            out[fmt] = pq.read_table(io.BytesIO(body)).to_pandas()
    return out


def _same(a: object, b: object) -> bool:
    """Numbers equal to 1e-9 relative or 1e-10 absolute (JSON is written with 10 decimals), text exactly."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-10)
    return a == b


def _comparable(frame: pd.DataFrame) -> list[list[object]]:
    """Rows as text, numbers rounded, missing as '', so CSV, JSON and Parquet can be compared.

    A suppressed figure is the label in CSV and JSON and null in Parquet: both read as ''. A CSV
    column holding the label reads as text, so numeric text is read back as a number."""
    label = suppressed_label()

    def cell(value: object) -> object:
        if isinstance(value, str) and value == label:
            return ""
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = float(value)
        if isinstance(value, (list, np.ndarray)):
            return str(list(value))
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        if isinstance(value, (bool, np.bool_)):
            return str(bool(value))
        if isinstance(value, (int, float, np.integer, np.floating)):
            return float(value)
        text = str(value)
        try:  # dates and timestamps: ISO text in CSV/JSON, typed in Parquet; JSON keeps milliseconds
            return (pd.Timestamp(text).floor("ms").isoformat() if text[:2] in ("19", "20") and "-" in text[:8]
                    else text)
        except ValueError:
            return text
    return [[cell(v) for v in row] for row in frame.itertuples(index=False)]


def test_every_table_in_every_format_holds_the_same_rows(client, demo_db):
    names = sorted(open_tables(PUBLIC))  # the client is anonymous: the staff-only tables are 404s
    assert len(names) >= 20 and len(names) < len(TABLES)
    for name in names:
        frames = _frames(client, name)
        csv_rows = frames["csv"]
        for fmt in ("json", "parquet"):
            other = frames[fmt]
            assert len(other) == len(csv_rows), (name, fmt)
            if len(csv_rows):
                assert list(other.columns) == list(csv_rows.columns), (name, fmt)
                got, want = _comparable(other.astype(object)), _comparable(csv_rows.astype(object))
                diffs = [(i, col, g, w) for i, (grow, wrow) in enumerate(zip(got, want, strict=True))
                         for col, g, w in zip(csv_rows.columns, grow, wrow, strict=True) if not _same(g, w)]
                assert diffs == [], (name, fmt, diffs[:5])


def test_loads_download_equals_the_warehouse(client, demo_db):
    """Operator data: OMB's download holds every load; for the public there is no such download."""
    from dashboard.downloads import render

    for name in ("loads", "rejects", "findings"):
        answer = client.get(f"/download/{name}.csv")
        assert answer.status_code == 404 and f"no table named {name!r}" in answer.get_data(as_text=True)
    with viewing(OMB):
        frame = pd.read_csv(io.BytesIO(render("loads", "csv", demo_db)[0]))
    expected = query(Path(demo_db), "SELECT load_id, kind, rows_loaded FROM loads ORDER BY load_id")
    assert len(expected) >= 3
    assert [tuple(r) for r in frame[["load_id", "kind", "rows_loaded"]].itertuples(index=False)] == [
        tuple(r) for r in expected]


def test_benchmarks_download_gap_is_index_minus_acsi_from_the_csv(client):
    frame = _frames(client, "benchmarks")["csv"]
    row = frame[(frame["service_id"] == "dhs-tsa") & (frame["fiscal_year"] == 2024)].iloc[0]
    assert row["acsi_federal"] == 69.7  # data/benchmarks_acsi.csv, federal 2024
    assert row["gap_federal"] == pytest.approx(row["service_index"] - 69.7)
    assert row["service_index"] == pytest.approx((row["mean"] - 1) / 4 * 100)
    assert frame["synthetic"].all()


@pytest.mark.parametrize(("url", "status", "words"), [
    ("/download/nope.csv", 404, ["no table named 'nope'", "benchmarks"]),
    ("/download/benchmarks.xlsx", 400, ["unknown format 'xlsx'", "csv, json or parquet"]),
    ("/download/benchmarks", 404, ["not a download", "/download/<table>.<format>"]),
    ("/download/.csv", 404, ["not a download"]),
    ("/download/../../etc/passwd", 404, []),
    ("/download/benchmarks.csv.exe", 404, ["no table named 'benchmarks.csv'"]),
])
def test_bad_addresses_get_a_clear_error_never_a_500(client, url, status, words):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    for word in words:
        assert word in text


def test_missing_warehouse_is_503(tmp_path):
    # The route alone on a bare Flask app: the whole Dash app's first request also runs every page's
    # layout (Dash's validation), which is not what this test is about.
    import flask

    from dashboard.downloads import register_downloads

    server = flask.Flask(__name__)
    server.config["SERVICESTAT_DB"] = str(tmp_path / "absent.duckdb")
    register_downloads(server)
    response = server.test_client().get("/download/benchmarks.csv")
    assert response.status_code == 503
    assert "no warehouse" in response.get_data(as_text=True)


def test_downloads_are_scoped_to_the_viewer(demo_db):
    """The route reads through the metrics layer: the public gets published quarters only."""
    from dashboard.downloads import render

    with viewing(OMB):
        everything = pd.read_csv(io.BytesIO(render("survey-scores", "csv", demo_db)[0]))
    with viewing(PUBLIC):
        public = pd.read_csv(io.BytesIO(render("survey-scores", "csv", demo_db)[0]))
    unpublished = query(Path(demo_db), """
        SELECT count(*) FROM survey_results r LEFT JOIN reporting_state w
          ON w.service_id = r.service_id AND w.fiscal_year = r.fiscal_year AND w.quarter = r.quarter
        WHERE w.state IS DISTINCT FROM 'published'""")[0][0]
    assert unpublished > 0
    assert len(everything) == query(Path(demo_db), "SELECT count(*) FROM survey_results")[0][0]
    assert len(public) == len(everything) - unpublished


def test_suppressed_figures_read_the_label_in_text_formats():
    frame = pd.DataFrame({"service": ["a", "b"], "n": [pd.NA, 40], "share": [np.nan, 0.5],
                          "suppressed": [True, False]})
    labelled = label_suppressed(frame)
    label = suppressed_label()
    assert labelled.loc[0, "n"] == label and labelled.loc[0, "share"] == label
    assert labelled.loc[0, "service"] == "a"
    assert labelled.loc[1, "n"] == 40 and labelled.loc[1, "share"] == 0.5
