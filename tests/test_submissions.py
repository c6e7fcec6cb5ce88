"""POST /api/v1/submissions: agency token, the same load as `servicestat ingest`, nothing written
when refused, a size limit."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from dashboard.auth import add_token
from servicestat.cli import main
from tests.conftest import copy_warehouse, query, write
from tests.web_support import demo_db, make_app

__all__ = ["demo_db"]

GOOD = """event_id,service_id,channel,received_at,completed_at,wait_minutes,outcome
API-1,dos-ca,phone,2026-02-06 09:00:00,2026-02-06 09:20:00,3.5,completed
API-2,dos-ca,online,2026-02-06 10:00:00,2026-02-06 10:05:00,1.0,completed
API-3,dos-ca,mail,2026-02-07 11:00:00,,,pending
"""
BAD = """event_id,service_id,channel,received_at,completed_at,wait_minutes,outcome
B-1,dos-ca,phone,2026-03-03 09:00:00,2026-03-03 08:00:00,3,completed
B-2,dos-ca,telepathy,2026-03-03 09:00:00,,1,completed
B-3,no-such-service,phone,2026-03-03 09:00:00,,1,completed
B-4,dos-ca,phone,not a date,,1,completed
B-5,dos-ca,phone,2026-03-03 10:00:00,,2,completed
"""
OTHER_AGENCY = """event_id,service_id,channel,received_at,wait_minutes
X-1,dos-ca,phone,2026-04-03 09:00:00,1
X-2,va-vba,phone,2026-04-03 09:00:00,1
"""


@pytest.fixture(scope="module")
def setup(tmp_path_factory, demo_db):
    folder = tmp_path_factory.mktemp("submissions")
    db = folder / "warehouse.duckdb"
    copy_warehouse(demo_db, db)
    app = make_app(db, folder)
    tokens = {"dos": add_token(folder / "tokens.yaml", "dos-ca"),
              "va": add_token(folder / "tokens.yaml", "va-vba")}
    return app, db, tokens, folder


def post(app, token: str | None, files: list[tuple[str, str]], **form):
    data = {**form, "file": [(__import__("io").BytesIO(text.encode()), name) for name, text in files]}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return app.server.test_client().post("/api/v1/submissions", data=data, headers=headers,
                                         content_type="multipart/form-data")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_good_file_lands(setup):
    app, db, tokens, _ = setup
    before = query(db, "SELECT count(*) FROM service_events WHERE service_id = 'dos-ca'")[0][0]
    response = post(app, tokens["dos"], [("passport-jan.csv", GOOD)])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["agency_id"] == "dos-ca" and body["ok"] is True
    (result,) = body["files"]
    assert (result["file_name"], result["status"], result["rows_read"], result["rows_loaded"],
            result["rows_rejected"]) == ("passport-jan.csv", "loaded", 3, 3, 0)
    after = query(db, "SELECT count(*) FROM service_events WHERE service_id = 'dos-ca'")[0][0]
    assert after == before + 3
    assert query(db, "SELECT file_name, status FROM loads ORDER BY load_id DESC LIMIT 1")[0] == (
        "passport-jan.csv", "loaded")


def test_bad_file_gets_the_same_messages_as_the_cli(setup, tmp_path, capsys):
    app, db, tokens, _ = setup
    cli_db = tmp_path / "cli.duckdb"
    copy_warehouse(db, cli_db)
    path = write(tmp_path / "bad.csv", BAD)
    assert main(["ingest", str(path), "--db", str(cli_db), "--no-progress"]) == 1
    # The CLI's console wraps long lines: compare with whitespace runs made single spaces.
    printed = " ".join(capsys.readouterr().err.split())
    cli_count = printed.count("error: ")
    assert cli_count >= 4, printed

    response = post(app, tokens["dos"], [("bad.csv", BAD)])
    assert response.status_code == 422
    (result,) = response.get_json()["files"]
    assert result["status"] == "loaded_with_rejects" and result["rows_rejected"] == 4
    assert len(result["problems"]) == cli_count
    for problem in result["problems"]:
        assert "error: " + " ".join(problem["message"].split()) in printed
    assert {p["row"] for p in result["problems"]} == {1, 2, 3, 4}


@pytest.mark.parametrize("token", [None, "sst_not-a-real-token", "va-vba"])
def test_wrong_or_missing_token_writes_nothing(setup, token):
    app, db, _, _ = setup
    before = digest(db)
    response = post(app, token, [("passport-feb.csv", GOOD.replace("API-", "T-"))])
    assert response.status_code == 401
    assert response.get_json()["error"]["parameter"] == "Authorization"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert digest(db) == before, "the warehouse file is byte-identical"


def test_another_agencys_rows_refuse_the_whole_file(setup):
    app, db, tokens, _ = setup
    count = "SELECT count(*) FROM service_events WHERE event_id LIKE 'X-%'"
    assert query(db, count)[0][0] == 0
    response = post(app, tokens["dos"], [("mixed.csv", OTHER_AGENCY)])
    assert response.status_code == 422
    (result,) = response.get_json()["files"]
    assert result["status"] == "refused" and result["rows_loaded"] == 0
    (problem,) = result["problems"]
    assert (problem["row"], problem["field"], problem["value"]) == (2, "service_id", "va-vba")
    assert "belongs to agency 'va-vba', not 'dos-ca'" in problem["reason"]
    assert query(db, count)[0][0] == 0, "no row of the file was loaded, not even dos-ca's"
    # the same file is fine for the agency that owns both... no: va's token may not send dos-ca either
    response = post(app, tokens["va"], [("mixed.csv", OTHER_AGENCY)])
    assert response.get_json()["files"][0]["problems"][0]["value"] == "dos-ca"
    assert query(db, count)[0][0] == 0


def test_bad_requests_are_400_not_500(setup):
    app, db, tokens, _ = setup
    before = digest(db)
    assert post(app, tokens["dos"], []).get_json()["error"]["parameter"] == "file"
    response = post(app, tokens["dos"], [("a.csv", GOOD)], kind="spreadsheet")
    assert response.status_code == 400 and response.get_json()["error"]["parameter"] == "kind"
    response = post(app, tokens["dos"], [("a.csv", GOOD)], colour="blue")
    assert response.status_code == 400 and response.get_json()["error"]["parameter"] == "colour"
    assert digest(db) == before


def test_oversize_request_is_413(setup):
    app, db, tokens, _ = setup
    before = digest(db)
    app.server.config["MAX_CONTENT_LENGTH"] = 2048
    try:
        response = post(app, tokens["dos"], [("big.csv", GOOD + "x" * 4096)])
    finally:
        app.server.config["MAX_CONTENT_LENGTH"] = 50 * 1024 * 1024
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert "2048 bytes" in error["message"] and error["parameter"] == "body"
    assert digest(db) == before


def test_public_site_takes_no_submissions(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, public=True)
    token = add_token(tmp_path / "tokens.yaml", "dos-ca")
    before = digest(demo_db)
    assert post(app, token, [("a.csv", GOOD)]).status_code == 404
    assert digest(demo_db) == before


def test_tokens_cli_prints_a_token_once_and_stores_its_hash(tmp_path, capsys):
    path = tmp_path / "tokens.yaml"
    assert main(["tokens", "add", "dos-ca", "--file", str(path), "--label", "passport office"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("sst_") and token not in path.read_text()
    assert hashlib.sha256(token.encode()).hexdigest() in path.read_text()
