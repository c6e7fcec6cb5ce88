"""Who is who: the agencies, A-11 service providers and services the warehouse knows (public
reference tables), and the services a load added that data/services.csv does not declare.

The API and the pages list and validate agency and service ids through these, so the dashboard
never queries the warehouse itself.
"""

from __future__ import annotations

import csv
import difflib
import os
import re

import pandas as pd

from core.paths import data_file
from metrics.cache import cached
from metrics.db import reader

AGENCY_COLUMNS = ["agency_id", "department", "department_abbreviation", "bureau", "bureau_abbreviation"]
SERVICE_COLUMNS = ["service_id", "agency_id", "name", "is_hisp", "url", "provider_id", "successor_of"]
PROVIDER_COLUMNS = ["provider_id", "agency_id", "name", "aliases"]
UNDECLARED_COLUMNS = ["service_id", "name", "agency_id", "closest_declared"]


@cached
def agencies(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per agency (department and bureau), ordered by id."""
    return reader(db).df(f"SELECT {', '.join(AGENCY_COLUMNS)} FROM agencies ORDER BY agency_id")


@cached
def services(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per declared service with its owning agency, ordered by id."""
    return reader(db).df(f"SELECT {', '.join(SERVICE_COLUMNS)} FROM services ORDER BY service_id")


@cached
def providers(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per declared A-11 service provider with its agency, ordered by id."""
    return reader(db).df(f"SELECT {', '.join(PROVIDER_COLUMNS)} FROM providers ORDER BY provider_id")


def _key(text: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text or "").lower())


def undeclared_services(db: str | os.PathLike[str] | None = None,
                        data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Services in the warehouse that data/services.csv does not declare (an A-11 load adds a
    service it cannot match), each with the closest declared services by name, id or alias, so the
    fix - declare it, or add its name to data/service_aliases.csv - is one look away."""
    with open(data_file("services.csv", data_dir), newline="", encoding="utf-8") as fh:
        declared = {r["service_id"]: r["name"] for r in csv.DictReader(fh)}
    with open(data_file("service_aliases.csv", data_dir), newline="", encoding="utf-8") as fh:
        aliases = [(r["alias"], r["service_id"]) for r in csv.DictReader(fh)]
    choices: dict[str, str] = {}
    for name, sid in [*((s, s) for s in declared), *((n, s) for s, n in declared.items()), *aliases]:
        choices.setdefault(_key(name), sid)
    found = reader(db).df("SELECT service_id, name, agency_id FROM services ORDER BY service_id")
    found = found[~found["service_id"].isin(declared)].reset_index(drop=True)
    closest = []
    for sid, name in zip(found["service_id"], found["name"], strict=True):
        near: list[str] = []
        for k in difflib.get_close_matches(_key(name), list(choices), n=9, cutoff=0.5) + \
                difflib.get_close_matches(_key(sid), list(choices), n=9, cutoff=0.5):
            if choices[k] not in near:
                near.append(choices[k])
        closest.append(", ".join(f"{s} ({declared.get(s, '')})" for s in near[:3]))
    found["closest_declared"] = closest
    return found[UNDECLARED_COLUMNS]


def undeclared_lines(frame: pd.DataFrame) -> list[str]:
    """What `servicestat check` prints about undeclared services (none: no lines)."""
    if frame.empty:
        return []
    lines = [f"{len(frame)} service(s) in the warehouse are not declared in data/services.csv (added by a"
             " load; declare them, or add their names to data/service_aliases.csv):"]
    for r in frame.itertuples():
        near = f"; closest declared: {r.closest_declared}" if r.closest_declared else ""
        lines.append(f"  {r.service_id} ({r.name}), agency {r.agency_id}{near}")
    return lines
