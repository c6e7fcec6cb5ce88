"""The rendered-page cache (dashboard.page_cache): a repeat visit is served from it, never to another
viewer, never after the warehouse or a declaration file changed, and never for a page on its
no-cache list. Hits are observed by the cache's counters, never by timing.

The demo warehouse holds FY2025 Q4 of the passport service (dos-ca) as a draft: its agency's manager
and OMB see those figures marked "(draft)"; another agency's manager and the public do not.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import dash
import flask
import pytest

from bench.dashboard import payload, router_dependency
from core.declarations import _LOADED, CHECKERS
from core.paths import data_file
from dashboard import page_cache
from dashboard.page_cache import CACHE, NEVER, POLICY, SCOPE, USER, Kept, PageCache
from metrics.access import PUBLIC, agency_manager, viewing
from tests.conftest import copy_warehouse
from tests.web_support import demo_db, make_app, make_users, signed_in_client

__all__ = ["demo_db"]

DRAFT = "FY2025 Q4 (draft)"  # a staff-only figure label on /service/dos-ca, for dos-ca's manager
SERVICE = "/service/dos-ca"


@pytest.fixture(scope="module")
def app(tmp_path_factory, demo_db: Path):
    folder = tmp_path_factory.mktemp("page-cache")
    make_users(folder / "users.yaml")
    return make_app(demo_db, folder)


@pytest.fixture(autouse=True)
def _empty_cache():
    CACHE.clear()
    yield
    CACHE.clear()


def visit(client, path: str) -> str:
    """What a browser navigating to `path` gets: the pages router's answer, as text."""
    router = router_dependency(client.get("/_dash-dependencies").get_json())
    response = client.post("/_dash-update-component", json=payload(router, path))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def entry_point(html: str) -> str:
    """The page's own part of its first HTML (from the entry point on, up to Dash's footer)."""
    start = html.index('<div id="react-entry-point">')
    return html[start:html.index("<footer", start)]


def test_every_page_is_classified(app) -> None:
    names = {page_cache.page_name(page) for page in dash.page_registry.values()}
    assert names == set(POLICY), "classify each page in dashboard.page_cache.POLICY (new or gone)"
    assert page_cache.policy({"module": "dashboard.pages.brand_new"}) == NEVER, "unclassified: never kept"


def test_a_second_visit_is_served_from_the_cache(app) -> None:
    client = signed_in_client(app, None)
    first = visit(client, SERVICE)
    after_first = CACHE.stats()
    second = visit(client, SERVICE)
    after_second = CACHE.stats()
    assert second == first
    assert after_second["hits"] == after_first["hits"] + 1
    assert after_second["misses"] == after_first["misses"]
    assert after_second["entries"] == after_first["entries"]


def test_the_cached_page_is_the_page_drawn_without_the_cache(app, monkeypatch) -> None:
    client = signed_in_client(app, "dos-manager")
    visit(client, SERVICE)
    kept = visit(client, SERVICE)
    monkeypatch.setattr(CACHE, "max_bytes", 0)  # off: drawn as before the cache existed
    before = CACHE.stats()
    assert visit(client, SERVICE) == kept
    assert CACHE.stats()["hits"] == before["hits"]


def test_viewers_never_share_a_page(app) -> None:
    manager = signed_in_client(app, "dos-manager")
    public = signed_in_client(app, None)
    other = signed_in_client(app, "va-manager")
    omb = signed_in_client(app, "omb-user")
    assert DRAFT in visit(manager, SERVICE), "the manager sees their agency's draft quarter"
    for client in (public, other, omb):  # each a miss of its own, though the manager came first
        misses = CACHE.stats()["misses"]
        body = visit(client, SERVICE)
        assert CACHE.stats()["misses"] == misses + 1
        if client is omb:
            assert DRAFT in body, "OMB sees every quarter, drafts marked"
            continue
        assert DRAFT not in body, "a draft is for its agency's manager and OMB only"
        if client is public:
            assert "FY2025 Q4" not in body, "the public sees published quarters only"
    assert CACHE.stats()["entries"] == 4
    hits = CACHE.stats()["hits"]
    assert DRAFT not in visit(public, SERVICE)  # the public's kept page: still nothing staff-only
    assert DRAFT in visit(manager, SERVICE)
    assert CACHE.stats()["hits"] == hits + 2


def test_server_rendered_html_is_kept_per_viewer(app) -> None:
    """The layout written into the first HTML of a server-rendered page (the rest of the HTML, such as
    the sign-out form, is the shell's and is written per request)."""
    manager = signed_in_client(app, "dos-manager")
    first = manager.get("/quality").get_data(as_text=True)
    assert "(dos-ca) loads" in first
    hits = CACHE.stats()["hits"]
    second = manager.get("/quality").get_data(as_text=True)
    assert CACHE.stats()["hits"] == hits + 1
    assert entry_point(second) == entry_point(first)
    public = signed_in_client(app, None).get("/quality")
    assert public.status_code == 404
    assert "(dos-ca) loads" not in public.get_data(as_text=True)
    omb = signed_in_client(app, "omb-user").get("/quality").get_data(as_text=True)
    assert "(dos-ca) loads" not in omb


def test_a_page_on_the_no_cache_list_is_never_kept(app, monkeypatch) -> None:
    monkeypatch.setitem(POLICY, "service", NEVER)
    client = signed_in_client(app, None)
    bodies = [visit(client, SERVICE) for _ in range(3)]
    stats = CACHE.stats()
    assert stats["hits"] == 0 and stats["entries"] == 0 and stats["uncached"] == 3
    assert bodies[0] == bodies[1] == bodies[2]


def test_the_not_found_page_and_unknown_addresses_are_not_kept(app) -> None:
    assert POLICY["not_found_404"] == NEVER
    client = signed_in_client(app, None)
    visit(client, "/no-such-page")
    visit(client, "/no-such-page")
    assert CACHE.stats()["entries"] == 0 and CACHE.stats()["hits"] == 0


def test_per_session_material_is_never_kept(app) -> None:
    """A second guard behind the list: a page that came out with a CSRF field is drawn every time."""
    page = next(p for p in dash.page_registry.values() if page_cache.page_name(p) == "accessibility")
    drawn = []

    def draw(text: str) -> str:
        drawn.append(text)
        return text

    form = '<form><input type="hidden" name="csrf_token" value="abc"></form>'
    with app.server.test_request_context("/accessibility"), viewing(PUBLIC):
        for _ in range(2):
            assert page_cache.kept_html(page, {}, lambda: draw(form)) == form
        assert len(drawn) == 2 and CACHE.stats()["entries"] == 0
        for _ in range(2):
            page_cache.kept_html(page, {}, lambda: draw("<p>plain</p>"))
    assert len(drawn) == 3 and CACHE.stats()["hits"] == 1, "the plain page was kept"


def test_a_per_user_page_is_kept_per_user(app, monkeypatch) -> None:
    monkeypatch.setitem(POLICY, "service", USER)
    page = next(p for p in dash.page_registry.values() if page_cache.page_name(p) == "service")
    keys = []
    with app.server.test_request_context(SERVICE), viewing(agency_manager("dos-ca")):
        for name in ("alice", "bob"):
            flask.g.servicestat_user = SimpleNamespace(username=name)
            keys.append(page_cache.page_key(page, {"service_id": "dos-ca"}))
        flask.g.servicestat_user = None
        assert page_cache.page_key(page, {"service_id": "dos-ca"}) is None, "nobody signed in: not kept"
    assert None not in keys and keys[0] != keys[1]
    monkeypatch.setitem(POLICY, "service", SCOPE)
    with app.server.test_request_context(SERVICE):
        with viewing(PUBLIC):
            public = page_cache.page_key(page, {"service_id": "dos-ca"})
        with viewing(agency_manager("dos-ca")):
            manager = page_cache.page_key(page, {"service_id": "dos-ca"})
    assert public != manager


def test_publishing_into_the_warehouse_is_a_miss(tmp_path, demo_db: Path) -> None:
    """The workflow writes like a load does (ingest.warehouse.writer: a new file swapped in)."""
    from publish.workflow import move

    db = tmp_path / "copy.duckdb"
    copy_warehouse(demo_db, db)
    folder = tmp_path / "users"
    folder.mkdir()
    public = make_app(db, folder).server.test_client()
    before = visit(public, SERVICE)
    assert "FY2025 Q4" not in before
    assert visit(public, SERVICE) == before and CACHE.stats()["hits"] == 1
    for state in ("submitted", "published"):
        move(db, state, "dos-ca", 2025, 4, by="omb-user", archive=False)
    misses = CACHE.stats()["misses"]
    after = visit(public, SERVICE)
    assert CACHE.stats()["misses"] == misses + 1
    assert "FY2025 Q4" in after and DRAFT not in after, "the published quarter, for everyone"


def test_a_changed_declaration_file_is_a_miss(tmp_path) -> None:
    catalogue = {name for name in _LOADED} | {"publication.yaml"}  # metrics.cache's declaration key
    assert catalogue <= {name for name, _check in CHECKERS}, "the page key stamps every one of them"
    for name, _check in CHECKERS:
        source = data_file(name)
        if source.exists():
            shutil.copyfile(source, tmp_path / name)
    before = page_cache.declarations_stamp(tmp_path)
    assert page_cache.declarations_stamp(tmp_path) == before
    (tmp_path / "site.yaml").write_text((tmp_path / "site.yaml").read_text() + "\n# edited\n")
    assert page_cache.declarations_stamp(tmp_path) != before


def test_the_cache_is_bounded() -> None:
    cache = PageCache(max_entries=2, max_bytes=10)
    cache.put("a", Kept(b"1234"))
    cache.put("b", Kept(b"1234"))
    assert cache.get("a") is not None  # a is now the most recent
    cache.put("c", Kept(b"1234"))  # over both caps: b, the least recent, goes
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
    cache.put("d", Kept(b"12345678"))  # 8 + 4 > 10 bytes: only d and... nothing else fits
    assert cache.stats()["bytes"] <= 10 and cache.get("d") is not None
    cache.put("huge", Kept(b"x" * 11))  # larger than the whole cache: not kept
    assert cache.get("huge") is None


def test_size_setting(monkeypatch) -> None:
    monkeypatch.setenv("SERVICESTAT_PAGE_CACHE_MB", "0")
    assert page_cache.max_bytes() == 0
    monkeypatch.setenv("SERVICESTAT_PAGE_CACHE_MB", "1.5")
    assert page_cache.max_bytes() == 1572864
    monkeypatch.setenv("SERVICESTAT_PAGE_CACHE_MB", "lots")
    with pytest.raises(ValueError, match="SERVICESTAT_PAGE_CACHE_MB"):
        page_cache.max_bytes()


def test_only_the_pages_router_is_answered_from_the_cache(app) -> None:
    router = router_dependency(app.server.test_client().get("/_dash-dependencies").get_json())
    body = payload(router, SERVICE)
    assert page_cache.router_call(body) == (SERVICE, "")
    other_input = dict(body, inputs=[*body["inputs"], {"id": "some-filter", "property": "value", "value": 1}])
    assert page_cache.router_call(other_input) is None, "an answer that depends on more than the URL"
    assert page_cache.router_call(dict(body, output="table.data")) is None
    assert page_cache.router_call([body]) is None
