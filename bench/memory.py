"""Peak memory (RSS) of the serving process after every page has been rendered.

Starts `servicestat serve` (gunicorn, one worker, loopback) on a warehouse, requests every registered
page and POSTs its router callback (as a browser navigating does), then reads the peak resident set
size (VmHWM in /proc) of the gunicorn master and its workers and adds them up. Usage:

    python -m bench.memory --db PATH
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from bench.serving import free_port, get, stop, wait_until_serving

REPO = Path(__file__).resolve().parent.parent


def _peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of `pid` and its descendants, in MB."""
    import psutil

    total = 0.0
    for proc in [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]:
        try:
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except (FileNotFoundError, psutil.NoSuchProcess):
            pass
    return total


def _post(url: str, payload: dict) -> int:
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=300) as resp:
        resp.read()
        return resp.status


def serving_peak_rss(db: str | Path) -> tuple[float, int]:
    """(peak RSS in MB of `servicestat serve` after every page, pages rendered)."""
    from bench.dashboard import _payload, page_paths

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "servicestat.cli", "serve", "--public", "--db", str(db),
             "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_serving(base + "/", server)
            deps = json.loads(get(base + "/_dash-dependencies")[1])
            router = next(d for d in deps if any(i["id"] == "_pages_location" for i in d["inputs"]))
            paths = page_paths(db)
            for path in paths:
                get(base + path, timeout=300)
                _post(base + "/_dash-update-component", _payload(router, path))
            return _peak_rss_mb(server.pid), len(paths)
        finally:
            stop(server, grace=15)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    args = parser.parse_args(argv)
    mb, pages = serving_peak_rss(args.db)
    print(f"peak RSS of servicestat serve after {pages} pages: {mb:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
