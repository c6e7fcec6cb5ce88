"""`python -m bench --quick` runs every section and prints every row of its table (no timing asserted)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def test_quick_suite_completes_and_prints_every_row() -> None:
    proc = subprocess.run([sys.executable, "-m", "bench", "--quick"], cwd=REPO, capture_output=True,
                          text=True, timeout=900)
    out = proc.stdout
    assert proc.returncode == 0, out[-3000:] + proc.stderr[-3000:]
    assert "FAILED" not in out
    rows = [line.split("|")[1:3] for line in out.splitlines() if line.startswith("| ")]
    sections = {r[0].strip() for r in rows}
    assert {"ingest", "rollup", "spark", "dashboard", "memory", "load"} <= sections
    measures = [r[1].strip() for r in rows]
    assert any(m.startswith("daily rollup, 200,000") for m in measures)
    assert any(m.startswith("daily rollup, 2,000,000") for m in measures)
    assert any(m.startswith("growth") for m in measures)
    assert any(m.startswith("/ median") for m in measures) and any(m.startswith("/ p95") for m in measures)
    assert "peak RSS of servicestat serve" in measures
    assert any(m.startswith("p95, 50 users") for m in measures)
    assert "0 errors" in out
