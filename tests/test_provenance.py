"""Provenance per figure (metrics.provenance.figure_loads / published_sources and the "Last updated" line
of dashboard.provenance_block) on the hand-made warehouse of tests/channel_warehouse.py: staff read the
file names and load times behind a chart, each linked to the load in the quality section; the public
read the published source, linked, and never a file name."""

from __future__ import annotations

from pathlib import Path

import flask
import pandas as pd
import pytest

from dashboard.formatting import last_updated_text
from dashboard.provenance_block import updated_line
from metrics.access import OMB, PUBLIC, agency_manager, viewing
from metrics.provenance import A11_SOURCE, figure_loads, published_sources, source_url, window
from metrics.standards import standards_status
from metrics.survey import driver_scores
from tests.channel_warehouse import DECL, FILES, SOURCE, SOURCE_URL, build_channels
from tests.conftest import query


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_channels(tmp_path_factory.mktemp("provenance"))


@pytest.fixture(scope="module")
def loads(hand: Path) -> dict[str, tuple[int, pd.Timestamp]]:
    """File name -> (load id, finished at), read from the warehouse file itself."""
    return {name: (load_id, pd.Timestamp(at)) for load_id, name, at in
            query(hand, "SELECT load_id, file_name, finished_at FROM loads")}


def _standards(db: Path, period: str) -> pd.DataFrame:
    frame = standards_status(db, "quarter", data_dir=DECL)
    return frame[(frame["service_id"] == "dos-ca") & (frame["period"] == period)]


def _survey(db: Path, period: str) -> pd.DataFrame:
    frame = driver_scores(db, "quarter", by_channel=True, data_dir=DECL)
    return frame[(frame["service_id"] == "dos-ca") & (frame["period"] == period)]


def _text(component: object) -> str:
    if isinstance(component, str):
        return component
    children = getattr(component, "children", None)
    if isinstance(children, (list, tuple)):
        return "".join(_text(c) for c in children)
    return "" if children is None else _text(children)


def _links(component: object) -> list[tuple[str, str]]:
    found = [(_text(component), component.href)] if getattr(component, "href", None) else []
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children] if children else []:
        if not isinstance(child, str):
            found += _links(child)
    return found


def _line(db: Path, frame: pd.DataFrame):
    app = flask.Flask(__name__)
    app.config["SERVICESTAT_DB"] = str(db)
    with app.app_context():
        return updated_line(last_updated_text(frame))


def test_window_of_a_quarter_and_a_year() -> None:
    quarter = pd.DataFrame({"period_start": [pd.Timestamp("2024-10-01")], "grain": ["quarter"]})
    assert window(quarter) == (pd.Timestamp("2024-10-01").date(), pd.Timestamp("2024-12-31").date())
    year = pd.DataFrame({"period": ["FY2025"]})
    assert window(year) == (pd.Timestamp("2024-10-01").date(), pd.Timestamp("2025-09-30").date())


def test_staff_get_the_files_behind_each_figure(hand: Path, loads: dict) -> None:
    """The standards of FY2025 Q1 come from the reported phone figure and the mail transactions; the
    survey chart from the survey file alone."""
    with viewing(OMB):
        standards = figure_loads(hand, _standards(hand, "FY2025 Q1"))
        survey = figure_loads(hand, _survey(hand, "FY2025 Q1"))
    assert set(standards["file_name"]) == {FILES["observations"], FILES["events"]}
    assert survey["file_name"].tolist() == [FILES["survey"]]
    expected = {loads[name][0]: loads[name][1] for name in FILES.values()}
    for row in pd.concat([standards, survey]).itertuples():
        assert pd.Timestamp(row.finished_at) == expected[row.load_id]
    with viewing(OMB):  # FY2025 Q2: no mail transactions, so only the reported figures
        q2 = figure_loads(hand, _standards(hand, "FY2025 Q2"))
    assert q2["file_name"].tolist() == [FILES["observations"]]


def test_the_line_names_files_and_times_for_omb_and_the_manager(hand: Path, loads: dict) -> None:
    survey_id, survey_at = loads[FILES["survey"]]
    for viewer, href in ((OMB, f"/quality#load-{survey_id}"),
                         (agency_manager("dos-ca"), f"/agency/dos-ca#load-{survey_id}")):
        with viewing(viewer):
            line = _line(hand, _survey(hand, "FY2025 Q1"))
        text = _text(line)
        assert text.startswith(f"Last updated: {survey_at.strftime('%B')} {survey_at.day}, {survey_at.year}")
        assert f"{FILES['survey']} (survey answers, loaded " in text and survey_at.strftime("%H:%M") in text
        assert _links(line) == [(FILES["survey"], href)]


def test_another_agency_manager_gets_no_file_name(hand: Path) -> None:
    with viewing(agency_manager("va-vba")):
        found = figure_loads(hand, _survey(hand, "FY2025 Q1"))
        line = _line(hand, _survey(hand, "FY2025 Q1"))
    assert len(found) == 1 and found["file_name"].isna().all()
    assert FILES["survey"] not in _text(line) and _links(line) == []
    assert "1 file holding other agencies' data (name withheld; survey answers; latest loaded " in _text(line)


def test_the_public_gets_the_source_and_no_file_names(hand: Path, loads: dict) -> None:
    with viewing(PUBLIC):
        q1 = published_sources(hand, _standards(hand, "FY2025 Q1"))
        q2 = published_sources(hand, _survey(hand, "FY2025 Q2"))
        lines = [_line(hand, _survey(hand, period)) for period in ("FY2025 Q1", "FY2025 Q2")]
    assert q1[["source", "public_record", "quarters"]].values.tolist() == [[A11_SOURCE, False, 1]]
    assert list(q1["agencies"].iloc[0]) == ["Bureau of Consular Affairs"]
    assert q2[["source", "url", "public_record"]].values.tolist() == [[SOURCE, SOURCE_URL, True]]
    q1_text, q2_text = (_text(line) for line in lines)
    assert "Source: reports by Bureau of Consular Affairs under OMB Circular A-11 Section 280" in q1_text
    assert _links(lines[0])[0][1] == "/reporting"
    assert f"Source: {SOURCE} (the public record" in q2_text
    assert _links(lines[1])[0][1] == SOURCE_URL
    for text in (q1_text, q2_text):
        assert not any(name in text for name in FILES.values())
        assert "load" not in text.lower().replace("last updated", "")


def test_no_load_no_provenance() -> None:
    line = updated_line(None)
    assert _text(line) == "Last updated: not known (no loads behind these figures)"
    assert _text(updated_line("May 1, 2025, 10:00")) == "Last updated: May 1, 2025, 10:00"


def test_source_url_takes_the_address_without_trailing_punctuation() -> None:
    assert source_url("GSA open data (https://open.gsa.gov/cx.csv).") == "https://open.gsa.gov/cx.csv"
    assert source_url("GSA/HISP-CX-Data, mergedcxdata-2023-05-21.csv") is None
