"""Server-side time of every Dash page's render callback, generic over `dash.page_registry`.

For each registered page (new pages are picked up automatically; path templates such as
/agency/<agency_id> are filled with the busiest service's ids from the warehouse) this POSTs the pages
router callback to `/_dash-update-component` through the Flask test client - exactly the request a
browser sends when it navigates - with every cache emptied first (the metrics layer's and the
rendered-page cache, dashboard.page_cache), so each call computes its tables and draws its page
(cold: the first visitor after a load), then once more straight after with the caches as the cold
call left them (warm: what every later visitor of the same page, viewer and warehouse version gets,
which is the page kept by dashboard.page_cache, as the app serves it; `SERVICESTAT_PAGE_CACHE_MB=0`
measures warm without it). Reports the median and 95th percentile of each per page. Usage:

    python -m bench.dashboard --db PATH [--repeat 20]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass
class PageTiming:
    path: str
    status: int
    median_ms: float  # cold
    p95_ms: float
    warm_median_ms: float = float("nan")
    warm_p95_ms: float = float("nan")


def clear_metrics_caches() -> None:
    """Empty every cache of the metrics layer loaded: `metrics.cache.cached` and `memo` functions and any
    other `functools` cache of a metrics module (query and file-parse memos), found by `cache_clear`.
    What is left warm is the process itself (imports, the app, the DuckDB connection) - as after a
    new load, when every cached table's key (the warehouse version) has changed."""
    for name, module in list(sys.modules.items()):
        if name.startswith("metrics.") and module is not None:
            for obj in vars(module).values():
                if callable(obj) and hasattr(obj, "cache_clear"):
                    obj.cache_clear()


def clear_caches() -> None:
    """Empty every cache a page is served from: the metrics layer's (`clear_metrics_caches`) and the
    rendered pages of dashboard.page_cache - what a cold visit after a new load finds."""
    from dashboard.page_cache import CACHE

    clear_metrics_caches()
    CACHE.clear()


def sample_ids(db: str | Path) -> dict[str, str]:
    """Values for path placeholders: the service with the most events and its agency."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH '{db}' AS w (READ_ONLY)")
        row = con.execute(
            "SELECT s.service_id, s.agency_id FROM w.services s"
            " LEFT JOIN w.service_daily d USING (service_id)"
            " GROUP BY ALL ORDER BY sum(d.events) DESC NULLS LAST, 1 LIMIT 1").fetchone()
    finally:
        con.close()
    return {"service_id": row[0], "agency_id": row[1]} if row else {}


def page_paths(db: str | Path) -> list[str]:
    """Every registered page's path, templates filled; the 404 page is left out."""
    import dash

    if not dash.page_registry:  # the pages register when the app is built
        from dashboard.app import create_app

        create_app(str(db), public=True)
    ids = sample_ids(db)
    paths = []
    for page in dash.page_registry.values():
        template = page.get("path_template") or page["path"]
        if page.get("module", "").endswith("not_found_404"):
            continue
        paths.append(re.sub(r"<(\w+)>", lambda m: ids.get(m.group(1), "unknown"), template))
    return paths


def router_dependency(deps: list[dict]) -> dict:
    """The pages router callback among the app's `/_dash-dependencies`."""
    for dep in deps:
        if any(i["id"] == "_pages_location" and i["property"] == "pathname" for i in dep["inputs"]):
            return dep
    raise RuntimeError("no pages router callback in /_dash-dependencies")


def _router(client) -> dict:
    return router_dependency(client.get("/_dash-dependencies").get_json())


def _payload(dep: dict, path: str) -> dict:
    """The body a browser POSTs to `/_dash-update-component` when it navigates to `path`."""
    outputs = []
    for part in dep["output"].strip(".").split("..."):
        ident, prop = part.rsplit(".", 1)
        outputs.append({"id": ident, "property": prop})
    values = {"pathname": path, "search": "", "hash": ""}
    inputs = [dict(i, value=values.get(i["property"])) for i in dep["inputs"]]
    return {"output": dep["output"], "outputs": outputs, "inputs": inputs,
            "changedPropIds": ["_pages_location.pathname"],
            "state": [dict(s, value=None) for s in dep["state"]]}


def _median_p95(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


payload = _payload  # the public name (bench.load builds the same requests)


def time_pages(db: str | Path, repeat: int = 20) -> list[PageTiming]:
    """Median and p95 (ms) of each page's router callback, every cache empty then warm, in this process."""
    from dashboard.app import create_app

    app = create_app(str(db), public=True)
    client = app.server.test_client()
    dep = _router(client)
    paths = page_paths(db)
    for path in paths:  # untimed: the process warm (lazy imports, first queries), as after a new load
        client.post("/_dash-update-component", json=_payload(dep, path))
    out = []
    for path in paths:
        cold, warm, status = [], [], 0
        for _ in range(repeat):
            clear_caches()
            for times in (cold, warm):
                t0 = time.perf_counter()
                resp = client.post("/_dash-update-component", json=_payload(dep, path))
                times.append((time.perf_counter() - t0) * 1000)
                status = resp.status_code if status in (0, 200) else status
        out.append(PageTiming(path, status, *_median_p95(cold), *_median_p95(warm)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    print(f"{'page':<36}{'status':>7}{'cold median':>13}{'cold p95':>10}{'warm median':>13}{'warm p95':>10}"
          "  (ms)")
    for t in time_pages(args.db, args.repeat):
        print(f"{t.path:<36}{t.status:>7}{t.median_ms:>13.1f}{t.p95_ms:>10.1f}{t.warm_median_ms:>13.1f}"
              f"{t.warm_p95_ms:>10.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
