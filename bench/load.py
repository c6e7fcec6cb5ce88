"""Load test: `servicestat serve` on loopback under a bounded locust run, measured against one user.

Starts `servicestat serve` (gunicorn) on a free 127.0.0.1 port against a warehouse (a generated one
unless --db is given), visits every page --warmup times (so both phases measure the served pages, not
the first render after a load, which bench.dashboard times cold), then in the same run:
  1. one user for --baseline-seconds: the p95 a lone visitor sees;
  2. --users users for --seconds: requests, failures, median and p95 under load;
and prints both and the ratio of the two p95s. Each simulated visitor loads the app as a browser
does (the page shell, `/_dash-layout`, `/_dash-dependencies`), then visits every registered page in
turn - the pages router POST to `/_dash-update-component` with the page's path, the exact body
`bench.dashboard` times - with a think time of 0.1-0.5 s before each page (someone reading the last
one, not firing every page back to back). A callback that answers anything but 200 counts as a
failure; the three slowest requests of each phase are printed. The server keeps
rendered pages (dashboard.page_cache); `SERVICESTAT_PAGE_CACHE_MB=0` in the environment measures it
without. Usage:

    python -m bench.load --users 50 --seconds 60 [--db PATH] [--json]

Measure on the demo warehouse (surveys, goals, observations) with `--db`; without it a warehouse of
generated events only is served.

locust is imported first because it patches the standard library for gevent on import; so run this
as a program (tests run it in a subprocess), never import it into another process.
"""

from __future__ import annotations

# isort: off
import locust  # first: it monkey-patches sockets and threads for gevent on import
# isort: on

import argparse
import json
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

import gevent
from locust import HttpUser, between, task
from locust.env import Environment
from locust.log import setup_logging

from bench.dashboard import page_paths, payload, router_dependency
from bench.serving import free_port, get, stop, wait_until_serving

REPO = Path(__file__).resolve().parent.parent
SHELL = ("/", "/_dash-layout", "/_dash-dependencies")  # what a browser fetches before any callback


class Visitor(HttpUser):
    """Someone reading the dashboard: the app's shell and JSON, then each page's render callback."""

    wait_time = between(0.1, 0.5)
    pages: tuple[str, ...] = ()  # set by main: every registered page's path
    router: dict = {}  # the pages router callback of /_dash-dependencies

    @task
    def browse(self) -> None:
        for path in SHELL:
            self.client.get(path, name=path)
        for path in self.pages:
            self.wait()  # reading the page before: think time between pages, as the docstring says
            self.client.post("/_dash-update-component", json=payload(self.router, path),
                             name=f"callback {path}")


@dataclass
class Phase:
    users: int
    seconds: float
    requests: int
    failures: int
    median_ms: float
    p95_ms: float
    errors: list[str]
    slowest: list[str]  # the requests with the highest p95, to say where the time goes


def run_phase(host: str, users: int, seconds: float) -> Phase:
    """One headless locust run of `users` for `seconds` (all users started within the first second)."""
    env = Environment(user_classes=[Visitor], host=host, stop_timeout=10)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=max(users, 1))
    gevent.spawn_later(seconds, runner.quit)
    runner.greenlet.join()
    total = env.stats.total
    errors = [f"{e.method} {e.name}: {e.error} (x{e.occurrences})" for e in env.stats.errors.values()]
    named = sorted(env.stats.entries.values(), key=lambda e: e.get_response_time_percentile(0.95) or 0,
                   reverse=True)
    slowest = [f"{e.name}: p95 {e.get_response_time_percentile(0.95):.0f} ms, median "
               f"{e.median_response_time:.0f} ms ({e.num_requests} requests)" for e in named[:3]]
    return Phase(users, seconds, total.num_requests, total.num_failures,
                 float(total.median_response_time or 0), float(total.get_response_time_percentile(0.95) or 0),
                 errors, slowest)


def warm_up(host: str, router: dict, pages: tuple[str, ...], passes: int) -> None:
    """Visit every page `passes` times before measuring, so that both phases see what every visitor but
    the first after a load sees (cached tables in each worker); the cold render is bench.dashboard's."""
    body = {"Content-Type": "application/json"}
    for _ in range(passes):
        for path in pages:
            req = urllib.request.Request(f"{host}/_dash-update-component", method="POST", headers=body,
                                         data=json.dumps(payload(router, path)).encode())
            with urllib.request.urlopen(req, timeout=120) as resp:
                resp.read()


def demo_warehouse(folder: Path, rows: int) -> Path:
    """A warehouse with generated service events, so the server has real data behind it."""
    from bench.ingest import generate_events_csv
    from ingest.loader import load

    csv = folder / "events.csv"
    generate_events_csv(csv, rows)
    db = folder / "warehouse.duckdb"
    load([csv], db=db)
    return db


def report(single: Phase, loaded: Phase) -> dict:
    ratio = loaded.p95_ms / single.p95_ms if single.p95_ms else float("nan")
    return {"single": asdict(single), "load": asdict(loaded), "p95_ratio": round(ratio, 2)}


def print_report(result: dict) -> None:
    print(f"{'phase':<12}{'users':>7}{'seconds':>9}{'requests':>10}{'failures':>10}{'median ms':>11}"
          f"{'p95 ms':>9}")
    for label, key in (("one user", "single"), ("under load", "load")):
        p = result[key]
        print(f"{label:<12}{p['users']:>7}{p['seconds']:>9.0f}{p['requests']:>10}{p['failures']:>10}"
              f"{p['median_ms']:>11.0f}{p['p95_ms']:>9.0f}")
        for e in p["errors"]:
            print(f"  error: {e}")
        for line in p["slowest"]:
            print(f"  slowest: {line}")
    print(f"p95 under load / p95 with one user: {result['p95_ratio']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--baseline-seconds", type=float, default=10, help="the one-user run (default 10)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--db", help="warehouse to serve (default: a generated one)")
    parser.add_argument("--rows", type=int, default=20_000, help="events in the generated warehouse")
    parser.add_argument("--json", action="store_true", help="also print the result as one JSON line")
    parser.add_argument("--warmup", type=int, default=4,
                        help="passes over every page before measuring (default 4: each worker renders each)")
    args = parser.parse_args(argv)
    if args.users < 1 or args.seconds <= 0 or args.seconds > 3600:
        parser.error("--users must be at least 1 and --seconds between 0 and 3600")
    setup_logging("WARNING")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.db) if args.db else demo_warehouse(Path(tmp), args.rows)
        port = free_port()
        with open(Path(tmp) / "serve.log", "wb") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "servicestat.cli", "serve", "--db", str(db), "--host", "127.0.0.1",
                 "--port", str(port), "--workers", str(args.workers)],
                cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
            try:
                wait_until_serving(f"http://127.0.0.1:{port}/", server)
                host = f"http://127.0.0.1:{port}"
                status, body = get(f"{host}/_dash-dependencies")
                if status != 200:
                    raise RuntimeError(f"/_dash-dependencies answered {status}")
                Visitor.router = router_dependency(json.loads(body))
                Visitor.pages = tuple(page_paths(db))
                warm_up(host, Visitor.router, Visitor.pages, args.warmup)
                single = run_phase(host, 1, min(args.baseline_seconds, args.seconds))
                loaded = run_phase(host, args.users, args.seconds)
                alive = server.poll() is None
            finally:
                stop(server, grace=15)
    result = report(single, loaded)
    result["server_stayed_up"] = alive
    print(f"locust {locust.__version__}: servicestat serve ({args.workers} workers) on loopback")
    print_report(result)
    if args.json:
        print(json.dumps(result))
    return 0 if alive and single.failures == 0 and loaded.failures == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
