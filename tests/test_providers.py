"""A-11 service providers: the declarations (providers.csv, services.csv `provider_id`,
service_aliases.csv), their warehouse copies, and the provider-level survey figures."""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.declarations import check_declarations
from ingest.loader import load
from ingest.warehouse import initialise
from metrics.directory import undeclared_services
from metrics.providers import PROVIDER_COLUMNS, provider_scores
from metrics.registry import table
from tests.conftest import REPO, query, reference, write

DATA = REPO / "data"
Z = 1.959963984540054


def _csv(name: str) -> list[dict[str, str]]:
    with open(DATA / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


@pytest.fixture(scope="module")
def a11_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("providers") / "w.duckdb"
    [result] = load([reference("a11_cx_fy2021.csv")], db=db)
    assert result.status == "loaded"
    return db


def test_reference_tables_follow_the_declarations(a11_db):
    providers = _csv("providers.csv")
    assert query(a11_db, "SELECT provider_id, agency_id, name FROM providers ORDER BY 1") == sorted(
        (p["provider_id"], p["agency_id"], p["name"]) for p in providers)
    assert query(a11_db, "SELECT provider_id FROM services"
                         " WHERE service_id IN ('doc-patents', 'doc-trademarks')") == [("doc-uspto",)] * 2
    assert query(a11_db, "SELECT count(*) FROM service_aliases") == [(len(_csv("service_aliases.csv")),)]
    assert query(a11_db, "SELECT bureau FROM agencies WHERE agency_id = 'dhs-uscis'") == [
        ("U.S. Citizenship and Immigration Services",)]
    assert undeclared_services(a11_db).empty


def test_an_older_warehouse_gains_the_new_columns(tmp_path):
    db = tmp_path / "w.duckdb"
    initialise(db)
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE services DROP COLUMN provider_id")
    con.execute("ALTER TABLE services DROP COLUMN successor_of")
    con.execute("DROP TABLE providers")
    con.close()
    initialise(db)  # every write brings the schema up to date, then refreshes the reference tables
    assert query(db, "SELECT provider_id FROM services WHERE service_id = 'dol-deeoic'") == [("dol-owcp",)]
    assert query(db, "SELECT count(*) FROM providers") == [(len(_csv("providers.csv")),)]


def test_provider_scores_pool_the_services_of_a_provider(a11_db):
    """USPTO FY2021 Q1, trust (question 2), all channels: Patents and Trademarks summed from the file."""
    n = agree = points = 0
    with open(reference("a11_cx_fy2021.csv"), newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["attributes_service_slug"] in ("doc-patents", "doc-trademarks") \
                    and r["attributes_collection_quarter"] == "1":
                counts = [int(float(r[f"attributes_q2_{a}"] or 0)) for a in range(1, 6)]
                n += sum(counts)
                agree += counts[3] + counts[4]
                points += sum((a + 1) * c for a, c in enumerate(counts))
    assert (n, agree) == (4586, 3361)
    frame = provider_scores(a11_db)
    assert list(frame.columns) == PROVIDER_COLUMNS
    row = frame[(frame.provider_id == "doc-uspto") & (frame.channel == "all") & (frame.period == "FY2021 Q1")
                & (frame.driver == "trust")].iloc[0]
    assert (row.n, row.agree, row.services) == (n, agree, "doc-patents, doc-trademarks")
    assert row.agree_share == pytest.approx(agree / n)
    assert (row.agree_ci_low, row.agree_ci_high) == pytest.approx(_wilson(agree, n))
    assert row["mean"] == pytest.approx(points / n) and row.mean_source == "counts"
    assert (row.agency_id, row.provider) == ("doc-uspto", "U.S. Patent and Trademark Office")
    # the channels add up to `all`
    q1 = frame[(frame.provider_id == "doc-uspto") & (frame.period == "FY2021 Q1") & (frame.driver == "trust")]
    assert q1[q1.channel != "all"].n.sum() == n


def test_the_series_continues_across_a_renamed_service(tmp_path):
    """Recreation.gov in Q1 under its declared id, in Q2 under a new slug nobody declared yet: the
    provider's series has both quarters."""
    with open(reference("a11_cx_fy2021.csv"), newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    q1 = next(r for r in rows if r["attributes_service_slug"] == "reserving-a-campsite"
              and r["attributes_collection_quarter"] == "1")
    q2 = next(r for r in rows if r["attributes_service_slug"] == "reserving-a-campsite"
              and r["attributes_collection_quarter"] == "2")
    q2 = dict(q2, attributes_service_slug="booking-recreation", attributes_service_name="Booking recreation")
    path = tmp_path / "a.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows([q1, q2])
    db = tmp_path / "w.duckdb"
    load([path], db=db)
    frame = provider_scores(db)
    sat = frame[(frame.provider_id == "multi-rec") & (frame.channel == "all")
                & (frame.driver == "satisfaction")]
    assert sat[["period", "services"]].values.tolist() == [["FY2021 Q1", "multi-rec"],
                                                          ["FY2021 Q2", "booking-recreation"]]
    assert undeclared_services(db).service_id.tolist() == ["booking-recreation"]


def test_provider_scores_is_a_published_table(a11_db):
    frame = table("provider-scores").frame(a11_db, {"agency": "va-vha", "driver": "trust"})
    assert set(frame.provider_id) == {"va-vha"} and set(frame.driver) == {"trust"}
    assert len(frame[frame.channel == "all"]) == 4  # FY2021 Q1-Q4


def _declarations(tmp_path: Path, edits: dict[str, str]) -> list[str]:
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("agencies.csv", "providers.csv", "services.csv", "service_aliases.csv"):
        shutil.copy(DATA / name, folder / name)
    for name, extra in edits.items():
        with open(folder / name, "a", encoding="utf-8") as fh:
            fh.write(extra)
    return [str(p).split("/")[-1] for p in check_declarations(folder)]


def test_the_declared_reference_files_have_no_problems(tmp_path):
    assert _declarations(tmp_path, {}) == []


def test_bad_providers_services_and_aliases_are_reported_with_their_line(tmp_path):
    services = pd.read_csv(DATA / "services.csv", dtype=str)
    n_services, n_providers = len(services) + 1, len(_csv("providers.csv")) + 1
    n_aliases = len(_csv("service_aliases.csv")) + 1
    found = _declarations(tmp_path, {
        "providers.csv": "doe-osti,doe,Office of Science,Veterans Health Administration\n",
        "services.csv": "doe-x,va-vha,X,True,,doe-osti,\n"
                        "va-y,va-vha,Y,True,,dos-ca,\n"
                        "va-z,va-vha,Z,True,,va-vha,va-nothing\n",
        "service_aliases.csv": "Something,va-nothing,\n"
                               "Passport Services,va-vha,\n"
                               "receiving OUTPATIENT services,va-vha,\n",
    })
    assert sorted(found) == sorted([
        f"providers.csv:{n_providers + 1}: doe-osti: unknown agency 'doe' (see agencies.csv)",
        f"providers.csv:{n_providers + 1}: doe-osti: a name or alias of provider 'va-vha' (line "
        f"{[p['provider_id'] for p in _csv('providers.csv')].index('va-vha') + 2}) too; names are compared by"
        " letters and digits",
        f"services.csv:{n_services + 1}: doe-x: provider 'doe-osti' belongs to agency 'doe', not 'va-vha'",
        f"services.csv:{n_services + 2}: va-y: provider 'dos-ca' belongs to agency 'dos-ca', not 'va-vha'",
        f"services.csv:{n_services + 3}: va-z: successor_of 'va-nothing' is not another declared service",
        f"service_aliases.csv:{n_aliases + 1}: Something: unknown service 'va-nothing' (see services.csv)",
        f"service_aliases.csv:{n_aliases + 2}: Passport Services: already the id or name of service 'dos-ca'",
        f"service_aliases.csv:{n_aliases + 3}: receiving OUTPATIENT services: the same alias as line "
        f"{[a['alias'] for a in _csv('service_aliases.csv')].index('Receiving outpatient services') + 2}"
        " (aliases are compared by letters and digits)",
    ])


def test_generic_files_name_a_service_by_a_declared_alias(tmp_path):
    """The generic kinds resolve services through the same aliases (ingest.kind_base)."""
    path = write(tmp_path / "s.csv",
                 "service_id,channel,fiscal_year,quarter,question_text,driver,count_1,count_2,count_3,count_4,"
                 "count_5\n"
                 "Receiving outpatient services,online,2024,1,I am satisfied.,satisfaction,1,2,3,4,5\n"
                 "reserving-a-campsite,online,2024,1,I am satisfied.,satisfaction,1,1,1,1,1\n"
                 "Reserving a campsite somewhere,online,2024,1,I am satisfied.,satisfaction,1,1,1,1,1\n")
    [result] = load([path], db=tmp_path / "w.duckdb")
    assert (result.kind, result.rows_loaded) == ("survey-results", 2)
    assert [(p.row_number, p.field) for p in result.problems] == [(3, "service_id")]
    assert query(tmp_path / "w.duckdb", "SELECT service_id, n FROM survey_results ORDER BY 1") == [
        ("multi-rec", 5), ("va-vha", 15)]
