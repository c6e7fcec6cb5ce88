"""Channels by performance (metrics.channels.channel_performance, worst_channels; the registered table
`channel-performance`; the summary sentence of dashboard.channels_block), on the hand-made warehouse of
tests/channel_warehouse.py: every figure below is worked out by hand there."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from metrics.access import OMB, PUBLIC, agency_manager, viewing
from metrics.channels import (
    POINTS,
    STANDARD,
    SURVEY,
    VS_ALL,
    VS_TARGET,
    channel_performance,
    mark_worst,
    worst_channel,
    worst_channels,
    worst_rule_text,
)
from metrics.registry import TABLES
from tests.channel_warehouse import DECL, build_channels

# Wilson 95 % interval of 80 of 100, by hand: centre (0.8 + z²/200) / (1 + z²/100) = 0.788902,
# half-width z·sqrt(0.8·0.2/100 + z²/40000) / (1 + z²/100) = 0.077731 (z = 1.959964, z² = 3.841459).
WILSON_80_OF_100 = (0.711171, 0.866633)


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_channels(tmp_path_factory.mktemp("channels"))


def _rows(db: Path, period: str) -> pd.DataFrame:
    frame = channel_performance(db, "quarter", data_dir=DECL)
    return frame[(frame["service_id"] == "dos-ca") & (frame["period"] == period)]


def _one(rows: pd.DataFrame, **match: object) -> dict:
    keep = pd.Series(True, index=rows.index)
    for column, value in match.items():
        keep &= rows[column] == value
    found = rows[keep]
    assert len(found) == 1, (match, found)
    return found.iloc[0].to_dict()


def test_standards_by_channel_by_hand(hand: Path) -> None:
    with viewing(OMB):
        rows = _rows(hand, "FY2025 Q1")
    phone = _one(rows, kind=STANDARD, channel="phone")
    assert (phone["standard_id"], phone["status"], phone["compared_with"]) == (
        "t-calls-2-minutes", "off track", VS_TARGET)
    assert (phone["result"], phone["target"], phone["n"]) == (pytest.approx(0.62), pytest.approx(0.90), 200)
    assert phone["gap"] == pytest.approx(-28.0) and phone["gap_unit"] == POINTS  # 62 % - 90 %
    assert phone["shortfall"] == pytest.approx(0.28)
    mail = _one(rows, kind=STANDARD, channel="mail")
    assert (mail["status"], mail["n"]) == ("on track", 20)
    assert (mail["result"], mail["target"]) == (pytest.approx(18 / 20), pytest.approx(0.80))
    assert mail["gap"] == pytest.approx(10.0) and mail["shortfall"] == pytest.approx(-0.10)


def test_survey_by_channel_against_all_channels(hand: Path) -> None:
    with viewing(OMB):
        rows = _rows(hand, "FY2025 Q1")
    phone = _one(rows, kind=SURVEY, driver="trust", channel="phone")
    assert (phone["result"], phone["n"]) == (pytest.approx(0.80), 100)
    assert (phone["ci_low"], phone["ci_high"]) == pytest.approx(WILSON_80_OF_100, abs=1e-6)
    assert phone["gap"] == pytest.approx(10.0) and phone["compared_with"] == VS_ALL  # 80 % - 140/200
    online = _one(rows, kind=SURVEY, driver="trust", channel="online")
    assert online["result"] == pytest.approx(0.60) and online["gap"] == pytest.approx(-10.0)
    pooled = _one(rows, kind=SURVEY, driver="trust", channel="all")
    assert (pooled["result"], pooled["n"]) == (pytest.approx(0.70), 200)
    assert pd.isna(pooled["gap"])


def test_phone_misses_its_standard_so_phone_is_worst(hand: Path) -> None:
    """The survey would name online (60 % trust), but a missed standard comes first."""
    with viewing(OMB):
        worst = worst_channel(_rows(hand, "FY2025 Q1"))
    assert worst is not None
    assert (worst["channel"], worst["basis"], worst["all_met"]) == ("phone", STANDARD, False)
    assert (worst["result"], worst["target"], worst["n"]) == (pytest.approx(0.62), pytest.approx(0.9), 200)


def test_summary_sentence_names_phone_with_its_numbers(hand: Path) -> None:
    from dashboard.channels_block import worst_sentence

    with viewing(OMB):
        worst = worst_channel(_rows(hand, "FY2025 Q1"))
    assert worst_sentence(worst, "FY2025 Q1") == (
        "Worst channel in FY2025 Q1: Phone. Calls answered within 2 minutes: 62.0% against a target of "
        "90.0% (28.0 points below target, off track, n = 200).")


def test_every_standard_met_the_survey_decides_and_suppression_counts(hand: Path) -> None:
    """FY2025 Q2: phone meets its standard. OMB: in person has the lowest trust (1 of 7, n 7 >= the
    minimum 5). The public: in person is suppressed (n 7 < 10) and phone with it (the complement),
    so a hidden figure is never named: online, 84 of 120."""
    with viewing(OMB):
        omb = worst_channel(_rows(hand, "FY2025 Q2"))
    assert (omb["channel"], omb["basis"], omb["all_met"]) == ("in-person", SURVEY, True)
    assert (omb["result"], omb["n"]) == (pytest.approx(1 / 7), 7)
    with viewing(PUBLIC):
        rows = _rows(hand, "FY2025 Q2")
        public = worst_channel(rows)
    hidden = rows[rows["suppressed"]]
    assert set(hidden["channel"]) == {"in-person", "phone"} and hidden["result"].isna().all()
    assert (public["channel"], public["basis"], public["result"]) == ("online", SURVEY, pytest.approx(0.70))
    assert public["gap"] == pytest.approx((84 / 120 - 175 / 227) * 100)


def test_the_manager_sees_own_figures_in_full(hand: Path) -> None:
    with viewing(agency_manager("dos-ca")):
        worst = worst_channel(_rows(hand, "FY2025 Q2"))
    assert worst["channel"] == "in-person"


def test_ties_go_to_the_larger_n_then_channel_order() -> None:
    base = {"service_id": "s", "grain": "quarter", "period": "FY2025 Q1", "kind": STANDARD, "driver": None,
            "status": "off track", "low_n": False, "result": 0.7, "measure": "m"}
    frame = pd.DataFrame([
        {**base, "channel": "phone", "shortfall": 0.10, "n": 100},
        {**base, "channel": "mail", "shortfall": 0.1 + 1e-12, "n": 300},  # the same gap, float noise
        {**base, "channel": "online", "shortfall": 0.05, "n": 900},
    ])
    assert worst_channel(frame)["channel"] == "mail"
    frame.loc[frame["channel"] == "mail", "n"] = 100
    assert worst_channel(frame)["channel"] == "phone"  # same n: online, phone, ... order of channels.yaml
    frame["status"] = "on track"
    frame["shortfall"] = -0.01
    assert worst_channel(frame) is None  # all met and no survey: nothing to name


def test_registered_table_marks_the_worst_row(hand: Path) -> None:
    """The registry reads the shipped declarations: the same phone miss in FY2025 Q1; in FY2025 Q2 the
    shipped minimum n (30) leaves in person (n 7) out of the comparison, so online is worst."""
    with viewing(OMB):
        table = TABLES["channel-performance"].frame(hand, {"service": "dos-ca"})
    assert set(table["grain"]) == {"quarter"}
    worst = table[table["worst"]]
    picked = {(r.period, r.kind, r.channel) for r in worst.itertuples()}
    assert picked == {("FY2025 Q1", STANDARD, "phone"), ("FY2025 Q2", SURVEY, "online")}


def test_mark_worst_matches_worst_channels(hand: Path) -> None:
    with viewing(OMB):
        frame = channel_performance(hand, "quarter", data_dir=DECL)
    marked = mark_worst(frame)
    assert marked["worst"].sum() == len(worst_channels(frame))


def test_rule_text_says_the_rule() -> None:
    text = worst_rule_text()
    assert "furthest below target" in text and "Ties go to the channel with more observations (n)" in text
    assert "lowest trust agree share" in text and "Volume" in text
