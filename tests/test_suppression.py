"""Small-number suppression, on hand-built frames whose expected hidden cells are worked out by hand."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from metrics.access import OMB, PUBLIC, agency_manager, viewing
from metrics.exports import available
from metrics.suppression import (
    figure_columns,
    for_viewer,
    min_count,
    suppress,
    suppressed_label,
    suppression_rule_text,
)
from tests.conftest import REPO
from tests.planted import build_planted


def channels(parts: dict[str, int], period: str = "FY2024 Q1", service: str = "dos-ca") -> list[dict]:
    """Rows of one service and period across channels, with the 'all' total; agree = 60% of n (rounded)."""
    rows = [
        {
            "service_id": service,
            "period": period,
            "channel": ch,
            "n": n,
            "agree": round(n * 0.6),
            "agree_share": round(n * 0.6) / n,
        }
        for ch, n in parts.items()
    ]
    total = sum(parts.values())
    rows.append(
        {
            "service_id": service,
            "period": period,
            "channel": "all",
            "n": total,
            "agree": sum(r["agree"] for r in rows),
            "agree_share": sum(r["agree"] for r in rows) / total,
        }
    )
    return rows


def hidden(frame: pd.DataFrame) -> set[tuple]:
    return {(r.service_id, r.period, r.channel) for r in frame[frame["suppressed"]].itertuples()}


def test_k_comes_from_publication_yaml() -> None:
    assert min_count() == 10  # data/publication.yaml suppression.min_count
    assert suppressed_label() == "suppressed (fewer than 10)"
    assert "fewer than 10" in suppression_rule_text() and "next smallest" in suppression_rule_text()


def test_primary_and_complementary_across_channels() -> None:
    frame = pd.DataFrame(channels({"phone": 7, "online": 13, "in-person": 250}))
    out = suppress(frame, k=10)
    # phone (7 < 10) is primary; alone it could be read off as all - online - in-person, so the next
    # smallest of the group, online (13), is hidden too; in-person and the total stay.
    assert hidden(out) == {("dos-ca", "FY2024 Q1", "phone"), ("dos-ca", "FY2024 Q1", "online")}
    shut = out[out["suppressed"]]
    assert shut[["n", "agree", "agree_share"]].isna().all().all()
    assert out.loc[~out["suppressed"], "n"].tolist() == [250, 270]
    # Totals minus visible cells give only the sum of the two hidden cells (7 + 13), never one of them.
    total = out.loc[out["channel"] == "all", "n"].iloc[0]
    visible_parts = out[(out["channel"] != "all") & ~out["suppressed"]]["n"].sum()
    assert total - visible_parts == 20 and len(shut) == 2


def test_a_lone_small_part_hides_the_total_when_it_is_the_next_smallest() -> None:
    # One channel only: the total equals the small part, so it must go too (both are 6 anyway);
    # phone 4 with online 500: online is the next smallest of the parts, the total stays.
    out = suppress(pd.DataFrame(channels({"phone": 6})), k=10)
    assert out["suppressed"].tolist() == [True, True]
    out = suppress(pd.DataFrame(channels({"phone": 4, "online": 500})), k=10)
    assert hidden(out) == {("dos-ca", "FY2024 Q1", "phone"), ("dos-ca", "FY2024 Q1", "online")}


def test_two_small_cells_need_no_complement() -> None:
    out = suppress(pd.DataFrame(channels({"phone": 3, "online": 8, "mail": 40, "in-person": 60})), k=10)
    assert hidden(out) == {("dos-ca", "FY2024 Q1", "phone"), ("dos-ca", "FY2024 Q1", "online")}


def test_groups_are_per_service_and_period() -> None:
    rows = (
        channels({"phone": 5, "online": 30, "mail": 80})
        + channels({"phone": 20, "online": 25, "mail": 90}, period="FY2024 Q2")
        + channels({"phone": 50, "online": 60}, service="va-vba")
    )
    out = suppress(pd.DataFrame(rows), k=10)
    assert hidden(out) == {("dos-ca", "FY2024 Q1", "phone"), ("dos-ca", "FY2024 Q1", "online")}


def test_complementary_across_drivers_and_labels_that_follow_the_dimension() -> None:
    frame = pd.DataFrame(
        [
            {
                "service_id": "dos-ca",
                "channel": "phone",
                "period": "FY2024 Q1",
                "driver": d,
                "question_text": f"Q {d}",
                "n": n,
                "agree_share": 0.5,
            }
            for d, n in (("trust", 8), ("satisfaction", 40), ("ease", 55))
        ]
    )
    out = suppress(frame, k=10)
    assert out["suppressed"].tolist() == [True, True, False]


def test_comparisons_with_a_hidden_period_are_blanked() -> None:
    frame = pd.DataFrame(
        {
            "service_id": ["dos-ca"] * 5,
            "channel": ["phone"] * 5,
            "fiscal_year": [2024] * 4 + [2025],
            "quarter": [1, 2, 3, 4, 1],
            "n": [6, 120, 130, 140, 150],
            "agree_share": [0.5, 0.7, 0.72, 0.71, 0.75],
            "change_prev": [None, 0.2, 0.02, -0.01, 0.04],
            "yago_agree_share": [None, None, None, None, 0.5],
            "change_yago": [None, None, None, None, 0.25],
        }
    )
    out = suppress(frame, k=10)
    assert out["suppressed"].tolist() == [True, False, False, False, False]
    # Q2's change from Q1 (0.7 - 0.2) and FY2025 Q1's comparison with FY2024 Q1 would give Q1 back.
    assert pd.isna(out.loc[1, "change_prev"]) and pd.isna(out.loc[4, "change_yago"])
    assert pd.isna(out.loc[4, "yago_agree_share"])
    assert out.loc[2, "change_prev"] == 0.02 and out.loc[4, "change_prev"] == 0.04
    assert out.loc[1, "agree_share"] == 0.7  # the row's own figures stay


def test_keys_parameters_and_judgements() -> None:
    frame = pd.DataFrame(
        {
            "service_id": ["a", "b"],
            "fiscal_year": [2024, 2024],
            "quarter": [1, 1],
            "target_share": [0.8, 0.8],
            "n": [3, 50],
            "share_within": [0.9, 0.7],
            "status": ["on track", "off track"],
            "low_n": [True, False],
            "synthetic": [True, True],
        }
    )
    assert figure_columns(frame) == ["n", "share_within", "status", "low_n"]
    out = suppress(frame, k=10)
    assert out.loc[0, ["service_id", "fiscal_year", "quarter", "target_share", "synthetic"]].tolist() == [
        "a",
        2024,
        1,
        0.8,
        True,
    ]
    assert out.loc[0, ["n", "share_within", "status", "low_n"]].isna().all()
    assert out.loc[1, "status"] == "off track" and not out.loc[1, "low_n"]


def test_frames_without_n_and_zero_counts() -> None:
    frame = pd.DataFrame({"service_id": ["a"], "value": [3.0]})
    assert suppress(frame, k=10) is frame
    out = suppress(pd.DataFrame({"service_id": ["a", "b"], "n": [0, 40], "value": [None, 2.0]}), k=10)
    assert out["suppressed"].tolist() == [False, False]  # nothing measured: nothing to hide


def test_viewers() -> None:
    frame = pd.DataFrame(
        channels({"phone": 7, "online": 40}) + channels({"phone": 8, "online": 30}, service="va-vba")
    )
    with viewing(OMB):
        assert for_viewer(frame) is frame
    with viewing(PUBLIC):
        assert len(hidden(for_viewer(frame))) == 4
    with viewing(agency_manager("va-vba")):  # its own rows in full, dos-ca's as the public sees them
        assert hidden(for_viewer(frame)) == {
            ("dos-ca", "FY2024 Q1", "phone"),
            ("dos-ca", "FY2024 Q1", "online"),
        }


@pytest.mark.parametrize("seed", range(30))
def test_random_frames_never_show_a_small_cell_nor_one_lone_hidden_part(seed: int) -> None:
    rng = random.Random(seed)
    rows = []
    for service in ("s1", "s2", "s3"):
        for period in ("Q1", "Q2", "Q3"):
            parts = {
                ch: rng.choice([1, 3, 9, 10, 11, 25, 80, 400])
                for ch in ("phone", "online", "mail", "visit")
                if rng.random() < 0.8
            }
            if parts:
                rows += channels(parts, period=period, service=service)
    frame = pd.DataFrame(rows)
    out = suppress(frame, k=10)
    shown = out[~out["suppressed"]]
    assert (shown["n"] >= 10).all()
    for _, group in out.groupby(["service_id", "period"]):
        parts = group[group["channel"] != "all"]
        total = group[group["channel"] == "all"]
        if not total["suppressed"].iloc[0]:
            # the total is shown: never exactly one hidden part (it would be total - visible parts)
            assert parts["suppressed"].sum() != 1


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_planted(tmp_path_factory.mktemp("planted-suppression") / "w.duckdb")


def test_public_exports_never_carry_a_small_n_with_a_figure(planted: Path) -> None:
    k = min_count()
    checked = 0
    with viewing(PUBLIC):
        for name, fn in sorted(available().items()):
            frame = fn(planted)
            if "n" not in frame.columns:
                continue
            n = pd.to_numeric(frame["n"], errors="coerce")
            small = frame[(n > 0) & (n < k)]
            assert small.empty, (name, small.head())
            if frame["suppressed"].any():
                checked += 1
                assert frame.loc[frame["suppressed"], "n"].isna().all(), name
    assert checked >= 2  # survey-scores and survey-trends hold the planted small cells


def test_methodology_text_is_the_rule_of_data(tmp_path: Path) -> None:
    (tmp_path / "publication.yaml").write_text("suppression:\n  min_count: 25\n")
    assert min_count(tmp_path) == 25 and "fewer than 25" in suppression_rule_text(tmp_path)
    (tmp_path / "publication.yaml").write_text("suppression:\n  min_count: many\n")
    with pytest.raises(ValueError, match=r"publication.yaml: suppression.min_count"):
        min_count(tmp_path)
    assert (REPO / "data" / "publication.yaml").is_file()
