"""`python -m bench --workdir DIR` works on a folder that does not exist yet (issue #17.4)."""

from __future__ import annotations

from pathlib import Path

from bench.suite import QUICK, run


def test_run_creates_a_missing_workdir_and_leaves_it_empty(tmp_path: Path) -> None:
    workdir = tmp_path / "not" / "there yet"
    report = run(QUICK, only=(), workdir=str(workdir), progress=lambda _: None)
    assert report.rows == []
    assert workdir.is_dir() and list(workdir.iterdir()) == []  # the run's own folder is removed

