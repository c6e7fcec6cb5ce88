"""The red-team findings of ServiceStat issue #16, each replayed as the attack it was.

A small request size limit (1 MB, from `SERVICESTAT_MAX_UPLOAD_BYTES`) keeps the size attacks fast.
The size tests talk raw HTTP to a real server (Werkzeug's, and once `servicestat serve` under
gunicorn): "refused before the body is read" means the answer comes while the client has sent
nothing of a 60 MB body; a chunked body must be cut off at the limit.
"""

from __future__ import annotations

import hashlib
import io
import json
import select
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dashboard.auth import add_token
from metrics.access import OMB, PUBLIC, agency_manager, viewing
from metrics.db import partial_years, reader
from metrics.registry import TABLES, download_catalogue, table
from publish.archive import public_tables
from servicestat.cli import main
from tests.conftest import copy_warehouse, query
from tests.reliability import serving
from tests.web_support import demo_db, make_app, make_users, signed_in_client

__all__ = ["demo_db"]

LIMIT = 1 << 20
HUGE = 60_000_000
DOS_EVENTS = """event_id,service_id,channel,received_at,completed_at,wait_minutes,outcome
H-1,dos-ca,phone,2026-02-06 09:00:00,2026-02-06 09:20:00,3.5,completed
H-2,dos-ca,online,2026-02-06 10:00:00,2026-02-06 10:05:00,1.0,completed
"""
PAGES_OUTPUT = "..{_pages_content.children}...{_pages_store.data}..".replace("{", "").replace("}", "")


@dataclass
class Site:
    app: object
    db: Path
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def site(tmp_path_factory, demo_db) -> Site:
    folder = tmp_path_factory.mktemp("hardening")
    db = folder / "warehouse.duckdb"
    copy_warehouse(demo_db, db)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SERVICESTAT_MAX_UPLOAD_BYTES", str(LIMIT))
        app = make_app(db, folder)
    tokens = {"dos": add_token(folder / "tokens.yaml", "dos-ca"),
              "va": add_token(folder / "tokens.yaml", "va-vba")}
    make_users(folder / "users.yaml")
    return Site(app, db, tokens)


@pytest.fixture(scope="module")
def port(site: Site) -> Iterator[int]:
    """The app under Werkzeug's threaded HTTP server (it de-chunks bodies, as gunicorn does)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, site.app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    sent: int  # body bytes the client got to send before the answer came


def exchange(port: int, head: str, body: Iterable[bytes] = (), timeout: float = 10) -> Answer:
    """Send a request head, then body pieces until the server answers (or stops reading); return
    the answer. A server that waits for a body never sent makes this time out."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=2)
    try:
        sock.sendall(head.encode("latin-1"))
        sent = 0
        for piece in body:
            if select.select([sock], [], [], 0)[0]:
                break  # the server has answered
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                break  # the server stopped reading
            sent += len(piece)
        sock.settimeout(timeout)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            assert chunk, f"the server closed the connection without answering (sent {sent} bytes)"
            data += chunk
        raw_head, rest = data.split(b"\r\n\r\n", 1)
        lines = raw_head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        return Answer(int(lines[0].split()[1]), headers, rest, sent)
    finally:
        sock.close()


def request_head(method: str, path: str, **headers: str) -> str:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return "\r\n".join(lines) + "\r\n\r\n"


def chunked(total: int, start: bytes, line: bytes, end: bytes, piece: int = 64 * 1024) -> Iterator[bytes]:
    """A chunked body of about `total` bytes: `start`, `line` repeated, `end`; then the last chunk."""
    block = line * (piece // len(line))
    for data in [start, *[block] * (total // len(block)), end]:
        yield f"{len(data):x}\r\n".encode() + data + b"\r\n"
    yield b"0\r\n\r\n"


def chunked_json(total: int) -> Iterator[bytes]:
    """A JSON list of about `total` bytes, chunked."""
    return chunked(total, b"[", b"1,", b"1]")


def chunked_upload(total: int) -> Iterator[bytes]:
    """A multipart upload (boundary ``xyz``) of an event file of about `total` bytes, chunked."""
    start = (b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
             b"Content-Type: text/csv\r\n\r\n" + DOS_EVENTS.encode())
    return chunked(total, start, b"H-c,dos-ca,phone,2026-02-06 09:00:00,,1,completed\n", b"\r\n--xyz--\r\n")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def submit(site: Site, token: str | None, name: str, content: bytes | str, **form):
    data = {**form, "file": [(io.BytesIO(content.encode() if isinstance(content, str) else content), name)]}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return site.app.server.test_client().post("/api/v1/submissions", data=data, headers=headers,
                                              content_type="multipart/form-data")


# --- 1. the size limit ------------------------------------------------------------------------


def test_limit_comes_from_the_environment(site: Site):
    assert site.app.server.config["MAX_CONTENT_LENGTH"] == LIMIT


@pytest.mark.parametrize(("method", "path"), [("POST", "/_dash-update-component"),
                                              ("POST", "/api/v1/submissions"),
                                              ("GET", "/"), ("POST", "/signin")])
def test_declared_oversize_body_is_refused_before_it_is_read(port: int, method: str, path: str):
    """Content-Length 60 MB and not one byte of body: the 413 comes at once, on every route."""
    started = time.monotonic()
    answer = exchange(port, request_head(method, path, Content_Type="application/json",
                                         Content_Length=str(HUGE)), timeout=5)
    assert answer.status == 413
    assert f"{LIMIT} bytes" in json.loads(answer.body)["error"]["message"]
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("path", ["/_dash-update-component", "/api/v1/submissions"])
def test_chunked_body_is_cut_off_at_the_limit(site: Site, port: int, path: str):
    before = digest(site.db)
    json_body = path.startswith("/_dash")
    content_type = "application/json" if json_body else "multipart/form-data; boundary=xyz"
    answer = exchange(port, request_head("POST", path, Content_Type=content_type,
                                         Transfer_Encoding="chunked",
                                         Authorization=f"Bearer {site.tokens['dos']}"),
                      chunked_json(16 * LIMIT) if json_body else chunked_upload(16 * LIMIT))
    assert answer.status == 413
    assert answer.sent < 12 * LIMIT, "the server read far past the limit"
    assert digest(site.db) == before


def test_oversize_submission_is_refused_and_writes_nothing(site: Site):
    before = digest(site.db)
    body = DOS_EVENTS + "".join(f"H-x{i},dos-ca,phone,2026-02-06 09:00:00,,1,completed\n"
                                for i in range(LIMIT // 40))
    assert len(body) > LIMIT
    response = submit(site, site.tokens["dos"], "big.csv", body)
    assert response.status_code == 413
    assert response.get_json()["error"]["parameter"] == "body"
    assert digest(site.db) == before


# --- 7. a duplicate of another agency's file --------------------------------------------------


def test_duplicate_of_another_agencys_file_confirms_nothing(site: Site):
    content = DOS_EVENTS.replace("H-", "DUP-")
    first = submit(site, site.tokens["dos"], "dos-feb.csv", content)
    assert first.status_code == 200, first.get_json()
    response = submit(site, site.tokens["va"], "guess.csv", content)
    assert response.status_code == 422
    (result,) = response.get_json()["files"]
    assert result["status"] == "refused" and result["duplicate_of"] is None
    assert "belongs to agency 'dos-ca', not 'va-vba'" in result["problems"][0]["reason"]
    # the owner sending its own file again is still told it is a duplicate
    (again,) = submit(site, site.tokens["dos"], "dos-feb-again.csv", content).get_json()["files"]
    assert (again["status"], again["duplicate_of"]) == ("duplicate", first.get_json()["files"][0]["load_id"])


# --- 8. server errors where a 4xx belongs ------------------------------------------------------


def pages_call(pathname: object, search: object = "") -> dict:
    return {"output": PAGES_OUTPUT,
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": ["_pages_location.pathname"], "state": []}


@pytest.mark.parametrize("path", ["/_dash-component-suites/dash/../../../../etc/passwd",
                                  "/_dash-component-suites/dash/%2e%2e/%2e%2e/etc/passwd",
                                  "/_dash-component-suites/no_such_package/x.js"])
def test_unknown_dash_asset_is_404(site: Site, path: str):
    response = site.app.server.test_client().get(path)
    assert response.status_code == 404
    assert response.get_json() == {"error": {"status": 404, "message": "no such file"}}


@pytest.mark.parametrize("body", [
    b"{}", b"[]", b"not json", b"null", b'{"output": 5, "inputs": "x"}', b'{"output": ["a"]}',
    json.dumps({"output": "a.children", "outputs": {"id": "a", "property": "children"},
                "inputs": []}).encode(),
    json.dumps({**pages_call("/"), "inputs": []}).encode(),
    json.dumps({**pages_call("/"), "inputs": [5, 6]}).encode(),
    json.dumps({**pages_call("/"), "outputs": {"id": 5}}).encode(),
    json.dumps({**pages_call("/"), "changedPropIds": "x"}).encode(),
    json.dumps(pages_call(5, 7)).encode(),
    json.dumps(pages_call(None)).encode(),
    json.dumps(pages_call("/", {"a": 1})).encode(),
    b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
])
def test_malformed_callback_is_400_with_a_short_message(site: Site, body: bytes):
    response = site.app.server.test_client().post("/_dash-update-component", data=body,
                                                  content_type="application/json")
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert 0 < len(message) < 120
    for internal in ("Traceback", "KeyError", "TypeError", "site-packages"):
        assert internal not in message


def test_well_formed_callback_still_draws_the_page(site: Site):
    response = site.app.server.test_client().post("/_dash-update-component", json=pages_call("/", None))
    assert response.status_code == 200
    assert "Government-wide overview" in response.get_data(as_text=True)


@pytest.mark.parametrize("raw", ["%C2%B2", "%D9%A3", "--5", "2025%C2%B2", "-"])
def test_superscript_digit_as_fiscal_year_is_400(site: Site, raw: str):
    """`"²".isdigit()` is True but `int("²")` fails (so do Arabic-Indic digits and "--5"): a 400
    naming the parameter, not a 500."""
    response = site.app.server.test_client().get(f"/api/v1/status?fiscal_year={raw}")
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == "fiscal_year"


# --- 9. internals in replies -------------------------------------------------------------------


def test_malformed_csv_answer_names_the_upload_not_the_temp_folder(site: Site, tmp_path, capsys):
    content = bytes(range(256)) * 50  # no CSV dialect can be sniffed from this
    response = submit(site, site.tokens["dos"], "march.csv", content)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    (result,) = response.get_json()["files"]
    assert result["file_name"] == "march.csv"
    (problem,) = result["problems"]
    assert problem["message"].startswith("march.csv: the file cannot be read as CSV")
    assert len(problem["message"]) <= 300
    for internal in ("servicestat-upload-", "/tmp", "search space", "Candidates"):
        assert internal not in text
    # the command line still says what is wrong with its own file
    path = tmp_path / "march.csv"
    path.write_bytes(content)
    cli_db = tmp_path / "cli.duckdb"
    copy_warehouse(site.db, cli_db)
    assert main(["ingest", str(path), "--db", str(cli_db), "--no-progress"]) == 1
    printed = " ".join(capsys.readouterr().err.split())
    assert "march.csv: the file cannot be read as CSV" in printed
    assert "not possible to automatically detect the CSV parsing dialect" in printed


def test_public_loads_are_only_loads_that_landed_published_data(site: Site):
    """The public sees a load only when it wrote a published row, without file name, hash or message;
    a manager sees their agency's loads in full; OMB sees every load."""
    bad = submit(site, site.tokens["dos"], "refused.csv", "event_id,service_id\n1,dos-ca\n")
    assert bad.get_json()["files"][0]["status"] == "refused"
    unpublished = submit(site, site.tokens["dos"], "unpublished.csv", DOS_EVENTS.replace("H-", "U-"))
    assert unpublished.status_code == 200
    every = {r[0]: r for r in query(site.db, "SELECT load_id, status, rows_loaded FROM loads")}
    refused_id = bad.get_json()["files"][0]["load_id"]
    new_id = unpublished.get_json()["files"][0]["load_id"]
    assert every[refused_id][1] == "refused" and every[new_id][2] == 2
    published = {r[0] for r in query(site.db, "SELECT DISTINCT load_id FROM service_events e JOIN"
                                     " reporting_state s ON s.service_id = e.service_id AND s.state ="
                                     " 'published' AND s.fiscal_year * 4 + s.quarter - 1 ="
                                     " (year(e.received_at) * 12 + month(e.received_at) + 2) // 3")}
    assert published and new_id not in published
    sql = "SELECT load_id, file_name, sha256, message FROM loads ORDER BY load_id"
    with viewing(PUBLIC):
        public = reader(site.db).df(sql)
    assert refused_id not in set(public["load_id"]) and new_id not in set(public["load_id"])
    assert published <= set(public["load_id"])
    assert public[["file_name", "sha256", "message"]].isna().all().all()
    with viewing(agency_manager("dos-ca")):
        manager = reader(site.db).df(sql).set_index("load_id")
    assert manager.loc[new_id, "file_name"] == "unpublished.csv" and len(manager.loc[new_id, "sha256"]) == 64
    with viewing(OMB):
        assert set(reader(site.db).df(sql)["load_id"]) == set(every)


# --- 2. operator tables repeat unsuppressed counts: staff only ---------------------------------


STAFF_ONLY = ("findings", "rejects", "loads")


def test_the_operator_tables_are_declared_staff_only():
    assert {t.name for t in TABLES.values() if t.staff_only} == set(STAFF_ONLY)


def data_page(client) -> str:
    """The /data page as drawn for this client, as JSON text (slashes unescaped)."""
    answer = client.post("/_dash-update-component", json=pages_call("/data", None))
    return json.dumps(answer.get_json())


def test_public_reaches_no_findings_row_on_any_surface(site: Site):
    """The attack: a public finding said "the answers add up to 181, not to the 185 respondents",
    and the public channel total then gave a suppressed cell away. As the public, no surface has a
    findings (or rejects, loads) row; as OMB every surface has them."""
    with viewing(OMB):
        found = table("findings").frame(site.db)
    assert found["detail"].str.contains("add up to").any(), "the demo has the finding of the attack"
    public, omb = site.app.server.test_client(), signed_in_client(site.app, "omb-user")
    public_site = make_app(site.db, site.db.parent, public=True).server.test_client()
    for name in STAFF_ONLY:
        for client in (public, public_site):
            for fmt in ("csv", "json", "parquet"):
                assert client.get(f"/download/{name}.{fmt}").status_code == 404, (name, fmt)
            for query_string in ("", "?format=csv", "?limit=1000"):
                assert client.get(f"/api/v1/{name}{query_string}").status_code == 404, name
        assert omb.get(f"/download/{name}.csv").status_code == 200
        assert omb.get(f"/api/v1/{name}").status_code == 200
    assert omb.get("/api/v1/findings?limit=1000").get_json()["meta"]["total"] == len(found)
    assert "add up to" in omb.get("/download/findings.csv").get_data(as_text=True)
    for client in (public, public_site):
        listed = {e["name"] for e in client.get("/api/v1/").get_json()["endpoints"]}
        paths = client.get("/api/v1/openapi.json").get_json()["paths"]
        page = data_page(client)
        for name in STAFF_ONLY:
            assert name not in listed and f"/api/v1/{name}" not in paths
            assert f"/download/{name}." not in page
        assert "/download/benchmarks.csv" in page
    staff_paths = omb.get("/api/v1/openapi.json").get_json()["paths"]
    staff_page = data_page(omb)
    assert "/api/v1/findings" in staff_paths and "/download/findings.csv" in staff_page
    with viewing(PUBLIC):
        empty = table("findings").frame(site.db)
        assert empty.empty and list(empty.columns) == list(found.columns)
        assert not set(STAFF_ONLY) & set(download_catalogue(site.db)["name"])
        assert not set(STAFF_ONLY) & set(public_tables(site.db, 2025, 3))


def test_an_agency_manager_gets_only_their_own_findings(site: Site):
    with viewing(OMB):
        every = table("findings").frame(site.db)
    with viewing(agency_manager("dos-ca")):
        own = table("findings").frame(site.db)
    assert set(own["service_id"]) <= {"dos-ca"} and len(own) == (every["service_id"] == "dos-ca").sum()
    assert len(own) < len(every)


# --- 6. a fiscal-year figure from a partly published year -----------------------------------


def test_fiscal_year_status_is_not_public_while_a_quarter_is_unpublished(site: Site):
    """FY2025 Q4 is unpublished in the demo: the public must not get FY2025 judged on Q1-Q3."""
    omb = signed_in_client(site.app, "omb-user")
    public = site.app.server.test_client()
    url = "/api/v1/status?grain=year&fiscal_year={}&limit=1000"
    assert omb.get(url.format(2025)).get_json()["meta"]["total"] > 0
    assert public.get(url.format(2025)).get_json()["data"] == []
    with viewing(PUBLIC):
        partial = partial_years(site.db)
    assert 2025 in {year for _, year in partial}
    # a service's fully published year stays public; its partly published ones do not
    shown = {r["service_id"] for r in public.get(url.format(2024)).get_json()["data"]}
    assert shown and not {(s, 2024) for s in shown} & partial


@pytest.mark.parametrize("name", ["status", "standards-status", "standards-scorecard", "benchmarks",
                                  "driver-scorecard", "goal-progress", "channel-breakdown"])
def test_no_public_table_has_a_year_figure_of_a_partly_published_year(site: Site, name: str):
    """Every year figure at once: as the public, no row of any of these is a FY2025 year figure of a
    service with an unpublished FY2025 quarter; OMB has such rows in the tables that have year rows."""
    with viewing(PUBLIC):
        partial = partial_years(site.db)
        services = {s for s, _ in partial}
        frame = table(name).frame(site.db, {"grain": "year"} if any(
            p.name == "grain" for p in table(name).params) else {})
    year_rows = _year_rows(frame, 2025)
    if "service_id" in frame.columns:
        year_rows = year_rows[year_rows["service_id"].isin(services)]
    if "actual_source" in frame.columns:  # goals: the declared targets stay, measured actuals go
        year_rows = year_rows[year_rows["actual_source"].astype("object").ne("GPRA report")
                              & year_rows["actual"].notna()]
    assert year_rows.empty, year_rows.head().to_dict("records")


def _year_rows(frame, fiscal_year: int):
    if "fiscal_year" in frame.columns and "quarter" not in frame.columns:
        if "grain" in frame.columns:
            frame = frame[frame["grain"] == "year"]
        return frame[frame["fiscal_year"].astype("Int64") == fiscal_year]
    return frame[frame["period"].astype("string") == f"FY{fiscal_year}"]


# --- 10. resource use --------------------------------------------------------------------------


def test_file_with_thousands_of_columns_is_refused_at_once(site: Site):
    header = ",".join(f"c{i}" for i in range(20_000))
    content = header + "\n" + ",".join("1" for _ in range(20_000)) + "\n"
    started = time.monotonic()
    response = submit(site, site.tokens["dos"], "wide.csv", content)
    assert time.monotonic() - started < 10, "a 20,000-column file held the server 20 s before the cap"
    assert response.status_code == 422
    (result,) = response.get_json()["files"]
    assert result["status"] == "refused"
    (problem,) = result["problems"]
    assert problem["reason"] == "the header has 20000 columns; a file may have at most 500"
    assert len(response.get_data()) < 2000


def test_unknown_columns_warning_lists_ten_and_counts_the_rest(site: Site):
    extra = [f"extra_{i:03d}" for i in range(400)]
    lines = DOS_EVENTS.replace("H-", "W-").splitlines()
    content = "\n".join([lines[0] + "," + ",".join(extra)] + [line + "," * len(extra) for line in lines[1:]])
    response = submit(site, site.tokens["dos"], "wide-ok.csv", content + "\n")
    assert response.status_code == 200, response.get_json()
    (result,) = response.get_json()["files"]
    (warning,) = [w for w in result["warnings"] if w.startswith("unknown column(s)")]
    assert warning == ("unknown column(s) ignored: " + ", ".join(extra[:10]) + " and 390 more")


# --- 10. unknown agencies, the archive's lock files, caching of API answers -----------------


@pytest.mark.parametrize("words", [["tokens", "add", "dos-cb"],
                                   ["users", "add", "x", "--role", "agency", "--agency", "dos-cb",
                                    "--no-password", "--email", "x@dos.example.gov"]])
def test_an_agency_that_does_not_exist_is_refused_with_the_closest_ids(tmp_path, capsys, words):
    path = tmp_path / "accounts.yaml"
    assert main([*words, "--file", str(path)]) == 2
    printed = " ".join(capsys.readouterr().err.split())
    assert "unknown agency 'dos-cb'" in printed and "did you mean dos-ca" in printed
    assert not path.exists(), "nothing was written"
    right = [w.replace("dos-cb", "dos-ca") for w in words]
    assert main([*right, "--file", str(path)]) == 0 and "dos-ca" in path.read_text()


def test_archive_listing_shows_archive_files_only(site: Site):
    root = Path(str(site.db) + ".archive")
    version = root / "FY2025-Q3" / "v1"
    version.mkdir(parents=True, exist_ok=True)
    (version / "manifest.json").write_text("{}")
    (root / "FY2025-Q3" / ".lock").write_text("")
    (root / "FY2025-Q3" / ".staged-1-abc").mkdir(exist_ok=True)
    (root / "FY2025-Q3" / ".staged-1-abc" / "status.csv").write_text("half written")
    (root / "notes.txt").write_text("not an archive file")
    client = site.app.server.test_client()
    listing = [f["path"] for f in client.get("/api/v1/archive").get_json()["data"]]
    assert listing == ["FY2025-Q3/v1/manifest.json"]
    for hidden in ("FY2025-Q3/.lock", "FY2025-Q3/.staged-1-abc/status.csv", "notes.txt"):
        assert client.get(f"/api/v1/archive/{hidden}").status_code == 404, hidden


def test_api_answers_say_how_to_cache_them(site: Site):
    public, omb = site.app.server.test_client(), signed_in_client(site.app, "omb-user")
    for path in ("/api/v1/services", "/api/v1/", "/api/v1/openapi.json", "/api/v1/status?grain=x",
                 "/api/v1/nothing", "/api/v1/archive"):
        assert public.get(path).headers["Cache-Control"] == "no-cache", path
        assert omb.get(path).headers["Cache-Control"] == "private, no-store", path
    token = {"Authorization": f"Bearer {site.tokens['dos']}"}
    refused = public.post("/api/v1/submissions", headers=token)
    assert refused.status_code == 400 and refused.headers["Cache-Control"] == "private, no-store"


# --- the same under gunicorn (`servicestat serve`) ---------------------------------------------


@pytest.fixture(scope="module")
def gunicorn_port(site: Site, tmp_path_factory) -> Iterator[int]:
    db = tmp_path_factory.mktemp("gunicorn") / "warehouse.duckdb"
    copy_warehouse(site.db, db)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SERVICESTAT_MAX_UPLOAD_BYTES", str(LIMIT))
        with serving(db, log=db.with_suffix(".log"), workers=1) as server:
            yield int(server.url.rsplit(":", 1)[1])


def test_gunicorn_refuses_oversize_bodies(gunicorn_port: int):
    answer = exchange(gunicorn_port, request_head("POST", "/_dash-update-component",
                                                  Content_Type="application/json",
                                                  Content_Length=str(HUGE)), timeout=5)
    assert answer.status == 413 and answer.headers["connection"] == "close"
    answer = exchange(gunicorn_port, request_head("POST", "/_dash-update-component",
                                                  Content_Type="application/json",
                                                  Transfer_Encoding="chunked"), chunked_json(16 * LIMIT))
    assert answer.status == 413 and answer.sent < 12 * LIMIT


def test_gunicorn_answers_carry_no_server_name_and_its_error_pages_the_headers(gunicorn_port: int):
    page = exchange(gunicorn_port, request_head("GET", "/"))
    assert page.status == 200 and page.headers["server"] == "ServiceStat"
    too_long = exchange(gunicorn_port, request_head("GET", "/" + "a" * 9000 + "<script>"))
    assert too_long.status == 414
    assert too_long.headers["server"] == "ServiceStat"
    assert too_long.headers["x-content-type-options"] == "nosniff"
    assert too_long.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in too_long.headers["content-security-policy"]
    assert b"aaaa" not in too_long.body and b"script" not in too_long.body
