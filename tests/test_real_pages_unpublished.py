"""What the public is told before anything is published, rendered server-side through the Dash pages
callback (the request a browser sends): a warehouse holding the real FY2021 A-11 results with no
quarter published, and an empty one. The notices must say what is missing - nothing published, or
nothing loaded - and never print a blank fiscal year."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REFERENCE


def _router(client) -> dict:
    deps = client.get("/_dash-dependencies").get_json()
    return next(d for d in deps
                if any(i["id"] == "_pages_location" and i["property"] == "pathname" for i in d["inputs"]))


def page_text(app, path: str) -> str:
    """Every text of the page's layout, as the anonymous public gets it, one string per line."""
    client = app.server.test_client()
    dep = _router(client)
    outputs = [dict(zip(("id", "property"), part.rsplit(".", 1), strict=True))
               for part in dep["output"].strip(".").split("...")]
    values = {"pathname": path, "search": "", "hash": ""}
    response = client.post("/_dash-update-component", json={
        "output": dep["output"], "outputs": outputs, "changedPropIds": ["_pages_location.pathname"],
        "inputs": [dict(i, value=values.get(i["property"])) for i in dep["inputs"]],
        "state": [dict(s, value=None) for s in dep["state"]]})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    texts: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            texts.append(node)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            walk(node.get("props", {}).get("children") if "props" in node else list(node.values()))

    walk(response.get_json()["response"])
    return "\n".join(texts)


@pytest.fixture(scope="module")
def unpublished(tmp_path_factory) -> Path:
    from ingest.loader import load

    db = tmp_path_factory.mktemp("unpublished") / "real.duckdb"
    assert [r.status for r in load([REFERENCE / "a11_cx_fy2021.csv"], db=db)] == ["loaded"]
    return db


@pytest.fixture(scope="module")
def app(unpublished):
    from dashboard.app import create_app

    return create_app(str(unpublished), public=True)


def test_overview_says_nothing_is_published_not_nothing_loaded(app) -> None:
    text = page_text(app, "/")
    assert "No published figures yet" in text
    assert "have been loaded." not in text and "No figures yet" not in text


def test_agency_page_says_nothing_is_published(app) -> None:
    text = page_text(app, "/agency/va-vha")
    assert "No published figures for this agency yet" in text
    assert "No standards of this agency have figures" not in text


def test_benchmarks_never_print_a_blank_year(app) -> None:
    text = page_text(app, "/benchmarks")
    assert not re.search(r"\bFY(?!\d)", text), re.findall(r".{0,40}\bFY(?!\d).{0,40}", text)
    assert "survey results have been loaded but none are published" in text


def test_an_empty_warehouse_says_nothing_is_loaded(tmp_path: Path) -> None:
    from dashboard.app import create_app
    from ingest.loader import load

    db = tmp_path / "empty.duckdb"
    load([], db=db)
    text = page_text(create_app(str(db), public=True), "/")
    assert "No figures yet: no survey results, transactions or reported figures have been loaded." in text
