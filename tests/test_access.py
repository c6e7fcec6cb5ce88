"""Roles enforced where the data are read: the viewer matrix and the planted values (tests/planted.py)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import metrics
from core.schema import TABLES
from metrics.access import OMB, PUBLIC, Viewer, agency_manager, set_default_viewer, viewing
from metrics.channels import service_channels
from metrics.db import SCOPES, reader
from metrics.exports import available
from metrics.standards import standards_status
from metrics.survey import driver_scores
from tests.conftest import query
from tests.planted import (
    MOVER,
    OTHER,
    OTHER_AGENCY,
    OWN_AGENCY,
    PLANTED_SMALL,
    PLANTED_TEXT,
    PLANTED_UNPUBLISHED,
    REASON,
    build_planted,
    find_planted,
)

OWN_MANAGER, OTHER_MANAGER = agency_manager(OWN_AGENCY), agency_manager(OTHER_AGENCY)
VIEWERS = {
    "public": PUBLIC,
    "own-agency manager (dos-ca)": OWN_MANAGER,
    "unpublished's agency manager (va-vba)": OTHER_MANAGER,
    "omb": OMB,
}
# Who sees va-vba FY2024 Q2 (submitted, not published): its own agency and OMB only.
SEES_UNPUBLISHED = {
    "public": False,
    "own-agency manager (dos-ca)": False,
    "unpublished's agency manager (va-vba)": True,
    "omb": True,
}


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_planted(tmp_path_factory.mktemp("planted") / "w.duckdb")


# Each fact table, and SQL selecting its rows of a va-vba quarter (FY2024 Q1: Oct-Dec 2023; Q2: Jan-Mar 2024).
QUARTER_ROWS = {
    "service_events": "service_id = 'va-vba' AND received_at >= ? AND received_at < ?",
    "metric_observations": "service_id = 'va-vba' AND period_start >= ? AND period_end < ?",
    "survey_results": "service_id = 'va-vba' AND make_date(fiscal_year - 1, 10, 1)"
    " + to_months(3 * (quarter - 1))"
    " BETWEEN ? AND ?::DATE - 1",
    "service_daily": "service_id = 'va-vba' AND day >= ? AND day < ?",
    "service_period": "service_id = 'va-vba' AND grain IN ('month', 'quarter') AND period_start >= ?"
    " AND period_end < ?",
}
BOUNDS = {"published": ("2023-10-01", "2024-01-01"), "unpublished": ("2024-01-01", "2024-04-01")}


@pytest.mark.parametrize("table", sorted(QUARTER_ROWS))
@pytest.mark.parametrize("quarter", ["published", "unpublished"])
@pytest.mark.parametrize("who", sorted(VIEWERS))
def test_role_matrix_on_tables(wh: Path, table: str, quarter: str, who: str) -> None:
    where = QUARTER_ROWS[table]
    # Independent count: the file read directly, not through the scoped reader.
    expected = query(wh, f"SELECT count(*) FROM {table} WHERE {where}", list(BOUNDS[quarter]))[0][0]
    assert expected > 0, "the fixture must put rows in this quarter"
    with viewing(VIEWERS[who]):
        got = reader(wh).df(f"SELECT count(*) AS n FROM {table} WHERE {where}", list(BOUNDS[quarter]))["n"][0]
    visible = quarter == "published" or SEES_UNPUBLISHED[who]
    assert got == (expected if visible else 0)


@pytest.mark.parametrize("who", sorted(VIEWERS))
def test_role_matrix_on_metrics_functions(wh: Path, who: str) -> None:
    visible = SEES_UNPUBLISHED[who]
    with viewing(VIEWERS[who]):
        scores = driver_scores(wh)
        waits = service_channels(wh)
    va = scores[scores["service_id"] == OTHER]
    assert set(va["period"]) == ({"FY2024 Q1", "FY2024 Q2"} if visible else {"FY2024 Q1"})
    # va-vba's phone waits from the rollups: calls in 2023-11 (Q1) and 2024-02 (Q2, unpublished).
    va = waits[(waits["service_id"] == OTHER) & (waits["channel"] == "phone") & waits["n_wait"].notna()]
    assert set(va["period"]) == ({"FY2024 Q1", "FY2024 Q2"} if visible else {"FY2024 Q1"})
    assert (61.37 in set(va["wait_median"])) == visible  # the planted waits of 2024-02
    with viewing(VIEWERS[who]):
        status = standards_status(wh)
        exported = available()["survey-scores"](wh)
    # va-vba's Q2 standards are judged on 4173 answers and 3 calls (see tests/planted.py); unseen, the
    # rows stay (the standard exists) without a count.
    q2 = status[(status["service_id"] == OTHER) & (status["period"] == "FY2024 Q2")]
    assert set(q2["n"].dropna().astype(int)) == ({4173, 3} if visible else set())
    va = exported[exported["service"] == "Benefits Administration Call Centers"]
    assert set(zip(va["fiscal_year"], va["quarter"], strict=True)) == (
        {(2024, 1), (2024, 2)} if visible else {(2024, 1)}
    )


def test_a_fiscal_year_figure_needs_every_quarter_published(wh: Path) -> None:
    sql = "SELECT count(*) AS n FROM service_period WHERE service_id = 'dos-ca' AND grain = 'year'"
    assert query(wh, sql)[0][0] > 0
    with viewing(PUBLIC):  # only Q1 and Q2 of FY2024 are published: the year is not
        assert reader(wh).df(sql)["n"][0] == 0
    with viewing(OWN_MANAGER):
        assert reader(wh).df(sql)["n"][0] == query(wh, sql)[0][0]


def test_operator_tables(wh: Path) -> None:
    """rejects: OMB and the owning agency only; loads: file names and messages blanked for others."""
    assert query(wh, "SELECT count(*) FROM rejects")[0][0] == 1
    counts = {}
    for who, viewer in VIEWERS.items():
        with viewing(viewer):
            counts[who] = int(reader(wh).df("SELECT count(*) AS n FROM rejects")["n"][0])
            names = reader(wh).df("SELECT count(file_name) AS n FROM loads")["n"][0]
            assert reader(wh).df("SELECT count(*) AS n FROM loads")["n"][0] == 5
            assert names == {"omb": 5, "public": 0}.get(who, 2 if who.startswith("own") else 3)
    assert counts == {
        "public": 0,
        "own-agency manager (dos-ca)": 0,
        "unpublished's agency manager (va-vba)": 1,
        "omb": 1,
    }


def test_workflow_names_and_reasons_only_for_own_agency(wh: Path) -> None:
    for who, viewer in VIEWERS.items():
        with viewing(viewer):
            state = reader(wh).df("SELECT service_id, state, updated_by, reason FROM reporting_state")
            history = reader(wh).df("SELECT service_id, to_state, moved_by, reason FROM reporting_history")
        assert len(state) == 4  # every state is visible: reporting compliance is public
        own_va = who in ("omb", "unpublished's agency manager (va-vba)")
        va = history[history["service_id"] == OTHER]
        assert (REASON in set(va["reason"].dropna())) == own_va
        assert (set(va["to_state"]) == {"submitted", "change_requested", "published"}) == own_va
        if not own_va:
            assert set(va["to_state"]) == {"submitted", "published"} and va["moved_by"].isna().all()
        assert (MOVER in set(state["updated_by"].dropna())) == (who != "public")


def test_every_table_has_a_scope_rule() -> None:
    assert {t.name for t in TABLES} <= set(SCOPES)


def _cached_functions() -> dict[str, Callable]:
    found = {}
    for info in pkgutil.iter_modules(metrics.__path__):
        module = importlib.import_module(f"metrics.{info.name}")
        for name, fn in vars(module).items():
            if callable(fn) and hasattr(fn, "uncached") and getattr(fn, "__module__", "") == module.__name__:
                params = list(inspect.signature(fn).parameters.values())[1:]
                if all(
                    p.default is not inspect.Parameter.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                    for p in params
                ):
                    found[f"{module.__name__}.{name}"] = fn
    return found


def _everything(db: Path, viewer: Viewer) -> str:
    """Every registered export and every cached metrics function with default arguments, as text."""
    parts = []
    with viewing(viewer):
        for name, fn in sorted(available().items()):
            frame = fn(db)
            as_json = frame.to_json(orient="records", date_format="iso")
            parts.append(f"== export {name}\n{frame.to_csv(index=False)}\n{as_json}")
        for name, fn in sorted(_cached_functions().items()):
            frame = fn(db)
            if getattr(fn, "memoised", False) and not isinstance(frame, pd.DataFrame):
                frame = pd.DataFrame([vars(frame)]) if hasattr(frame, "__dict__") else pd.DataFrame([frame])
            assert isinstance(frame, pd.DataFrame), name
            parts.append(f"== {name}\n{frame.to_csv(index=False)}")
    return "\n".join(parts)


def test_the_scan_covers_the_metrics_layer() -> None:
    names = _cached_functions()
    for expected in (
        "metrics.survey.driver_scores",
        "metrics.standards.standards_status",
        "metrics.reporting.reporting_history",  # reporting_status needs as_of: the export covers it
        "metrics.channels.service_channels",
    ):
        assert expected in names
    assert {"survey-trends", "standards-status", "reporting-status", "loads", "rejects"} <= set(available())


@pytest.fixture(scope="module")
def crawl(wh: Path) -> Callable[[Viewer], str]:
    """`_everything` per viewer, computed once for the module."""
    done: dict[Viewer, str] = {}

    def get(viewer: Viewer) -> str:
        if viewer not in done:
            done[viewer] = _everything(wh, viewer)
        return done[viewer]

    return get


def test_planted_values_never_reach_public_or_another_agency(crawl: Callable[[Viewer], str]) -> None:
    public = crawl(PUBLIC)
    assert find_planted(public, PLANTED_UNPUBLISHED + PLANTED_SMALL + PLANTED_TEXT) == []
    # dos-ca's manager: not va-vba's unpublished quarter nor its reasons (dos-ca's own small cells: fine).
    own = crawl(OWN_MANAGER)
    assert find_planted(own, PLANTED_UNPUBLISHED + [PLANTED_TEXT[0], PLANTED_TEXT[2]]) == []
    # va-vba's manager: not dos-ca's small cells, which are public figures to them.
    other = crawl(OTHER_MANAGER)
    assert find_planted(other, PLANTED_SMALL) == []


def test_planted_values_do_appear_for_those_allowed(crawl: Callable[[Viewer], str]) -> None:
    """Proves the scan can fail: the same crawl as OMB finds every planted value."""
    everything = crawl(OMB)
    for pattern in PLANTED_UNPUBLISHED + PLANTED_SMALL + PLANTED_TEXT:
        assert find_planted(everything, [pattern]), pattern
    assert find_planted(crawl(OTHER_MANAGER), PLANTED_UNPUBLISHED)
    assert find_planted(crawl(OWN_MANAGER), PLANTED_SMALL)


def test_cache_is_per_viewer(wh: Path) -> None:
    with viewing(OMB):
        full = driver_scores(wh)
    with viewing(PUBLIC):
        public = driver_scores(wh)
    with viewing(OMB):
        again = driver_scores(wh)
    assert len(public) < len(full) == len(again)
    assert "suppressed" in public.columns and "suppressed" not in full.columns


def test_default_viewer_is_the_operator_and_a_web_process_can_make_it_public(wh: Path) -> None:
    sql = "SELECT count(*) AS n FROM survey_results WHERE service_id = 'va-vba' AND quarter = 2"
    assert reader(wh).df(sql)["n"][0] > 0  # no viewer set: the CLI's operator default (OMB)
    set_default_viewer(PUBLIC)
    try:
        assert reader(wh).df(sql)["n"][0] == 0
        with viewing(OMB):
            assert reader(wh).df(sql)["n"][0] > 0
    finally:
        set_default_viewer(OMB)


def test_nothing_reads_the_warehouse_around_the_scoped_reader() -> None:
    """The scoping holds only if every query goes through metrics.db's cursor, by the tables' names."""
    repo = Path(__file__).resolve().parent.parent
    files = [*sorted((repo / "metrics").glob("*.py")), *sorted((repo / "dashboard").rglob("*.py"))]
    offenders = [
        f"{path.relative_to(repo)}: {word}"
        for path in files
        if path.name != "db.py"
        for word in ("duckdb.connect(", "warehouse.main", "ATTACH ", "read_only=True")
        if word in path.read_text()
    ]
    assert offenders == []


def test_viewers_in_concurrent_threads_stay_apart(wh: Path) -> None:
    """As in the web server: each request thread has its own viewer, over one shared reader."""
    from concurrent.futures import ThreadPoolExecutor

    sql = "SELECT count(*) AS n FROM survey_results WHERE service_id = 'va-vba' AND quarter = 2"
    expected = query(wh, sql)[0][0]

    def count(viewer: Viewer) -> int:
        with viewing(viewer):
            return int(reader(wh).df(sql)["n"][0])

    viewers = [PUBLIC, OMB, OWN_MANAGER, OTHER_MANAGER] * 25
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(count, viewers))
    want = {PUBLIC: 0, OMB: expected, OWN_MANAGER: 0, OTHER_MANAGER: expected}
    assert got == [want[v] for v in viewers] and expected > 0
