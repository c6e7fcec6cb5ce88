"""Serving the dashboard from the command line: gunicorn in production, Dash's server with --dev."""

from __future__ import annotations

from pathlib import Path

from servicestat.output import console


def serve(path: Path, host: str, port: int, workers: int, dev: bool, public: bool = False) -> int:
    from dashboard.app import create_app
    from publish.alerts import refresh  # submissions re-evaluate the alert rules after they load

    site = "public site, no sign-in" if public else "sign-in for agency and OMB staff"
    console.print(f"ServiceStat on http://{host}:{port}  (warehouse {path}; {site})")
    if dev:
        create_app(str(path), public=public, after_load=refresh).run(host=host, port=port, debug=False)
        return 0
    from dashboard.serve import run_gunicorn

    return run_gunicorn(str(path), host, port, workers, public=public, after_load=refresh)
