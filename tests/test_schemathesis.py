"""Property-based checks of the open API against its own OpenAPI description (schemathesis).

For every operation: generated valid requests never get a server error and every response
conforms to the documented status codes, media types and schemas; generated invalid requests
are refused with a documented 4xx, never a 500. Bounded (max_examples) to stay well under a minute.
The requests run as OMB, who sees every row, so the schemas are checked on full tables.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from metrics.registry import TABLES
from tests.web_support import demo_db, make_app, make_users, signed_in_client

__all__ = ["demo_db"]

MAX_EXAMPLES = 6  # per operation: 26 table operations now, against 9 before the registry
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def schema_and_cookie(tmp_path_factory, demo_db: Path):
    folder = tmp_path_factory.mktemp("schemathesis")
    make_users(folder / "users.yaml")
    app = make_app(demo_db, folder)
    client = signed_in_client(app, "omb-user")
    cookie = client.get_cookie("servicestat_session")
    # The description as OMB reads it: the public's leaves out the staff-only tables.
    schema = schemathesis.openapi.from_dict(client.get("/api/v1/openapi.json").get_json())
    schema.app, schema.location = app.server, "/api/v1/openapi.json"
    return schema, f"servicestat_session={cookie.value}"


#: Former table names answer with the same handler and declarations as the table's own name
#: (tests/test_api.py compares them): generating cases for both would only double the run time.
FORMER = {f"/api/v1/{alias}" for table in TABLES.values() for alias in table.aliases}


def operations(schema) -> list:
    found = [result.ok() for result in schema.get_all_operations()]
    # Submissions write to the warehouse and need a token: covered by tests/test_submissions.py.
    return [op for op in found if op.method.upper() == "GET" and op.path not in FORMER]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_openapi_description(schema_and_cookie, mode):
    schema, cookie = schema_and_cookie
    ops = operations(schema)
    assert {op.path for op in ops} == {f"/api/v1/{name}" for name in TABLES} | {"/api/v1/archive"}
    checks = CHECKS if mode is GenerationMode.POSITIVE else [not_a_server_error, negative_data_rejection]
    for operation in ops:
        if mode is GenerationMode.NEGATIVE and not len(operation.query):
            continue  # nothing to make invalid (the archive listing takes no parameters)

        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case) -> None:
            # A cookie jar entry: werkzeug's client drops a hand-written Cookie header.
            name, _, value = cookie.partition("=")
            case.call_and_validate(cookies={name: value}, checks=checks)

        run()
