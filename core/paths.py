"""Where things live: the declarations folder, the warehouse file and the npm assets.

One resolver for every room, so ingest, metrics, publishing and the dashboard agree on paths and no
module writes its own "this folder, else the default" fallback.

Each location is found in this order: an environment setting, then the current directory (a project
checkout, so a non-editable install run from it works), then the source tree beside this package.
- `SERVICESTAT_DATA`: the declarations folder (`data/`); read once per process.
- `SERVICESTAT_DB`: the warehouse file (default `<data>/servicestat.duckdb`).
- `SERVICESTAT_ASSETS`: the `node_modules` folder that holds USWDS and axe-core.
"""

from __future__ import annotations

import os
from pathlib import Path

SOURCE_ROOT = Path(__file__).resolve().parent.parent


def _found(env: str, name: str, marker: str) -> Path:
    if os.environ.get(env):
        return Path(os.environ[env]).resolve()
    here = Path.cwd() / name
    if (here / marker).exists():
        return here.resolve()
    return SOURCE_ROOT / name


#: The declarations folder in force for this process.
DATA_DIR = _found("SERVICESTAT_DATA", "data", "services.csv")
#: npm's folder with USWDS (served at /uswds/) and axe-core (browser tests).
NODE_MODULES = _found("SERVICESTAT_ASSETS", "node_modules", "@uswds")
DEFAULT_DB = DATA_DIR / "servicestat.duckdb"


def data_file(name: str, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The declaration file `name`: from `data_dir` when it holds one, else from DATA_DIR.

    A folder may hold only some of the files (tests plant one changed file this way).
    """
    if data_dir is not None:
        own = Path(data_dir) / name
        if own.exists():
            return own
    return DATA_DIR / name


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The warehouse file: an explicit path, else $SERVICESTAT_DB, else the embedded default."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("SERVICESTAT_DB")
    return Path(env) if env else DEFAULT_DB
