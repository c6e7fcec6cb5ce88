"""Drafts and like with like on the overview, in Chromium, as the dos-ca manager and as OMB (demo
warehouse: every quarter published but the last, FY2025 Q4, which every agency is still reporting).

Sign-in lands on the latest published quarter; choosing the draft quarter labels its figures "draft"
in words; the manager's headline compares their own agency with its own previous quarter (a number
worked out here from the standards table); the attention list and movers show; axe finds nothing."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "drafts password 12345"
LATEST_PUBLISHED, DRAFT_QUARTER = "FY2025 Q3", "FY2025 Q4"


@pytest.fixture
def sign_in(page, dash_app, tmp_path):
    """sign_in(user) signs the page in as one of two users of a users file made for this test."""
    from dashboard.auth import add_user

    path = tmp_path / "users.yaml"
    add_user(path, "drafts-manager", "agency", "dos-ca", password=PASSWORD)
    add_user(path, "drafts-omb", "omb", password=PASSWORD)
    before = dash_app.server.config.get("SERVICESTAT_USERS")
    dash_app.server.config["SERVICESTAT_USERS"] = str(path)
    page.set_default_timeout(90_000)  # the overview builds every block cold on a shared machine

    def go(user: str):
        page.goto("/signin")
        page.fill("#username", user)
        page.fill("#password", PASSWORD)
        page.locator("#password").press("Enter")
        page.wait_for_load_state("networkidle")
        assert "Signed in as" in page.inner_text("body")
        return page

    yield go
    dash_app.server.config["SERVICESTAT_USERS"] = before


def _own_share_met(db_path: str, agency: str, period: str) -> float:
    from metrics.access import OMB, viewing
    from metrics.standards import standards_status

    with viewing(OMB):
        rows = standards_status(db_path, "quarter")
    rows = rows[(rows["agency_id"] == agency) & (rows["period"] == period)
                & rows["status"].isin(["on track", "at risk", "off track"])]
    return float((rows["status"] == "on track").sum() / len(rows))


@pytest.mark.parametrize("user", ["drafts-manager", "drafts-omb"])
def test_sign_in_lands_on_the_latest_published_quarter_and_drafts_are_labelled(
        sign_in, dash_ready, axe, axe_report, user, shot):
    page = sign_in(user)
    page.goto("/")
    dash_ready(page)
    assert page.locator("#filter-quarter").input_value() == LATEST_PUBLISHED
    # Only the fiscal-year heatmaps may say draft here: FY2025 holds the draft Q4.
    labelled = page.locator("section:has([data-testid=draft-label])").evaluate_all(
        "els => els.map(e => e.id)")
    assert set(labelled) <= {"home-drivers", "home-standards"}, labelled
    assert page.get_by_test_id("draft-notice").count() == 0
    option = page.locator(f'#filter-quarter option[value="{DRAFT_QUARTER}"]')
    assert option.inner_text().strip() == f"{DRAFT_QUARTER} (draft)"
    assert page.locator("#attention h2").inner_text().startswith(f"Look at first, {LATEST_PUBLISHED}")
    assert page.locator("#movers h2").inner_text().startswith(f"Movers by agency, {LATEST_PUBLISHED}")
    violations = axe(page)
    assert violations == [], axe_report(violations)

    page.select_option("#filter-quarter", DRAFT_QUARTER)
    page.locator("#apply-filters").click()
    page.wait_for_url("**/?*quarter=FY2025+Q4*")
    dash_ready(page)
    assert "is a draft" in page.get_by_test_id("draft-notice").inner_text()
    labelled = page.locator("section.chart-block h2").all_inner_texts()
    quarter_blocks = [t for t in labelled if DRAFT_QUARTER in t or "FY2025" in t]
    assert quarter_blocks and all(t.strip().endswith("(draft)") for t in quarter_blocks), labelled
    tiles = page.locator(".card-group-tiles .usa-card__heading").all_inner_texts()
    assert tiles and all(t.strip().endswith("(draft)") for t in tiles), tiles
    violations = axe(page)
    assert violations == [], axe_report(violations)
    shot(page, f"drafts-{user}")


def test_the_managers_comparison_is_with_their_own_agencys_previous_quarter(sign_in, dash_ready, db_path):
    from dashboard.formatting import fmt_points

    page = sign_in("drafts-manager")
    page.goto("/?quarter=FY2025+Q4")
    dash_ready(page)
    own = page.get_by_test_id("headlines-dos-ca")
    assert own.locator("h2").first.inner_text().startswith("Your agency: Bureau of Consular Affairs")
    change = (_own_share_met(db_path, "dos-ca", DRAFT_QUARTER)
              - _own_share_met(db_path, "dos-ca", LATEST_PUBLISHED))
    text = own.locator("#own-tile-standards-met .tile-change").inner_text()
    assert text == f"{fmt_points(change)} on the agency's previous quarter ({LATEST_PUBLISHED})", text
    # Government-wide: nobody has published FY2025 Q4, so there is nothing to compare, not the draft.
    assert "No published government-wide figures for FY2025 Q4 yet." in page.get_by_test_id(
        "headlines-government").inner_text()


def test_movers_and_the_attention_list_are_the_metrics_frames(sign_in, dash_ready, axe, axe_report, db_path):
    from metrics.access import OMB, viewing
    from metrics.attention import attention
    from metrics.movers import movers
    from metrics.reporting import today

    page = sign_in("drafts-omb")
    page.goto("/")
    dash_ready(page)
    with viewing(OMB):
        rows = movers(db_path, period=LATEST_PUBLISHED)
        lines = attention(db_path, LATEST_PUBLISHED, today())
    rows = rows[~rows["same_as_agency"].astype(bool)]
    expected = [r.agency if r.level == "agency" else f"{r.service} ({r.agency})" for r in rows.itertuples()]
    shown = page.locator("#movers-table tbody tr th").all_inner_texts()
    assert [s.strip() for s in shown] == expected and expected, "declines first, as metrics ranks them"
    measures = page.locator("#movers-table tbody tr td:nth-of-type(1)").all_inner_texts()
    assert [m.strip() for m in measures] == list(rows["measure"])
    items = page.locator("[data-testid=attention-list] li")
    assert items.count() == len(lines) > 0
    assert [items.nth(i).get_attribute("data-kind") for i in range(items.count())] == list(lines["kind"])
    assert items.first.locator("a").get_attribute("href") == lines.iloc[0]["href"]
    # Sort the movers by n, largest first (a link: the sorted view is a URL).
    page.locator('#movers-table thead a[data-sort="n"]').click()
    page.wait_for_url("**/?*msort=n*")
    dash_ready(page)  # let the page settle before leaving it again
    page.locator('#movers-table thead a[data-sort="n"]').click()
    page.wait_for_url("**/?*mdir=desc*")
    dash_ready(page)
    cells = page.locator("#movers-table tbody tr td:nth-of-type(8)").all_inner_texts()
    ns = [int(t.replace(",", "")) for t in cells]
    assert ns == sorted(ns, reverse=True) and len(ns) == len(expected)
    assert page.locator("#movers-table th[aria-sort]").get_attribute("aria-sort") == "descending"
    violations = axe(page)
    assert violations == [], axe_report(violations)
