"""A short bounded load run (20 users × 15 s, locust, loopback) against `servicestat serve`: zero
failed requests and the server still up. No timing assertions: a shared CI machine's speed proves
nothing; `python -m bench.load --users 50 --seconds 60` is the full measurement.

bench.load runs in its own process because importing locust monkey-patches the standard library
for gevent, which must not happen inside the test runner.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

USERS, SECONDS, BASELINE = 20, 15, 5


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("locust") is None, reason="locust is not installed")
def test_short_load_run_has_no_failures() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.load", "--users", str(USERS), "--seconds", str(SECONDS),
         "--baseline-seconds", str(BASELINE), "--rows", "5000", "--json"],
        cwd=REPO, capture_output=True, text=True, timeout=180,
    )
    print(proc.stdout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["server_stayed_up"]
    for phase in ("single", "load"):
        assert result[phase]["failures"] == 0, result[phase]["errors"]
        assert result[phase]["requests"] > 0
    assert result["load"]["users"] == USERS
