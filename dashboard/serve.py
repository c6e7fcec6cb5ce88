"""Serve the dashboard under gunicorn: several worker processes, each reading the warehouse
read-only, so a load published by ingest shows in every worker without a restart."""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, db_path: str, options: dict[str, Any], public: bool = False):
        self.db_path = db_path
        self.options = options
        self.public = public
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # noqa: ANN201 - gunicorn's WSGI callable
        from dashboard.app import create_app

        return create_app(self.db_path, public=self.public).server


def run_gunicorn(db_path: str, host: str, port: int, workers: int, public: bool = False) -> int:
    if not public and not os.environ.get("SERVICESTAT_SECRET_KEY"):
        # One secret for all workers (they inherit the environment), so a session signed by one
        # worker is honoured by the others; sessions still end when the server stops.
        from dashboard.auth import secret_key

        os.environ["SERVICESTAT_SECRET_KEY"] = secret_key()
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": 4,
        "worker_class": "gthread",
        "timeout": 60,
        "accesslog": "-",
        "preload_app": False,  # each worker opens its own read-only connection
    }
    _Gunicorn(db_path, options, public=public).run()
    return 0
