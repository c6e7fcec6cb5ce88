"""metrics.overview and metrics.channels against direct DuckDB queries and hand-computed statistics
on a small warehouse built from the metrics fixtures through ingest.loader.load."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from core import event_files
from metrics.benchmark_view import federal_index_by_year
from metrics.channels import agency_channels, government_channels, service_channels
from metrics.overview import quarter_headlines, significant_movers
from metrics.standards import standards_status
from tests.metrics_warehouse import DECL, EVENTS, OBSERVATIONS, SURVEY, build

Z = 1.959963984540054


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("overview") / "w.duckdb", [EVENTS, OBSERVATIONS, SURVEY],
                 synthetic=True)


def sql(db: Path, text: str) -> list[tuple]:
    con = event_files.read_only(db)
    try:
        return con.execute(text).fetchall()
    finally:
        con.close()


def wilson(k: float, n: float) -> tuple[float, float]:
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def test_headline_trust_is_the_pooled_agree_share_with_wilson_interval(wh: Path) -> None:
    frame = quarter_headlines(wh, data_dir=DECL).set_index("period")
    direct = sql(wh, "SELECT fiscal_year, quarter, sum(count_4 + count_5), sum(n) FROM survey_results"
                     " WHERE driver = 'trust' GROUP BY ALL ORDER BY 1, 2")
    assert direct, "the fixture has trust answers"
    for fy, q, agree, n in direct:
        row = frame.loc[f"FY{fy} Q{q}"]
        assert (row["trust_agree"], row["n"]) == (agree, n)
        assert row["trust_share"] == pytest.approx(agree / n)
        low, high = wilson(agree, n)
        assert (row["trust_ci_low"], row["trust_ci_high"]) == (pytest.approx(low), pytest.approx(high))
    # dos-ca phone FY2024: Q1 60 of 100 agree, Q2 90 of 100 (tests/fixtures/metrics_survey.csv).
    q1, q2 = frame.loc["FY2024 Q1"], frame.loc["FY2024 Q2"]
    p = (q1["trust_agree"] + q2["trust_agree"]) / (q1["n"] + q2["n"])
    z = (q2["trust_share"] - q1["trust_share"]) / math.sqrt(p * (1 - p) * (1 / q1["n"] + 1 / q2["n"]))
    assert q2["change_trust"] == pytest.approx(q2["trust_share"] - q1["trust_share"])
    assert q2["p_value_trust"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))


def test_headline_standards_met_and_services_off_track_count_the_statuses(wh: Path) -> None:
    frame = quarter_headlines(wh, data_dir=DECL).set_index("period")
    status = standards_status(wh, "quarter", data_dir=DECL)
    assert len(status)
    for period, rows in status.groupby("period"):
        judged = rows[rows["status"].isin(["on track", "at risk", "off track"])]
        row = frame.loc[period]
        assert row["standards_judged"] == len(judged)
        assert row["standards_met"] == (judged["status"] == "on track").sum()
        off = rows.loc[rows["status"] == "off track", "service_id"].nunique()
        assert row["services_off_track"] == off
        if len(judged):
            assert row["share_met"] == pytest.approx((judged["status"] == "on track").mean())


def test_movers_are_significant_and_ordered_by_size(wh: Path) -> None:
    frame = quarter_headlines(wh, data_dir=DECL)
    for period in frame["period"]:
        movers = significant_movers(wh, period, data_dir=DECL)
        assert (movers["p_value_prev"] < 0.05).all()
        sizes = movers["change_prev"].abs().tolist()
        assert sizes == sorted(sizes, reverse=True)
    # dos-ca trust 60/100 -> 90/100 in FY2024 Q2 (pooled over channels with the other rows of the quarter).
    movers = significant_movers(wh, "FY2024 Q2", "trust", data_dir=DECL)
    assert set(movers["driver"]) <= {"trust"}
    assert "dos-ca" in set(movers["service_id"])


def test_federal_index_is_the_index_of_the_pooled_mean(wh: Path) -> None:
    frame = federal_index_by_year(wh).set_index("fiscal_year")
    direct = sql(wh, "SELECT fiscal_year,"
                     " sum(count_1 + 2*count_2 + 3*count_3 + 4*count_4 + 5*count_5) / sum(n)"
                     " FROM survey_results WHERE driver = 'satisfaction' AND n > 0 GROUP BY 1")
    assert direct
    for fy, mean in direct:
        assert frame.loc[fy, "service_index"] == pytest.approx((mean - 1) / 4 * 100)
        assert frame.loc[fy, "gap_federal"] == pytest.approx(
            frame.loc[fy, "service_index"] - frame.loc[fy, "acsi_federal"], nan_ok=True)


def test_service_channels_count_transactions_and_trust_by_channel(wh: Path) -> None:
    frame = service_channels(wh, "quarter", data_dir=DECL)
    direct = sql(wh, """
        SELECT service_id, channel,
               'FY' || (year(received_at) + CASE WHEN month(received_at) >= 10 THEN 1 ELSE 0 END)
               || ' Q' || ((month(received_at) - 10 + 12) % 12 // 3 + 1) AS period, count(*)
        FROM service_events GROUP BY ALL""")
    assert direct
    for service_id, channel, period, events in direct:
        row = frame[(frame["service_id"] == service_id) & (frame["channel"] == channel)
                    & (frame["period"] == period)]
        assert row["events"].tolist() == [events]
    trust = sql(wh, "SELECT service_id, channel, fiscal_year, quarter, sum(agree), sum(n) FROM survey_results"
                    " WHERE driver = 'trust' GROUP BY ALL")
    for service_id, channel, fy, q, agree, n in trust:
        row = frame[(frame["service_id"] == service_id) & (frame["channel"] == channel)
                    & (frame["period"] == f"FY{fy} Q{q}")].iloc[0]
        assert (row["trust_agree"], row["n"]) == (agree, n)
        assert row["channel_label"] == {"phone": "Phone", "online": "Online", "in-person": "In person",
                                        "mail": "Mail"}[channel]


def test_agency_and_government_channels_pool_services(wh: Path) -> None:
    services = service_channels(wh, "quarter", data_dir=DECL)
    agencies = agency_channels(wh, "quarter", data_dir=DECL)
    named = agencies[agencies["channel"] != "all"]
    for (_, _), rows in named.groupby(["agency_id", "period"]):
        if rows["events"].notna().any():
            assert rows["share_of_events"].sum() == pytest.approx(1.0)
    for row in agencies.itertuples():
        parts = services[(services["agency_id"] == row.agency_id) & (services["channel"] == row.channel)
                         & (services["period"] == row.period)]
        assert row.n == pytest.approx(parts["n"].sum(min_count=1), nan_ok=True)
    gov = government_channels(wh, "quarter", data_dir=DECL)
    for row in gov.itertuples():
        parts = services[(services["channel"] == row.channel) & (services["period"] == row.period)]
        assert row.events == pytest.approx(parts["events"].sum(min_count=1), nan_ok=True)
        if row.n and not math.isnan(row.n):
            low, high = wilson(row.trust_agree, row.n)
            assert row.trust_ci_low == pytest.approx(low)


def test_bad_grain_is_refused_by_name(wh: Path) -> None:
    with pytest.raises(ValueError, match="grain"):
        service_channels(wh, "week", data_dir=DECL)
