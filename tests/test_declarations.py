"""The declarations in data/: typed, cross-checked, and every problem reported with file and line."""

from __future__ import annotations

from datetime import date

import pytest

from core.declarations import (
    DeclarationError,
    check_declarations,
    convert,
    line_of,
    load_declarations,
    read_yaml,
)
from tests.conftest import FIXTURES, REPO

BAD = FIXTURES / "declarations_bad"

REQUIRED_METRICS = {
    "wait_time_median", "wait_time_p90", "processing_time_median", "processing_time_p90",
    "share_within_standard", "backlog", "first_contact_resolution", "abandonment_rate",
    "cost_per_transaction", "digital_take_up", "completion_rate",
    *(f"{d}_agree_share" for d in ("satisfaction", "trust", "effectiveness", "ease", "efficiency", "equity",
                                   "employee")),
}


def test_project_declarations_are_clean() -> None:
    assert [str(p) for p in check_declarations(REPO / "data")] == []


def test_catalogue_standards_goals_initiatives_load_typed() -> None:
    decl = load_declarations(REPO / "data")
    assert set(decl.metrics) >= REQUIRED_METRICS
    assert {m.type for m in decl.metrics.values()} == {
        "count", "share", "mean", "percentile", "share_within_threshold", "ratio"}
    assert all(m.table and m.grain for m in decl.metrics.values())
    # At least one standard changes mid-period, and cited and illustrative ones are both marked.
    assert any(len(decl.versions(sid)) > 1 for sid in decl.standard_ids)
    assert {s.basis for s in decl.standards} == {"cited", "illustrative"}
    assert all(s.citation for s in decl.standards)
    # Initiatives point at standards and goals that exist (the checker guarantees it).
    for ini in decl.initiatives.values():
        assert set(ini.addresses.standards) <= set(decl.standard_ids)
        assert set(ini.addresses.goals) <= set(decl.goals)
    assert any(g.priority_goal for g in decl.goals.values())


def test_broken_fixture_reports_every_problem_with_file_and_line() -> None:
    problems = [(p.file.rsplit("/", 1)[-1], p.line, p.message) for p in check_declarations(BAD)]
    expected = [
        ("benchmark_peers.yaml", 3, "not valid YAML"),
        ("goals.yaml", 2, "bad-range: entry: direction range needs min_target and max_target (FY2024)"),
        ("goals.yaml", 20, "bad-measure: two targets for FY2024"),
        ("goals.yaml", 21, "bad-measure: unknown metric 'not_a_metric'"),
        ("goals.yaml", 24, "duplicate key 'source'"),
        ("initiatives.yaml", 8, "bad-initiative: unknown standard 'no-such-standard'"),
        ("initiatives.yaml", 9, "bad-initiative: unknown goal 'no-such-goal'"),
        ("initiatives.yaml", 11, "bad-initiative: milestone 'Launched' is done but has no done_on date"),
        ("standards.yaml", 3, "status_rules.min_n: Input should be greater than or equal to 0"),
        ("standards.yaml", 6, "bad-one: unknown service 'dos-caa'"),
        ("standards.yaml", 7, "bad-one: unknown channel 'fax'"),
        ("standards.yaml", 10, "bad-one: threshold.unit: Input should be"),
        ("standards.yaml", 21, "bad-two: target_share: Input should be less than or equal to 1"),
        ("standards.yaml", 26, "bad-two: colour: Extra inputs are not permitted"),
        ("standards.yaml", 43, "bad-three: version from 2023-06-01 overlaps the version from 2023-01-01"),
        ("standards.yaml", 49, "bad-four: unknown metric 'no_such_metric'"),
        ("standards.yaml", 53, "bad-four: basis: Input should be 'cited' or 'illustrative'"),
    ]
    assert len(problems) == len(expected), problems
    for got, (file, line, start) in zip(problems, expected, strict=True):
        assert got[:2] == (file, line), got
        assert got[2].startswith(start), got
    # The problems name their file, so `servicestat check` can print file:line: message.
    first = check_declarations(BAD)[0]
    assert str(first).startswith("tests/fixtures/declarations_bad/benchmark_peers.yaml:3: ")


def test_load_raises_with_all_problems() -> None:
    with pytest.raises(DeclarationError) as info:
        load_declarations(BAD)
    assert len(info.value.problems) == 17


def test_line_numbers_follow_the_yaml(tmp_path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a:\n  - {b: 1, c: [x, y]}\n  - d: 2\n    e:\n      f: 3\n")
    data, problems = read_yaml(path, "x.yaml")
    assert problems == []
    assert line_of(data, ("a", 0, "c", 1)) == 2
    assert line_of(data, ("a", 1, "e", "f")) == 5
    assert line_of(data, ("a", 1, "zzz")) == 3  # unknown key: the nearest enclosing line


def test_version_for_a_period_spanning_a_change() -> None:
    decl = load_declarations(FIXTURES / "metrics_declarations")
    # 6 weeks to 15 Nov 2023, 4 weeks from 16 Nov: a quarter or month is judged by its last day's version.
    assert decl.version_for("t-mail-processing", date(2023, 10, 1), date(2023, 12, 31)).threshold.value == 4
    assert decl.version_for("t-mail-processing", date(2023, 10, 1), date(2023, 10, 31)).threshold.value == 6
    assert decl.version_for("t-mail-processing", date(2023, 11, 1), date(2023, 11, 30)).threshold.value == 4
    assert decl.version_for("t-mail-processing", date(2023, 7, 1), date(2023, 9, 30)) is None


def test_threshold_units_convert() -> None:
    assert convert(6, "weeks", "minutes") == 60480
    assert convert(6, "weeks", "business_days") == pytest.approx(30)
    assert convert(2, "minutes", "minutes") == 2
    assert convert(10, "percent", "share") == pytest.approx(0.10)
    assert convert(30, "business_days", "minutes") is None
    assert convert(80, "index", "share") is None
