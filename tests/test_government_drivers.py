"""Government-wide A-11 drivers per quarter (metrics.scorecard.government_drivers) and what the
warehouse holds (metrics.holdings), by hand from tests/fixtures/metrics_survey.csv."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from metrics.access import PUBLIC, viewing
from metrics.holdings import holdings
from metrics.scorecard import government_drivers
from tests.conftest import REPO
from tests.metrics_warehouse import SURVEY, build

DATA = REPO / "data"


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("gov-drivers") / "w.duckdb", [SURVEY])


def row(frame, period: str, driver: str) -> dict:
    found = frame[(frame["period"] == period) & (frame["driver"] == driver)]
    assert len(found) == 1
    return found.iloc[0].to_dict()


def test_services_pooled_with_mean_and_tested_change(wh: Path) -> None:
    frame = government_drivers(wh, data_dir=DATA)
    q1 = row(frame, "FY2024 Q1", "satisfaction")
    # FY2024 Q1 satisfaction: dos-ca 80/100, va-vba 90/100, patents 20/20, trademarks 10/20; OSHA has a
    # published mean but no answer counts, so it adds nothing: 200 of 240 agree, 4 services.
    assert (q1["services"], q1["agree"], q1["n"]) == (4, 200, 240)
    assert q1["agree_share"] == pytest.approx(200 / 240)
    # Answer sums: 415 + (30 + 160 + 250) + (40 + 50) + (5 + 10 + 20 + 25) = 1005.
    assert q1["mean"] == pytest.approx(1005 / 240)
    assert q1["agree_ci_low"] < 200 / 240 < q1["agree_ci_high"]
    assert math.isnan(q1["change_prev"])
    q2 = row(frame, "FY2024 Q2", "satisfaction")
    # Q2: dos-ca alone, 96 of 110. Pooled (200 + 96) / 350; se = sqrt(p (1 - p) (1/240 + 1/110)).
    assert (q2["agree"], q2["n"], q2["services"]) == (96, 110, 1)
    assert q2["change_prev"] == pytest.approx(96 / 110 - 200 / 240)
    pooled = 296 / 350
    z = (96 / 110 - 200 / 240) / math.sqrt(pooled * (1 - pooled) * (1 / 240 + 1 / 110))
    assert q2["p_value_prev"] == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert not q2["significant_prev"]


def test_holdings_say_loaded_even_when_nothing_is_published(wh: Path, tmp_path: Path) -> None:
    with viewing(PUBLIC):
        assert government_drivers(wh, data_dir=DATA).empty  # nothing published in this warehouse
        held = holdings(wh)
    assert held.survey and not held.operations and held.anything
    empty = build(tmp_path / "empty.duckdb", [])
    assert not holdings(empty).anything
