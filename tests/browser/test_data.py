"""/data in a real browser: every listed download works, the files hold what the pages show,
keyboard use, axe-core and screenshots."""

from __future__ import annotations

import io
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from metrics.registry import TABLES
from tests.browser.page_checks import (
    DESKTOP,
    PHONE,
    ZOOM_200,
    check_shell,
    no_horizontal_scroll,
    tab_through_main,
    table_cells,
    table_headers,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("patient")]


PATH = "/data"
TITLE = "Data downloads – ServiceStat"
FORMATS = ("csv", "json", "parquet")


def number(text: str) -> float:
    """On-screen figure back to a number: "+14.5", "−1.2" (minus sign), "12,345"."""
    return float(text.replace("−", "-").replace("+", "").replace(",", ""))


@pytest.fixture
def data_page(page, dash_ready):
    response = page.goto(PATH)
    dash_ready(page)
    return response


def listed(page) -> list[str]:
    """The table names the page lists, in its order (it counts no rows: it builds no table)."""
    assert table_headers(page, "#downloads-table") == ["Table", "What it holds", "Last updated", "Download"]
    return [row[0] for row in table_cells(page, "#downloads-table")]


def test_renders_with_title_and_one_h1(page, data_page):
    check_shell(page, data_page, title=TITLE, h1="Data downloads")
    assert page.locator("[data-testid=synthetic-notice]").is_visible()


def test_every_table_the_pages_show_is_listed(page, data_page):
    names = set(listed(page))
    # the registry, each table once under its one name; operator tables are staff-only (the page is public)
    assert names == {name for name, table in TABLES.items() if not table.staff_only}
    assert {"benchmarks", "acsi-scores", "standards-status", "survey-trends", "driver-scorecard",
            "standards-scorecard", "goal-progress", "initiative-milestones", "metric-definitions",
            "standards-catalogue", "survey-questions", "service-freshness"} <= names
    for row in table_cells(page, "#downloads-table"):
        assert len(row[1]) > 10, f"{row[0]} has no description"
        assert row[2] != "not known", f"{row[0]} has no last-updated date"


def test_every_link_works_and_the_formats_agree(page, data_page):
    names = listed(page)
    assert len(set(names)) == len(names)
    links = page.locator("#downloads-table a[data-format]")
    assert links.count() == len(names) * len(FORMATS)
    counts: dict[str, dict[str, int]] = {}
    for i in range(links.count()):
        link = links.nth(i)
        name, fmt = link.get_attribute("data-name"), link.get_attribute("data-format")
        href = link.get_attribute("href")
        assert href == f"/download/{name}.{fmt}"
        response = page.request.get(href)  # the browser context's own HTTP client
        assert response.status == 200, (href, response.status)
        assert response.headers["content-disposition"] == f'attachment; filename="servicestat-{name}.{fmt}"'
        body = response.body()
        if fmt == "csv":
            rows = len(pd.read_csv(io.BytesIO(body))) if body.strip() else 0
        elif fmt == "json":
            rows = len(json.loads(body))
        else:
            rows = pq.read_table(io.BytesIO(body)).num_rows
        counts.setdefault(name, {})[fmt] = rows
    for name in names:  # the same table in every format
        assert set(counts[name]) == set(FORMATS), name
        assert len(set(counts[name].values())) == 1, (name, counts[name])
    assert counts["benchmarks"]["csv"] > 0 and counts["survey-scores"]["csv"] > 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_click_downloads_the_file(page, data_page, fmt, tmp_path):
    link = page.locator(f'#downloads-table a[data-name="benchmarks"][data-format="{fmt}"]')
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == f"servicestat-benchmarks.{fmt}"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    if fmt == "csv":
        frame = pd.read_csv(target)
    elif fmt == "json":
        frame = pd.DataFrame(json.loads(target.read_text(encoding="utf-8")))
    else:
        frame = pq.read_table(target).to_pandas()
    assert len(frame) > 0
    assert {"service_id", "fiscal_year", "service_index", "gap_federal", "comparison_note",
            "synthetic"} <= set(frame.columns)


def test_downloaded_numbers_equal_the_numbers_on_screen(page, dash_ready, tmp_path):
    """The benchmarks CSV, downloaded from /data, against the gap table /benchmarks shows."""
    page.goto(PATH)
    dash_ready(page)
    with page.expect_download() as info:
        page.locator('#downloads-table a[data-name="benchmarks"][data-format="csv"]').click()
    target = tmp_path / "benchmarks.csv"
    info.value.save_as(target)
    csv_rows = pd.read_csv(target)
    csv_rows = csv_rows[csv_rows["fiscal_year"] == 2024].set_index("service")

    page.goto("/benchmarks?fiscal_year=2024&agency=all&benchmark=federal")
    dash_ready(page)
    headers = table_headers(page, "#benchmarks-gap-table")
    rows = table_cells(page, "#benchmarks-gap-table")
    assert len(rows) == len(csv_rows) > 20
    col = {h: i for i, h in enumerate(headers)}
    for row in rows:
        expected = csv_rows.loc[row[0]]
        assert number(row[col["Answers (n)"]]) == expected["n"]
        assert number(row[col["Satisfaction index"]]) == round(expected["service_index"], 1)
        assert number(row[col["ACSI federal"]]) == expected["acsi_federal"]
        assert number(row[col["Gap to federal"]]) == round(expected["gap_federal"], 1)


def test_keyboard_reaches_every_link_with_visible_focus(page, data_page):
    tab_through_main(page)


def test_axe_clean_and_screenshots(page, data_page, axe, axe_report, shot):
    violations = axe(page)
    assert violations == [], axe_report(violations)
    shot(page, "data-1280x900")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(200)
    assert no_horizontal_scroll(page)
    violations = axe(page)
    assert violations == [], axe_report(violations)
    shot(page, "data-390x844")
    page.set_viewport_size(ZOOM_200)
    page.wait_for_timeout(200)
    assert no_horizontal_scroll(page)
    page.set_viewport_size(DESKTOP)
