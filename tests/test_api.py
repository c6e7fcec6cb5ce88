"""The open API: tables, filters, paging, CSV, parameter checks, the OpenAPI description, the archive;
and that one registered name is one table on every surface (API, download, `servicestat export`)."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pandas as pd
import pytest

from metrics.access import OMB, PUBLIC, viewing
from metrics.registry import TABLES, names_and_aliases, open_names, open_tables
from metrics.suppression import suppressed_label
from servicestat.cli import main as cli
from tests.conftest import query
from tests.web_support import demo_db, make_app, make_users, signed_in_client

__all__ = ["demo_db"]

# The API's addresses before the registry; `standards`, `goals` and `reporting` are former names now.
ENDPOINTS = ["agencies", "services", "standards", "status", "survey-scores", "goals", "benchmarks",
             "reporting"]


@pytest.fixture(scope="module")
def app(tmp_path_factory, demo_db: Path):
    folder = tmp_path_factory.mktemp("api")
    make_users(folder / "users.yaml")
    return make_app(demo_db, folder)


@pytest.fixture(scope="module")
def omb(app):
    return signed_in_client(app, "omb-user")


@pytest.fixture(scope="module")
def anonymous(app):
    return app.server.test_client()


@pytest.mark.parametrize("name", ENDPOINTS)
def test_every_endpoint_answers_json_for_everyone(anonymous, omb, name):
    for client in (anonymous, omb):
        response = client.get(f"/api/v1/{name}?limit=5")
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        body = response.get_json()
        assert set(body) == {"data", "meta"}
        assert body["meta"]["count"] == len(body["data"]) <= 5
        assert body["meta"]["total"] >= body["meta"]["count"]


def test_agencies_and_services_match_the_warehouse(omb, demo_db):
    agencies = omb.get("/api/v1/agencies?limit=1000").get_json()
    direct = [r[0] for r in query(demo_db, "SELECT agency_id FROM agencies ORDER BY agency_id")]
    assert [r["agency_id"] for r in agencies["data"]] == direct
    assert agencies["meta"]["total"] == len(direct)
    services = omb.get("/api/v1/services?agency=dos-ca").get_json()
    direct = [r[0] for r in query(demo_db, "SELECT service_id FROM services WHERE agency_id = ?"
                                           " ORDER BY service_id", ["dos-ca"])]
    assert [r["service_id"] for r in services["data"]] == direct and direct


def test_paging_walks_every_row_once(omb, demo_db):
    total = query(demo_db, "SELECT count(*) FROM services")[0][0]
    seen, url, pages = [], "/api/v1/services?limit=7", 0
    while url:
        body = omb.get(url).get_json()
        assert body["meta"]["total"] == total
        seen += [r["service_id"] for r in body["data"]]
        url = body["meta"]["next"]
        url = url and url.replace("http://localhost", "")
        pages += 1
    assert pages == -(-total // 7)
    assert sorted(seen) == sorted(r[0] for r in query(demo_db, "SELECT service_id FROM services"))
    last = omb.get(f"/api/v1/services?limit=7&offset={7 * (pages - 1)}").get_json()["meta"]
    assert last["next"] is None and "offset=" in last["previous"]


def test_status_filters_by_fiscal_quarter_like_the_period_label(omb, demo_db):
    """The API derives fiscal year and quarter from the period's start; the metrics layer's own
    label (FY2024 Q2) is the independent check."""
    from metrics.standards import standards_status

    with viewing(OMB):
        frame = standards_status(str(demo_db), "quarter")
    expected = frame[(frame["period"] == "FY2024 Q2") & (frame["agency_id"] == "dos-ca")]
    assert len(expected), "the demo has FY2024 Q2 figures for dos-ca"
    body = omb.get("/api/v1/status?fiscal_year=2024&quarter=2&agency=dos-ca&limit=1000").get_json()
    assert body["meta"]["total"] == len(expected)
    assert {r["period"] for r in body["data"]} == {"FY2024 Q2"}
    assert sorted(r["standard_id"] for r in body["data"]) == sorted(expected["standard_id"])


def test_csv_has_the_same_rows_as_json(omb):
    url = "/api/v1/services?agency=dos-ca"
    rows = omb.get(url).get_json()["data"]
    response = omb.get(url + "&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    frame = pd.read_csv(io.StringIO(response.get_data(as_text=True)))
    assert frame["service_id"].tolist() == [r["service_id"] for r in rows]
    assert response.headers["X-Total-Count"] == str(len(rows))


@pytest.mark.parametrize(("url", "parameter"), [
    ("/api/v1/status?colour=blue", "colour"),
    ("/api/v1/status?limit=0", "limit"),
    ("/api/v1/status?limit=1001", "limit"),
    ("/api/v1/status?limit=ten", "limit"),
    ("/api/v1/status?offset=-1", "offset"),
    ("/api/v1/status?fiscal_year=2024.5", "fiscal_year"),
    ("/api/v1/status?fiscal_year=99999999999999999999", "fiscal_year"),
    ("/api/v1/status?quarter=5", "quarter"),
    ("/api/v1/status?grain=week", "grain"),
    ("/api/v1/survey-scores?agency=nasa", "agency"),
    ("/api/v1/benchmarks?service=%27%3B%20DROP%20TABLE%20services%3B--", "service"),
    ("/api/v1/agencies?format=xml", "format"),
    ("/api/v1/agencies?limit=1&limit=2", "limit"),
    ("/api/v1/archive?x=1", "x"),
])
def test_bad_parameters_are_400_naming_the_parameter(anonymous, url, parameter):
    response = anonymous.get(url)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["parameter"] == parameter and parameter in error["message"]


def test_unknown_endpoint_and_method_are_json(anonymous):
    response = anonymous.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.get_json()["error"]["status"] == 404
    response = anonymous.post("/api/v1/status")
    assert response.status_code in (404, 405) and "error" in response.get_json()


def test_openapi_describes_each_endpoint_and_its_parameters(anonymous):
    doc = anonymous.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    for name in ENDPOINTS:
        operation = doc["paths"][f"/api/v1/{name}"]["get"]
        documented = {p["name"] for p in operation["parameters"]}
        # The 400 for an unknown parameter lists what the endpoint takes: the same set.
        message = anonymous.get(f"/api/v1/{name}?zzz=1").get_json()["error"]["message"]
        accepted = set(message.split(" takes ", 1)[1].split(", "))
        assert documented == accepted, name
    agencies = next(p for p in doc["paths"]["/api/v1/services"]["get"]["parameters"] if p["name"] == "agency")
    assert "dos-ca" in agencies["schema"]["enum"]
    assert "/api/v1/submissions" in doc["paths"]


def test_archive_lists_and_serves_files_read_only(anonymous, demo_db):
    root = Path(str(demo_db) + ".archive")
    (root / "FY2025-Q3" / "v1").mkdir(parents=True, exist_ok=True)
    (root / "FY2025-Q3" / "v1" / "manifest.json").write_text('{"quarter": "FY2025 Q3"}')
    (demo_db.parent / "secret.txt").write_text("outside the archive")
    listing = anonymous.get("/api/v1/archive").get_json()
    assert [f["path"] for f in listing["data"]] == ["FY2025-Q3/v1/manifest.json"]
    response = anonymous.get("/api/v1/archive/FY2025-Q3/v1/manifest.json")
    assert response.status_code == 200 and response.get_json() == {"quarter": "FY2025 Q3"}
    for bad in ("../secret.txt", "FY2025-Q3/../../secret.txt", "%2e%2e/secret.txt", "FY2025-Q3/v1/none.json"):
        assert anonymous.get(f"/api/v1/archive/{bad}").status_code == 404, bad
    assert anonymous.post("/api/v1/archive/FY2025-Q3/v1/manifest.json").status_code in (404, 405)


def test_openapi_lists_exactly_the_registered_tables(anonymous, omb):
    """Every registered table for staff; for the public every one but the staff-only tables."""
    staff = omb.get("/api/v1/openapi.json").get_json()
    assert {p.removeprefix("/api/v1/") for p in staff["paths"]} - {"archive", "submissions"} == set(
        names_and_aliases())
    doc = anonymous.get("/api/v1/openapi.json").get_json()
    tables = {path.removeprefix("/api/v1/") for path in doc["paths"]} - {"archive", "submissions"}
    assert tables == set(open_names(PUBLIC)) == set(names_and_aliases()) - {"loads", "rejects", "findings"}
    assert {"standards", "goals", "reporting"} <= tables - set(TABLES)  # former names still answer
    for name, entry in open_tables(PUBLIC).items():
        operation = doc["paths"][f"/api/v1/{name}"]["get"]
        assert operation["summary"] == entry.description and not operation.get("deprecated")
        for alias in entry.aliases:
            assert doc["paths"][f"/api/v1/{alias}"]["get"]["deprecated"] is True
    index = anonymous.get("/api/v1/").get_json()
    assert [e["name"] for e in index["endpoints"]] == [*open_tables(PUBLIC), "archive"]
    assert [e["name"] for e in omb.get("/api/v1/").get_json()["endpoints"]] == [*TABLES, "archive"]


def test_former_names_answer_with_the_registered_table(omb):
    for former, name in (("standards", "standards-catalogue"), ("goals", "goal-status"),
                         ("reporting", "reporting-status")):
        old = omb.get(f"/api/v1/{former}?limit=1000&format=csv").get_data(as_text=True)
        assert old == omb.get(f"/api/v1/{name}?limit=1000&format=csv").get_data(as_text=True), former
        assert old == omb.get(f"/download/{former}.csv").get_data(as_text=True) != ""


def test_survey_scores_filters_work_on_the_question_table(omb, demo_db):
    """`survey-scores` is one row per question (the download's table); the API's filters by agency and
    service id still work on it, through the service names it carries."""
    expected = query(demo_db, """
        SELECT count(*) FROM survey_results r JOIN services s USING (service_id)
        WHERE s.agency_id = 'dos-ca' AND r.fiscal_year = 2024 AND r.quarter = 2
          AND r.driver = 'trust'""")[0][0]
    assert expected > 0
    body = omb.get("/api/v1/survey-scores?agency=dos-ca&fiscal_year=2024&quarter=2&driver=trust"
                   "&limit=1000").get_json()
    assert body["meta"]["total"] == expected
    assert {r["service"] for r in body["data"]} == {"Passport Services"}  # data/services.csv, dos-ca
    assert {"question_number", "question_text", "agree_pct"} <= set(body["data"][0])
    by_service = omb.get("/api/v1/survey-scores?service=dos-ca&fiscal_year=2024&quarter=2&driver=trust"
                         "&limit=1000").get_json()
    assert by_service["meta"]["total"] == expected


def test_every_declared_filter_and_column_is_in_its_table(demo_db):
    """A parameter's column (or, for agency and service ids, the service it goes through) and each
    documented column exist in the table, with the documented JSON type."""
    json_type = {"string": pd.api.types.is_object_dtype, "integer": pd.api.types.is_integer_dtype,
                 "number": pd.api.types.is_numeric_dtype}
    with viewing(OMB):
        for name, entry in TABLES.items():
            frame = entry.frame(str(demo_db))
            for param in entry.params:
                if param.column in ("agency_id", "service_id"):
                    assert {param.column, "service_id", "service"} & set(frame.columns), (name, param.name)
                else:
                    assert param.column in frame.columns, (name, param.name)
            for column, kind in entry.columns.items():
                assert column in frame.columns, (name, column)
                dtype = frame[column].dtype
                if frame[column].isna().all():
                    continue  # an empty table (the demo has no GPRA indicators): no type to check
                assert json_type[kind](dtype) or pd.api.types.is_string_dtype(dtype), (name, column, dtype)


def _rows(text: str) -> list[list[str]]:
    """CSV rows as text, a suppressed figure's label read as empty (`servicestat export` leaves it empty)."""
    if not text.strip():
        return []
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    label = suppressed_label()
    body = [["" if v == label else v for v in row] for row in frame.to_numpy().tolist()]
    return [list(frame.columns), *body]


def _api_csv(client, name: str) -> list[list[str]]:
    rows: list[list[str]] = []
    offset, total = 0, None
    while total is None or offset < total:
        response = client.get(f"/api/v1/{name}?format=csv&limit=1000&offset={offset}")
        assert response.status_code == 200, (name, response.get_data(as_text=True)[:200])
        total = int(response.headers["X-Total-Count"])
        page = _rows(response.get_data(as_text=True))
        rows += page if not rows else page[1:]
        offset += 1000
    return rows


def _cli_csv(name: str, db: Path, viewer, capsys) -> list[list[str]]:
    capsys.readouterr()
    with viewing(viewer):
        assert cli(["export", name, "--db", str(db)]) == 0
    return _rows(capsys.readouterr().out)


@pytest.mark.parametrize("who", ["omb", "public"])
def test_one_name_is_one_table_on_every_surface(omb, anonymous, demo_db, capsys, who):
    """For every registered name: the download, the API's CSV (every page) and `servicestat export`
    hold the same columns and rows, for OMB and for the public."""
    client, viewer = (omb, OMB) if who == "omb" else (anonymous, PUBLIC)
    for name in TABLES:
        if not TABLES[name].open_to(viewer):  # staff only: no such table for the public, anywhere
            assert client.get(f"/download/{name}.csv").status_code == 404, name
            assert client.get(f"/api/v1/{name}?format=csv").status_code == 404, name
            assert _cli_csv(name, demo_db, viewer, capsys)[1:] == [], name
            continue
        download = client.get(f"/download/{name}.csv")
        assert download.status_code == 200, (name, download.get_data(as_text=True)[:200])
        rows = _rows(download.get_data(as_text=True))
        assert rows, name
        assert _api_csv(client, name) == rows, name
        assert _cli_csv(name, demo_db, viewer, capsys) == rows, name


def test_public_tables_are_suppressed_on_every_surface(anonymous, demo_db, capsys):
    """The public's survey scores hide small counts everywhere: none of n = 1..k-1 shows."""
    from metrics.suppression import min_count

    k = min_count()
    small = query(demo_db, "SELECT count(*) FROM survey_results WHERE n BETWEEN 1 AND ?", [k - 1])[0][0]
    assert small > 0, "the demo has small survey counts"
    for rows in (_rows(anonymous.get("/download/survey-scores.csv").get_data(as_text=True)),
                 _api_csv(anonymous, "survey-scores"), _cli_csv("survey-scores", demo_db, PUBLIC, capsys)):
        n = rows[0].index("n")
        shown = [int(float(r[n])) for r in rows[1:] if r[n] != ""]
        assert shown and not [v for v in shown if 0 < v < k]


def test_the_dashboard_reaches_unsuppressed_builders_only_through_the_registry():
    """A table's builder that is not itself suppressed (no `metrics.cache.cached`) is suppressed by
    `Table.frame` only: no dashboard module may import it and serve it around the registry."""
    raw = {(t.build.__module__, t.build.__name__) for t in TABLES.values()
           if not hasattr(t.build, "uncached")}
    assert ("metrics.survey_scores", "survey_scores") in raw
    root = Path(__file__).resolve().parents[1] / "dashboard"
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                imported = {(node.module, alias.name) for alias in node.names}
                assert not imported & raw, (path.name, imported & raw)
