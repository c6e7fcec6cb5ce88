"""Which declared service, provider or agency a name in a file stands for.

Files name services by slug or by name, and the names drift (A-11 renamed most HISP services in
FY2021; providers are written "United States Patent and Trademark Office" one year and "U.S. Patent
and Trademark Office" the next). The declarations say which names are the same thing:
`data/services.csv` (ids and names), `data/service_aliases.csv` (other names and slugs),
`data/providers.csv` (provider names and aliases) and `data/agencies.csv`. Names are compared by
their letters and digits only, case-insensitively ("Reserving a campsite" = "reserving-a-campsite").
A name that would stand for two different things matches neither.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

import duckdb


def key(text: object) -> str:
    """The comparison key of a name: lower-case letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", str(text or "").lower())


def _unique(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """key -> value, leaving out keys that stand for more than one value."""
    seen: dict[str, set[str]] = {}
    for name, value in pairs:
        k = key(name)
        if k:
            seen.setdefault(k, set()).add(value)
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


class ServiceNames:
    """The declared services, providers and agencies of the warehouse, by every declared name."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        services = con.execute("SELECT service_id, agency_id, name, provider_id FROM services").fetchall()
        self.agency_of = {sid: agency for sid, agency, _, _ in services}
        self.provider_of = {sid: provider for sid, _, _, provider in services}
        self.names = {sid: name for sid, _, name, _ in services}
        aliases = con.execute("SELECT alias, service_id FROM service_aliases").fetchall()
        self.by_id = {sid.lower(): sid for sid in self.agency_of}
        self.by_alias = _unique((a, sid) for a, sid in aliases if sid in self.agency_of)
        self.by_name = _unique((name, sid) for sid, name in self.names.items())
        providers = con.execute("SELECT provider_id, agency_id, name, aliases FROM providers").fetchall()
        self.provider_agency = {pid: agency for pid, agency, _, _ in providers}
        self.providers = _unique(
            (n, pid) for pid, _, name, more in providers
            for n in (pid, name, *(more or "").split("|")) if n.strip())
        agencies = con.execute("SELECT agency_id, department, department_abbreviation, bureau,"
                               " bureau_abbreviation FROM agencies").fetchall()
        self.agencies = {a[0] for a in agencies}
        self.agency_by_bureau = _unique((n, a[0]) for a in agencies for n in (a[0], a[3]) if n)
        self.department_abbreviation = _unique((a[1], a[2]) for a in agencies if a[1] and a[2])

    def service(self, text: object, provider_id: str | None = None) -> str | None:
        """The declared service a slug or name stands for: its id, then an alias, then its name.

        With `provider_id`, a name match must be a service of that provider.
        """
        raw = str(text or "").strip()
        if not raw:
            return None
        if raw.lower() in self.by_id:
            return self.by_id[raw.lower()]
        k = key(raw)
        for table in (self.by_alias, self.by_name):
            sid = table.get(k)
            if sid and (provider_id is None or self.provider_of.get(sid) in (None, provider_id)):
                return sid
        return None

    def provider(self, *names: object) -> str | None:
        """The declared provider the first recognisable of `names` stands for."""
        for name in names:
            found = self.providers.get(key(name))
            if found:
                return found
        return None

    def agency(self, provider_id: str | None, *names: object) -> str | None:
        """A declared agency: the provider's, else one whose id or bureau is one of `names`."""
        if provider_id and provider_id in self.provider_agency:
            return self.provider_agency[provider_id]
        for name in names:
            found = self.agency_by_bureau.get(key(name))
            if found:
                return found
        return None

    def closest(self, text: object, n: int = 3) -> list[str]:
        """The declared service ids whose id, name or alias is closest to `text`."""
        choices = {**{key(s): s for s in self.agency_of}, **self.by_name, **self.by_alias}
        found = difflib.get_close_matches(key(text), list(choices), n=n * 3, cutoff=0.5)
        out: list[str] = []
        for k in found:
            if choices[k] not in out:
                out.append(choices[k])
        return out[:n]
