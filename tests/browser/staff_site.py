"""Fixtures for browser tests that write to the warehouse (/submit) or plant loads (/quality): the app
on a copy of the session's demo warehouse, with the users of tests/web_support.py, in its own server.

A module imports ``db_path``, ``dash_app`` and ``live_server`` from here: they override conftest's
session fixtures for that module only (module scope), so the shared demo warehouse is never written.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import copy_warehouse
from tests.web_support import PASSWORDS, make_app, make_users, served


@pytest.fixture(scope="module")
def db_path(db_path, tmp_path_factory) -> str:  # noqa: F811 - the session's demo warehouse, copied
    folder = tmp_path_factory.mktemp("staff-site")
    copy = folder / "warehouse.duckdb"
    copy_warehouse(db_path, copy)
    return str(copy)


@pytest.fixture(scope="module")
def dash_app(db_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("staff-users")
    make_users(folder / "users.yaml")
    return make_app(db_path, folder)


@pytest.fixture(scope="module")
def live_server(dash_app) -> Iterator[str]:
    with served(dash_app.server) as url:
        yield url


def sign_in(page, user: str) -> None:
    """Sign in through the real form as one of tests/web_support.py's users."""
    page.goto("/signin")
    page.fill("#username", user)
    page.fill("#password", PASSWORDS[user])
    page.locator("#password").press("Enter")  # the sign-in form's own submit (the header has a search)
    page.wait_for_load_state("networkidle")
    assert "Signed in as" in page.inner_text("body"), f"{user} could not sign in"
