"""Checks of the reference tables: data/agencies.csv, providers.csv, services.csv and
service_aliases.csv (agency -> A-11 service provider -> service; other names of a service), and
service_keywords.csv (the everyday words the public's search on /services finds a service by).

Every other declaration refers to these ids, and ingest copies both files into the warehouse on
every write (ingest/reference.py), so a blank name or an agency nobody declared must be caught here.
Only the columns below are checked; other columns are allowed, so the files can grow (add the
checks of new columns or new reference files to this module and to `core.declarations.CHECKERS`).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, field_validator

from core.check_base import CheckContext, RowModel, duplicates, validate_rows
from core.models import Slug, Text

AGENCY_COLUMNS = ("agency_id", "department", "department_abbreviation", "bureau", "bureau_abbreviation")
SERVICE_COLUMNS = ("service_id", "agency_id", "name", "is_hisp", "url")
PROVIDER_COLUMNS = ("provider_id", "agency_id", "name", "aliases")
ALIAS_COLUMNS = ("alias", "service_id")
KEYWORD_COLUMNS = ("service_id", "keywords")
Abbreviation = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9&.\-]*$")]


class AgencyRow(RowModel):
    agency_id: Slug
    department: Text
    department_abbreviation: Abbreviation
    bureau: Text
    bureau_abbreviation: Abbreviation


class ProviderRow(RowModel):
    provider_id: Slug
    agency_id: Slug
    name: Text
    aliases: str | None = None


class AliasRow(RowModel):
    alias: Text
    service_id: Slug
    note: str | None = None


class KeywordRow(RowModel):
    service_id: Slug
    keywords: Text

    @field_validator("keywords")
    @classmethod
    def _words(cls, value: str) -> str:
        # metrics.directory.find_services matches by words of letters and digits: a keyword without
        # one (or an empty one between two pipes) could never be found.
        for keyword in value.split("|"):
            if not re.search(r"[A-Za-z0-9]", keyword):
                raise ValueError(f"{keyword.strip()!r} has no word in it; separate keywords with one '|'")
        return value


class ServiceRow(RowModel):
    service_id: Slug
    agency_id: Slug
    name: Text
    is_hisp: bool
    url: str | None = None
    provider_id: Slug | None = None
    successor_of: Slug | None = None

    @field_validator("is_hisp", mode="before")
    @classmethod
    def _true_or_false(cls, value: object) -> object:
        # ingest reads anything but "true" as False; a typo must not silently drop a HISP.
        if not isinstance(value, str) or value.lower() not in ("true", "false"):
            raise ValueError(f"must be True or False, not {value!r}")
        return value.lower() == "true"

    @field_validator("url")
    @classmethod
    def _no_spaces(cls, value: str | None) -> str | None:
        if value is not None and any(ch.isspace() for ch in value):
            raise ValueError("an address has no spaces")
        return value


def check_agencies(ctx: CheckContext, name: str) -> None:
    """agencies.csv: one row per agency, every column filled; publishes the agency ids."""
    f = ctx.csv(name, AGENCY_COLUMNS)
    if f is None:
        return
    validate_rows(ctx, f, AgencyRow, "agency_id")
    ctx.known.agencies = duplicates(ctx, f, "agency_id")


def check_services(ctx: CheckContext, name: str) -> None:
    """services.csv: one row per service of a declared agency; publishes the service ids."""
    f = ctx.csv(name, SERVICE_COLUMNS)
    if f is None:
        return
    agencies = ctx.known.agencies
    providers: dict[str, str] | None = ctx.known.catalogue.get("providers")
    rows = validate_rows(ctx, f, ServiceRow, "service_id")
    for s, row in rows:
        if s is not None and agencies is not None and s.agency_id not in agencies:
            ctx.add(f.label, row.line, f"{s.service_id}: unknown agency {s.agency_id!r} (see agencies.csv)")
        if s is None or s.provider_id is None or providers is None:
            continue
        if s.provider_id not in providers:
            ctx.add(f.label, row.line,
                    f"{s.service_id}: unknown provider {s.provider_id!r} (see providers.csv)")
        elif providers[s.provider_id] != s.agency_id:
            ctx.add(f.label, row.line, f"{s.service_id}: provider {s.provider_id!r} belongs to agency "
                    f"{providers[s.provider_id]!r}, not {s.agency_id!r}")
    ctx.known.services = duplicates(ctx, f, "service_id")
    for s, row in rows:
        if s is not None and s.successor_of is not None and (
                s.successor_of == s.service_id or s.successor_of not in ctx.known.services):
            ctx.add(f.label, row.line, f"{s.service_id}: successor_of {s.successor_of!r} is not another "
                    "declared service")
    ctx.known.catalogue["service_names"] = {
        name_key(s.name): s.service_id for s, _ in rows if s is not None}


def name_key(text: str) -> str:
    """How names are compared when files are matched to declarations (ingest/service_names.py):
    lower-case letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def check_providers(ctx: CheckContext, name: str) -> None:
    """providers.csv: one row per A-11 service provider of a declared agency; no name or alias may
    stand for two providers. Publishes provider id -> agency id."""
    f = ctx.csv(name, PROVIDER_COLUMNS)
    if f is None:
        return
    owner: dict[str, str] = {}
    named: dict[str, tuple[str, int]] = {}
    for p, row in validate_rows(ctx, f, ProviderRow, "provider_id"):
        if p is None:
            continue
        if ctx.known.agencies is not None and p.agency_id not in ctx.known.agencies:
            ctx.add(f.label, row.line, f"{p.provider_id}: unknown agency {p.agency_id!r} (see agencies.csv)")
        owner.setdefault(p.provider_id, p.agency_id)
        names = (p.provider_id, p.name, *(p.aliases or "").split("|"))
        for n in {name_key(x) for x in names if x.strip()}:
            other = named.setdefault(n, (p.provider_id, row.line))
            if other[0] != p.provider_id:
                ctx.add(f.label, row.line, f"{p.provider_id}: a name or alias of provider {other[0]!r} (line "
                        f"{other[1]}) too; names are compared by letters and digits")
    duplicates(ctx, f, "provider_id")
    ctx.known.catalogue["providers"] = owner


def check_service_aliases(ctx: CheckContext, name: str) -> None:
    """service_aliases.csv: each alias once, for a declared service, and not another service's id or
    name (an alias that stands for two services would match neither)."""
    f = ctx.csv(name, ALIAS_COLUMNS)
    if f is None:
        return
    services = ctx.known.services
    names: dict[str, str] = ctx.known.catalogue.get("service_names", {})
    seen: dict[str, tuple[str, int]] = {}
    for a, row in validate_rows(ctx, f, AliasRow, "alias"):
        if a is None:
            continue
        if services is not None and a.service_id not in services:
            ctx.add(f.label, row.line, f"{a.alias}: unknown service {a.service_id!r} (see services.csv)")
        k = name_key(a.alias)
        clash = names.get(k) or next((s for s in services or () if name_key(s) == k), None)
        if clash is not None and clash != a.service_id:
            ctx.add(f.label, row.line, f"{a.alias}: already the id or name of service {clash!r}")
        first = seen.setdefault(k, (a.service_id, row.line))
        if first[1] != row.line:
            ctx.add(f.label, row.line, f"{a.alias}: the same alias as line {first[1]} (aliases are compared"
                    " by letters and digits)")


def check_service_keywords(ctx: CheckContext, name: str) -> None:
    """service_keywords.csv: at most one row per declared service; its keywords, separated by '|',
    each hold a word."""
    f = ctx.csv(name, KEYWORD_COLUMNS)
    if f is None:
        return
    services = ctx.known.services
    for k, row in validate_rows(ctx, f, KeywordRow, "service_id"):
        if k is not None and services is not None and k.service_id not in services:
            ctx.add(f.label, row.line, f"{k.service_id}: unknown service {k.service_id!r} (see services.csv)")
    duplicates(ctx, f, "service_id")
