"""Dash layouts written as plain HTML (dashboard.server_html), and the pages the server sends that
way: /services (the search works without JavaScript), the accessibility statement with its contact
(data/site.yaml), and the "no such agency/service" pages, which answer HTTP 404."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pytest
from dash import dcc, html

from core.check_site import site
from dashboard.server_html import NotRenderable, to_html
from tests.metrics_warehouse import SURVEY, build


def test_elements_attributes_and_text_are_written_and_escaped() -> None:
    tree = html.Div(className="usa-alert", id="x", **{"aria-label": "A & B", "data-testid": "t"}, children=[
        html.H1("Tom & Jerry <3"),
        html.Label("Search", htmlFor="q"),
        html.Th("Year", scope="col", colSpan=2),
        dbc.Input(id="q", type="search", name="q", value='say "hi"', autoComplete="off"),
        html.Button("Go", type="submit", disabled=False, n_clicks=0),
        html.Details(open=True, children=html.Summary("More")),
        None, 7,
    ])
    assert to_html(tree) == (
        '<div aria-label="A &amp; B" class="usa-alert" data-testid="t" id="x">'
        "<h1>Tom &amp; Jerry &lt;3</h1>"
        '<label for="q">Search</label>'
        '<th colspan="2" scope="col">Year</th>'
        '<input autocomplete="off" id="q" name="q" type="search" value="say &quot;hi&quot;">'
        '<button type="submit">Go</button>'
        "<details open><summary>More</summary></details>"
        "7</div>"
    )


def test_a_component_without_plain_html_is_refused() -> None:
    with pytest.raises(NotRenderable, match="Graph"):
        to_html(html.Div(dcc.Graph(id="g")))


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from dashboard.app import create_app

    db = build(tmp_path_factory.mktemp("pages") / "w.duckdb", [SURVEY])
    return create_app(str(db)).server.test_client()


def test_the_accessibility_statement_gives_a_contact_and_the_review_date(client) -> None:
    from dashboard.pages.accessibility import LAST_REVIEWED  # registered by create_app

    contact = site().accessibility_contact
    response = client.get("/accessibility")
    assert response.status_code == 200
    page = response.get_data(as_text=True)  # as the server sent it: readable without JavaScript
    assert f'<a class="usa-link" href="mailto:{contact.email}">{contact.email}</a>' in page
    digits = "".join(ch for ch in contact.phone if ch.isdigit())
    assert f'href="tel:{digits}"' in page
    assert contact.postal_address in page
    assert f"This statement was last reviewed on {LAST_REVIEWED}." in page


def test_services_search_results_are_in_the_html_the_server_sends(client) -> None:
    page = client.get("/services?q=tax+return").get_data(as_text=True)
    assert '<div id="react-entry-point"><div class="line-height-sans-5"><h1>Find a service</h1>' in page
    assert 'href="/service/treas-irs"' in page and 'href="/service/dos-ca"' not in page
    assert '<input autocomplete="off" class="usa-input" id="services-q" name="q" type="search" ' \
        'value="tax return">' in page
    assert '<th scope="col">Service</th>' in page
    assert "1 service matches “tax return”." in page
    every = client.get("/services").get_data(as_text=True)
    assert every.count('href="/service/') == 25
    # The search box in the header of every page: a GET form to /services.
    home = client.get("/accessibility").get_data(as_text=True)
    assert '<form class="usa-search usa-search--small" role="search" method="get" action="/services">' in home


@pytest.mark.parametrize(("path", "status", "h1"), [
    ("/agency/nope", 404, "No such agency"),
    ("/service/nope", 404, "No such service"),
    ("/service/no%20such", 404, "No such service"),
])
def test_unknown_ids_answer_404_with_the_friendly_page(client, path, status, h1) -> None:
    response = client.get(path)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert f"<title>{h1} – ServiceStat</title>" in page
    assert f"<h1>{h1}</h1>" in page  # the page body, not only its title
    assert "/_dash-component-suites/" in page  # still the Dash page: its client starts as usual


@pytest.mark.parametrize(("path", "title"), [
    ("/agency/dos-ca", "Bureau of Consular Affairs – ServiceStat"),
    ("/service/dos-ca", "Passport Services – ServiceStat"),
])
def test_known_ids_answer_200_and_are_left_to_dash(client, path, title) -> None:
    response = client.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"<title>{title}</title>" in page
    assert '<div class="_dash-loading">' in page  # drawn by Dash (charts need JavaScript)


def test_a_question_is_escaped_in_the_html(client) -> None:
    page = client.get("/services?q=%3Cscript%3Ealert(1)%3C/script%3E%22").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert 'No service matches “&lt;script&gt;alert(1)&lt;/script&gt;"”' in page
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;&quot;"' in page
