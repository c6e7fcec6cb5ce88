"""Role matrix of the open API on the planted warehouse (tests/planted.py).

Each role (anonymous public, agency manager of dos-ca, of va-vba, OMB) x each endpoint x each kind
of planted value (unpublished va-vba FY2024 Q2 figures; small dos-ca FY2024 Q1 cells; workflow
text) -> may it appear? The whole table the role gets (every page, JSON and CSV) is searched for
the planted values; and the rows that carry them are checked where each role may see them, so
the test fails if the API showed nothing at all.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from tests.planted import (
    MOVER,
    PLANTED_SMALL,
    PLANTED_UNPUBLISHED,
    REASON,
    REJECT,
    build_planted,
    find_planted,
)
from tests.web_support import make_app, make_users, signed_in_client

ENDPOINTS = ["agencies", "services", "standards", "status", "survey-scores", "goals", "benchmarks",
             "reporting"]
ROLES = {"public": None, "dos-ca": "dos-manager", "va-vba": "va-manager", "omb": "omb-user"}
VA_TEXT = [REASON[:21], REJECT]
#: What each role may see: unpublished (va-vba's own), small cells (dos-ca's own), va-vba's text.
ALLOWED = {
    "public": set(),
    "dos-ca": {"small"},
    "va-vba": {"unpublished", "va_text"},
    "omb": {"small", "unpublished", "va_text"},
}
PATTERNS = {"unpublished": PLANTED_UNPUBLISHED, "small": PLANTED_SMALL,
            "va_text": [p.replace(" ", r"\ ") for p in VA_TEXT]}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planted")
    db = build_planted(folder / "planted.duckdb", archive=True)
    make_users(folder / "users.yaml")
    return make_app(db, folder)


@pytest.fixture(scope="module")
def clients(app):
    return {role: signed_in_client(app, user) for role, user in ROLES.items()}


def fetch_all(client, endpoint: str, fmt: str = "json") -> tuple[list[dict], str]:
    """Every row of an endpoint (following `next`), and the raw text of every response."""
    rows, texts, url = [], [], f"/api/v1/{endpoint}?limit=1000"
    while url:
        response = client.get(url + ("&format=csv" if fmt == "csv" else ""))
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        texts.append(response.get_data(as_text=True))
        if fmt == "csv":
            break
        body = response.get_json()
        rows += body["data"]
        url = body["meta"]["next"]
        url = url and url.replace("http://localhost", "").replace("&format=csv", "")
    return rows, "\n".join(texts)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", list(ROLES))
def test_no_endpoint_shows_a_role_what_it_may_not_see(clients, role, endpoint):
    for fmt in ("json", "csv"):
        _, text = fetch_all(clients[role], endpoint, fmt)
        for kind, patterns in PATTERNS.items():
            if kind not in ALLOWED[role]:
                assert not find_planted(text, patterns), f"{role} got {kind} from {endpoint} ({fmt})"


#: The per-driver survey table (what /api/v1/survey-scores answered before `metrics.registry` gave that
#: name to the per-question table): it names services, not ids.
DRIVER_TABLE = "survey-trends"
SERVICE_NAMES = {"dos-ca": "Passport Services", "va-vba": "Benefits Administration Call Centers"}


def _cell(rows: list[dict], service: str, period: str, channel: str, driver: str) -> dict | None:
    found = [r for r in rows if r["service"] == SERVICE_NAMES[service] and r["period"] == period
             and r["channel"] == channel and r["driver"] == driver]
    assert len(found) <= 1
    return found[0] if found else None


@pytest.mark.parametrize(("role", "sees"), [("public", False), ("dos-ca", False), ("va-vba", True),
                                           ("omb", True)])
def test_unpublished_quarter_only_for_its_agency_and_omb(clients, role, sees):
    rows, _ = fetch_all(clients[role], DRIVER_TABLE)
    cell = _cell(rows, "va-vba", "FY2024 Q2", "phone", "trust")
    if sees:
        assert cell is not None and cell["n"] == 4173 and cell["agree"] == 4102
    else:
        assert cell is None or cell["n"] is None
    # the published quarter of the same service is there for everyone
    published = _cell(rows, "va-vba", "FY2024 Q1", "phone", "trust")
    assert published is not None and published["n"] == 500


@pytest.mark.parametrize(("role", "sees"), [("public", False), ("dos-ca", True), ("va-vba", False),
                                           ("omb", True)])
def test_small_cells_only_for_their_agency_and_omb(clients, role, sees):
    rows, _ = fetch_all(clients[role], DRIVER_TABLE)
    cell = _cell(rows, "dos-ca", "FY2024 Q1", "phone", "trust")
    if sees:
        assert cell is not None and cell["n"] == 7 and abs(cell["agree_share"] - 5 / 7) < 1e-9
    elif cell is not None:
        assert cell["n"] is None and cell["agree_share"] is None and cell.get("suppressed") is True
    large = _cell(rows, "dos-ca", "FY2024 Q1", "in-person", "trust")
    assert large is not None and large["n"] == 250


@pytest.mark.parametrize(("role", "sees_mover"), [("public", False), ("dos-ca", True), ("va-vba", True),
                                                  ("omb", True)])
def test_workflow_names_never_public(clients, role, sees_mover):
    rows, text = fetch_all(clients[role], "reporting")
    va_q2 = [r for r in rows if r["service_id"] == "va-vba" and r["period"] == "FY2024 Q2"]
    assert len(va_q2) == 1 and va_q2[0]["compliance"] == "awaiting review"  # compliance itself is public
    assert (MOVER in text) == sees_mover


def as_text(name: str, data: bytes) -> str:
    """A file's content as searchable text: Parquet tables as CSV (numbers as they would print)."""
    if name.endswith(".parquet"):
        return pd.read_parquet(io.BytesIO(data)).to_csv(index=False)
    return data.decode("utf-8")


def test_archive_holds_only_what_the_public_sees(clients):
    listing = clients["omb"].get("/api/v1/archive").get_json()["data"]
    assert listing, "publishing FY2024 Q1 and Q2 wrote an archive"
    for client in clients.values():
        assert client.get("/api/v1/archive").get_json()["data"] == listing
    for entry in listing:
        text = as_text(entry["path"], clients["public"].get("/api/v1/archive/" + entry["path"]).get_data())
        for kind, patterns in PATTERNS.items():
            assert not find_planted(text, patterns), f"archive file {entry['path']} has {kind}"


def test_reference_tables_are_the_same_for_every_role(clients):
    for endpoint in ("agencies", "services", "standards"):
        texts = {role: fetch_all(client, endpoint)[1] for role, client in clients.items()}
        assert len(set(texts.values())) == 1, endpoint
