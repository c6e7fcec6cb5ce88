"""/submit and /quality over HTTP (Flask's test client): who may, the CSRF token, the same checks and
size limit as ``POST /api/v1/submissions``, and the load summary with each rejected row's row, field,
value and reason."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest

from tests.conftest import copy_warehouse, query
from tests.test_quality_metrics import EVENTS_DOS
from tests.web_support import csrf_from, demo_db, make_app, make_users, signed_in_client

__all__ = ["demo_db"]

GOOD = ("event_id,service_id,channel,received_at,completed_at,wait_minutes,outcome\n"
        "W-1,dos-ca,phone,2026-02-06 09:00:00,2026-02-06 09:20:00,3.5,completed\n"
        "W-2,dos-ca,online,2026-02-06 10:00:00,2026-02-06 10:05:00,1.0,completed\n")


@pytest.fixture(scope="module")
def site(tmp_path_factory, demo_db):
    folder = tmp_path_factory.mktemp("quality-web")
    db = folder / "warehouse.duckdb"
    copy_warehouse(demo_db, db)
    make_users(folder / "users.yaml")
    return make_app(db, folder), db


def _text(response) -> str:
    html = response.get_data(as_text=True)
    main = html[html.index("<main"):html.index("</main>")]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


def _send(client, files: list[tuple[str, str]], token: str | None = None, **form):
    if token is None:
        token = csrf_from(client.get("/submit").get_data(as_text=True))
    data = {"csrf_token": token, **form, "file": [(io.BytesIO(t.encode()), n) for n, t in files]}
    return client.post("/submit", data=data, content_type="multipart/form-data")


def test_who_may_open_submit(site, tmp_path):
    app, _ = site
    anonymous = app.server.test_client().get("/submit")
    assert anonymous.status_code == 303 and anonymous.headers["Location"] == "/signin?next=/submit"
    omb = signed_in_client(app, "omb-user").get("/submit")
    assert omb.status_code == 403 and "agency managers" in _text(omb)
    manager = signed_in_client(app, "dos-manager").get("/submit")
    assert manager.status_code == 200
    page = manager.get_data(as_text=True)
    assert 'type="file"' in page and 'enctype="multipart/form-data"' in page and "dos-ca" in page
    public = make_app(app.server.config["SERVICESTAT_DB"], tmp_path, public=True).server.test_client()
    assert public.get("/submit").status_code == 404
    assert public.post("/submit", data={}).status_code == 404


def test_a_good_file_lands_and_the_summary_says_so(site):
    app, db = site
    client = signed_in_client(app, "dos-manager")
    response = _send(client, [("passport-feb.csv", GOOD)])
    assert response.status_code == 200
    text = _text(response)
    assert "1 file sent: 2 rows loaded, 0 rejected." in text
    assert "Rows read: 2 Rows loaded: 2 Rows rejected: 0" in text
    (load_id,) = query(db, "SELECT load_id FROM loads WHERE file_name = 'passport-feb.csv'")[0]
    assert f'href="/quality#load-{load_id}"' in response.get_data(as_text=True)
    assert query(db, "SELECT count(*) FROM service_events WHERE event_id LIKE 'W-%'")[0][0] == 2


def test_a_bad_file_shows_each_reject_with_row_field_value_and_reason(site):
    app, db = site
    client = signed_in_client(app, "dos-manager")
    response = _send(client, [("passport-bad.csv", EVENTS_DOS)])
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    cell = "<td[^>]*>([^<]*)</td>"
    rows = re.findall(f'<tr><th scope="row">([^<]*)</th>{cell * 3}</tr>', html)
    assert [(r, f, unescape(v)) for r, f, v, _ in rows] == [
        ("1", "completed_at", "2026-03-03 08:00:00"), ("2", "channel", "telepathy"),
        ("3", "service_id", "no-such-service"), ("4", "received_at", "not a date")]
    assert all(reason.strip() for *_, reason in rows)
    assert "1 file sent: 1 row loaded, 4 rejected." in _text(response)
    # The rows are in the quarantine, and the manager's /quality lists them; another manager's does not.
    (load_id,) = query(db, "SELECT load_id FROM loads WHERE file_name = 'passport-bad.csv'")[0]
    assert query(db, "SELECT count(*) FROM rejects WHERE load_id = ?", [load_id])[0][0] == 4
    mine = client.get("/quality")
    assert mine.status_code == 200 and f'id="load-{load_id}"' in mine.get_data(as_text=True)
    assert "telepathy" in _text(mine)
    other = signed_in_client(app, "va-manager").get("/quality")
    assert other.status_code == 200
    assert "telepathy" not in _text(other) and f'id="load-{load_id}"' not in other.get_data(as_text=True)
    anonymous = app.server.test_client().get("/quality")
    assert anonymous.status_code == 404
    assert "telepathy" not in anonymous.get_data(as_text=True)
    assert 'href="/signin?next=/quality"' in anonymous.get_data(as_text=True)


def test_refusals_are_short_4xx_pages_that_load_nothing(site):
    app, db = site
    client = signed_in_client(app, "dos-manager")
    before = query(db, "SELECT count(*) FROM loads")[0][0]
    expired = _send(client, [("x.csv", GOOD)], token="not-the-token")
    assert expired.status_code == 400 and "expired" in _text(expired)
    kind = _send(client, [("x.csv", GOOD)], kind="spreadsheet")
    assert kind.status_code == 400 and "Unknown kind 'spreadsheet'" in _text(kind)
    extra = _send(client, [("x.csv", GOOD)], colour="blue")
    assert extra.status_code == 400 and "Unknown form field 'colour'" in _text(extra)
    token = csrf_from(client.get("/submit").get_data(as_text=True))
    none = client.post("/submit", data={"csrf_token": token}, content_type="multipart/form-data")
    assert none.status_code == 400 and "No file" in _text(none)
    for response in (expired, kind, extra, none):
        assert "Traceback" not in response.get_data(as_text=True)
    assert query(db, "SELECT count(*) FROM loads")[0][0] == before


def test_oversize_is_refused_before_the_body_is_read(site):
    app, db = site
    client = signed_in_client(app, "dos-manager")
    before = query(db, "SELECT count(*) FROM loads")[0][0]
    limit = app.server.config["MAX_CONTENT_LENGTH"]
    app.server.config["MAX_CONTENT_LENGTH"] = 2048
    try:
        big = GOOD + "W-9,dos-ca,phone,2026-02-06 09:00:00,,1,completed\n" * 100
        response = _send(client, [("big.csv", big)])
    finally:
        app.server.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413
    assert "larger than the limit" in _text(response)
    assert query(db, "SELECT count(*) FROM loads")[0][0] == before


def test_quality_pages_leak_nothing_of_the_planted_warehouse(tmp_path_factory):
    """/quality (written server-side) and the agency page's section, on tests/planted.py's warehouse: the
    public gets none of it, dos-ca's manager nothing of va-vba's unpublished quarter nor its rejected row,
    OMB the rejected row (so the search can find it)."""
    from dash import html

    from dashboard.quality_block import quality_section
    from dashboard.server_html import to_html
    from metrics.access import OMB, PUBLIC, agency_manager, viewing
    from tests.planted import (
        PLANTED_SMALL,
        PLANTED_TEXT,
        PLANTED_UNPUBLISHED,
        REASON,
        REJECT,
        build_planted,
        find_planted,
    )

    folder = tmp_path_factory.mktemp("quality-planted")
    db = build_planted(folder / "planted.duckdb")
    make_users(folder / "users.yaml")
    app = make_app(db, folder)
    formatted = [r"(?<![\d.,])" + re.escape(n) + r"(?!\d|,\d|\.\d)"
                 for n in ("4,173", "4,102", "86,421", "24,680")]
    va_text = [re.escape(REASON[:21]), re.escape(REJECT)]
    public = [*PLANTED_UNPUBLISHED, *formatted, *PLANTED_SMALL, *PLANTED_TEXT]
    dos = [*PLANTED_UNPUBLISHED, *formatted, *va_text]
    for user, patterns in ((None, public), ("dos-manager", dos)):
        page = signed_in_client(app, user).get("/quality").get_data(as_text=True)
        assert find_planted(page, patterns) == [], user
    omb = signed_in_client(app, "omb-user").get("/quality").get_data(as_text=True)
    assert find_planted(omb, [re.escape(REJECT)]), "OMB sees va-vba's rejected row"

    def section(viewer) -> str:
        with app.server.test_request_context("/agency/va-vba"), viewing(viewer):
            return to_html(html.Div(quality_section(str(db), "va-vba")))

    assert section(PUBLIC) == "<div></div>" and section(agency_manager("dos-ca")) == "<div></div>"
    assert find_planted(section(OMB), [re.escape(REJECT)])
    assert find_planted(section(agency_manager("va-vba")), [re.escape(REJECT)])
