"""A-11 Section 280 survey files: the quarterly collections form (v1) and the v2 per-respondent export.

`a11-cx` is performance.gov's flattened collections file: one row per service, channel, touchpoint
and fiscal quarter with up to eleven questions side by side. Each question becomes a
`survey_results` row, so the kind reshapes rows and is checked here in Python (these files hold
hundreds of rows, not millions) rather than in the SQL engine of `ingest.kind_base`.

Questions sit in A-11 driver slots by position; the wording of each is checked against the driver
patterns and a misfit is reported (`row_warnings` -> `load_warnings`), never silently reassigned.
The same messages are rebuilt from the stored facts by `metrics.quality`, which is how a finding
finds its file row again.

The v2 form (fall 2023 on) is read by `ingest.a11_v2`; the findings rule lives in
`core.survey_findings`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from core import driver_patterns
from core.fiscal import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR
from core.survey_findings import VOLUMES, q_scale, q_text, question_findings, where
from core.vocab import CHANNELS, normalise_label
from ingest.kind_base import Kind
from ingest.normalise import NUMBER_RE
from ingest.service_names import ServiceNames
from ingest.service_names import key as service_key

QUESTIONS = range(1, 12)
KNOWN_CHANNELS = ", ".join(CHANNELS)
ORG, ORG_ABBR = "attributes_organization_name", "attributes_organization_abbreviation"
PROVIDER, SERVICE_NAME, SLUG = (
    "attributes_service_provider_name", "attributes_service_name", "attributes_service_slug")
YEAR, QUARTER, CHANNEL = "attributes_collection_year", "attributes_collection_quarter", "attributes_channel"
def q_count(k: int, answer: int) -> str:
    return f"attributes_q{k}_{answer}"


V1_REQUIRED = (ORG, PROVIDER, SERVICE_NAME, CHANNEL, YEAR, QUARTER, q_text(1),
               *(q_count(1, a) for a in range(1, 6)))
V1_OPTIONAL = (
    "id", "type", "attributes_organization_id", ORG_ABBR, "attributes_service_provider_id",
    "attributes_collection_id", "attributes_collection_name", "attributes_service_provided",
    "attributes_transaction_point", *VOLUMES.values(), "attributes_omb_control_number",
    "attributes_federal_register_url", "attributes_created_at", "attributes_updated_at",
    "attributes_operational_metrics", "attributes_service_id", SLUG, "service_desc",
    "service_provider_desc", q_scale(1),
    *(c for k in QUESTIONS if k > 1 for c in (q_text(k), *(q_count(k, a) for a in range(1, 6)), q_scale(k))),
)

# --------------------------------------------------------------------------- small readers

_NUMBER = re.compile(NUMBER_RE)


def clean(raw: object) -> str:
    """Trimmed text with inner whitespace (line breaks, tabs) collapsed; '' for NULL."""
    return driver_patterns.clean_text(None if raw is None else str(raw))


def parse_number(raw: object) -> tuple[float | None, bool]:
    """(value, ok): blank is (None, True); '8,586,476' reads as 8586476; 'n/a' is (None, False)."""
    text = clean(raw)
    if not text:
        return None, True
    if "_" in text:
        return None, False
    try:
        value = float(text)
    except ValueError:
        if not _NUMBER.match(text):
            return None, False
        try:
            value = float(text.replace(",", "").replace("$", ""))
        except ValueError:
            return None, False
    return (value, True) if math.isfinite(value) else (None, False)


def parse_int(raw: object) -> tuple[int | None, bool]:
    """Whole numbers only; '9707552.0' is fine, '12.5' is not."""
    value, ok = parse_number(raw)
    if value is None:
        return None, ok
    if value != round(value) or abs(value) >= 9e15:
        return None, False
    return int(value), True


def slug(*parts: str) -> str:
    """'USDA', 'Recreation.gov' -> 'usda-recreation-gov'."""
    return re.sub(r"[^a-z0-9]+", "-", " ".join(parts).lower()).strip("-")


_ARROW = {"VARCHAR": pa.string(), "INTEGER": pa.int32(), "BIGINT": pa.int64(), "DOUBLE": pa.float64(),
          "BOOLEAN": pa.bool_()}


def temp_table(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str],
               rows: Iterable[tuple]) -> None:
    """Create temp table `name` with exactly these column types from Python rows."""
    rows = list(rows)
    arrays = [pa.array([r[i] for r in rows], type=_ARROW[t]) for i, t in enumerate(columns.values())]
    con.register("_py_rows", pa.Table.from_arrays(arrays, names=list(columns)))
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _py_rows")
    finally:
        con.unregister("_py_rows")


def staged_rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, str | None]]:
    """The staged file as dicts, each with its data-row number `_row` (the loader's numbering)."""
    cur = con.execute(
        "SELECT rowid - (SELECT min(rowid) FROM staged) + 1 AS _row, * FROM staged ORDER BY rowid"
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def channel_map(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Normalised raw label -> canonical channel, from the warehouse copy of data/channels.yaml."""
    return dict(con.execute("SELECT raw_label, channel FROM channel_aliases").fetchall())


@dataclass
class Outcome:
    """What a Python check found: problems reject a row, warnings only describe it."""

    problems: list[tuple[int, str, str | None, str]] = field(default_factory=list)
    warnings: list[tuple[int, str, str | None, str]] = field(default_factory=list)

    def problem(self, row: int, fld: str, value: object, reason: str) -> None:
        self.problems.append((row, fld, None if value is None else str(value), reason))

    def warn(self, row: int, fld: str, value: object, message: str) -> None:
        self.warnings.append((row, fld, None if value is None else str(value), message))

    def bad_rows(self) -> set[int]:
        return {p[0] for p in self.problems}

    def publish(self, con: duckdb.DuckDBPyConnection, checked_columns: dict[str, str],
                checked_rows: list[tuple]) -> None:
        """Leave `checked` (a view, as the loader expects), `problems` and `row_warnings`."""
        temp_table(con, "_checked_all", {"_row": "BIGINT", "_ok": "BOOLEAN", **checked_columns}, checked_rows)
        con.execute("CREATE OR REPLACE TEMP VIEW checked AS SELECT * FROM _checked_all")
        cols = {"_row": "BIGINT", "field": "VARCHAR", "value": "VARCHAR"}
        temp_table(con, "problems", {**cols, "reason": "VARCHAR"}, self.problems)
        temp_table(con, "row_warnings", {**cols, "message": "VARCHAR"}, self.warnings)


def channel_of(raw: object, channels: dict[str, str]) -> tuple[str | None, str | None]:
    """(canonical channel or None, error or None); a blank label is no channel, not an error."""
    text = clean(raw)
    if not text:
        return None, None
    found = channels.get(normalise_label(text))
    if found is None:
        return None, (f"unknown channel {text}; use one of {KNOWN_CHANNELS} "
                      "(or add the label to data/channels.yaml)")
    return found, None


def check_year(out: Outcome, row: int, fld: str, raw: object) -> int | None:
    value, _ = parse_int(raw)
    if not clean(raw):
        out.problem(row, fld, raw, "a fiscal year is required")
    elif value is None or not FIRST_FISCAL_YEAR <= value <= LAST_FISCAL_YEAR:
        out.problem(row, fld, raw, f"fiscal year must be a whole year between {FIRST_FISCAL_YEAR} "
                    f"and {LAST_FISCAL_YEAR}")
        return None
    return value


def check_quarter(out: Outcome, row: int, fld: str, raw: object) -> int | None:
    value, _ = parse_int(raw)
    if value is None or not 1 <= value <= 4:
        out.problem(row, fld, raw, "quarter must be 1, 2, 3 or 4" if clean(raw) else "a quarter is required")
        return None
    return value


# --------------------------------------------------------------------------- findings


# --------------------------------------------------------------------------- services


@dataclass(frozen=True)
class NewService:
    service_id: str
    name: str
    agency_id: str
    department: str
    abbreviation: str
    provider: str
    provider_id: str | None
    closest: tuple[str, ...]


class ServiceCatalogue:
    """Which declared service a collection is, in this order (names compared by letters and digits
    only, see `ingest.service_names`):

    1. `attributes_service_slug` is a declared service id;
    2. the slug is a declared alias (data/service_aliases.csv);
    3. `attributes_service_name` is the declared name or an alias of a service of the row's provider
       (the provider found by its declared name or alias, data/providers.csv);
    4. provider name + service name, slugged, is a declared id or alias.
    Otherwise the service is undeclared and is added on load (`servicestat check` lists it), under
    the agency of its declared provider, else the declared agency whose id or bureau the provider or
    organisation names, else the agency of a declared service of the same provider in the file, else
    a new agency (department abbreviation + provider) - never a second id for a declared agency.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, rows: list[dict[str, str | None]]):
        self.names = ServiceNames(con)
        self.siblings: dict[tuple[str, str], str] = {}
        for r in rows:
            sid = self.declared(r)
            if sid:
                self.siblings.setdefault(self._provider_key(r), self.names.agency_of[sid])

    @staticmethod
    def _provider_key(r: dict[str, str | None]) -> tuple[str, str]:
        return (clean(r.get(ORG)).lower(), clean(r.get(PROVIDER)).lower())

    @staticmethod
    def candidate(r: dict[str, str | None]) -> str:
        given = clean(r.get(SLUG))
        if given:
            return given.lower()
        provider, service = clean(r.get(PROVIDER)), clean(r.get(SERVICE_NAME))
        return slug(provider, service) if provider and service else ""

    def declared(self, r: dict[str, str | None]) -> str | None:
        """The declared service of a row (rules 1-4 of the class docstring), or None."""
        provider_name, name = clean(r.get(PROVIDER)), clean(r.get(SERVICE_NAME))
        provider = self.names.provider(provider_name)
        return (self.names.service(clean(r.get(SLUG)))
                or (self.names.service(name, provider) if name else None)
                or (self.names.service(slug(provider_name, name)) if provider_name and name else None))

    def resolve(self, r: dict[str, str | None]) -> tuple[str | None, NewService | None, str | None]:
        """(service_id, the service to add if it is undeclared, error)."""
        found = self.declared(r)
        if found:
            return found, None, None
        sid = self.candidate(r)
        if not sid:
            return None, None, ("cannot tell which service: give attributes_service_slug, or both "
                                "attributes_service_provider_name and attributes_service_name")
        department = clean(r.get(ORG))
        if not department:
            return None, None, f"the organization name is required to add the new service {sid!r}"
        provider = clean(r.get(PROVIDER))
        provider_id = self.names.provider(provider)
        abbreviation = (clean(r.get(ORG_ABBR))
                        or self.names.department_abbreviation.get(service_key(department))
                        or slug(department))
        agency_id = (self.names.agency(provider_id, provider, department)
                     or self.siblings.get(self._provider_key(r)) or slug(abbreviation, provider))
        name = clean(r.get(SERVICE_NAME)) or clean(r.get("attributes_service_provided")) or sid
        closest = tuple(self.names.closest(name) or self.names.closest(sid))
        return sid, NewService(sid, name, agency_id, department, abbreviation, provider, provider_id,
                               closest), None

    @staticmethod
    def add(con: duckdb.DuckDBPyConnection, new: Iterable[NewService]) -> list[str]:
        """Insert the undeclared services (inside the load's transaction) and say so."""
        notes = []
        for s in {n.service_id: n for n in new}.values():
            con.execute("INSERT OR IGNORE INTO agencies (agency_id, department, department_abbreviation,"
                        " bureau) VALUES (?, ?, ?, ?)",
                        [s.agency_id, s.department, s.abbreviation, s.provider or None])
            con.execute("INSERT OR IGNORE INTO services (service_id, agency_id, name, is_hisp, provider_id)"
                        " VALUES (?, ?, ?, true, ?)", [s.service_id, s.agency_id, s.name, s.provider_id])
            close = f" (closest declared: {', '.join(s.closest)})" if s.closest else ""
            notes.append(f"new service {s.service_id!r} ({s.name}) added under agency {s.agency_id!r}; it is"
                         " not declared: declare it in data/services.csv, or if it is a declared service"
                         f" under another name, add the name to data/service_aliases.csv{close}")
        return notes


# --------------------------------------------------------------------------- a11-cx (v1)

SURVEY_COLUMNS = {
    "service_id": "VARCHAR", "channel": "VARCHAR", "channel_raw": "VARCHAR", "touchpoint": "VARCHAR",
    "fiscal_year": "INTEGER", "quarter": "INTEGER", "question_number": "INTEGER",
    "question_text": "VARCHAR", "driver": "VARCHAR", "count_1": "BIGINT", "count_2": "BIGINT",
    "count_3": "BIGINT", "count_4": "BIGINT", "count_5": "BIGINT", "n": "BIGINT", "agree": "BIGINT",
    "published_mean": "DOUBLE", "volume_served": "BIGINT", "volume_offered": "BIGINT",
    "volume_responded": "BIGINT",
}


@dataclass
class Question:
    number: int
    text: str
    driver: str
    counts: list[int | None]
    published: float | None


@dataclass
class Collection:
    row: int
    service_id: str | None
    new_service: NewService | None
    channel: str | None
    channel_raw: str | None
    touchpoint: str
    fiscal_year: int | None
    quarter: int | None
    volumes: dict[str, int | None]
    questions: list[Question]

    @property
    def key(self) -> tuple:
        return (self.service_id, self.channel, self.touchpoint, self.fiscal_year, self.quarter)


def _read_count(out: Outcome, row: int, column: str, raw: str | None) -> int | None:
    """A count or volume cell: a whole number, not negative; a problem on the row otherwise."""
    value, ok = parse_int(raw)
    if not ok:
        out.problem(row, column, raw, "not a whole number")
    elif value is not None and value < 0:
        out.problem(row, column, raw, "negative count")
    return value


def _read_question(out: Outcome, r: dict, k: int, present: set[str],
                   rules: driver_patterns.DriverRules) -> Question | None:
    """One question of a collection; None for a placeholder ('none', blank, ...) with no answers."""
    row = r["_row"]
    counts: list[int | None] = []
    for a in range(1, 6):
        col = q_count(k, a)
        counts.append(_read_count(out, row, col, r.get(col) if col in present else None))
    scale_raw = r.get(q_scale(k)) if q_scale(k) in present else None
    published, ok = parse_number(scale_raw)
    if not ok:
        out.problem(row, q_scale(k), scale_raw, "not a number")
    raw_text = r.get(q_text(k))
    text = " ".join(str(raw_text or "").split())
    answered = sum(c for c in counts if c and c > 0)
    if rules.is_placeholder(text) and not answered:
        return None
    # Answers counted under a blank text are real answers: kept, and listed as a finding.
    return Question(k, text, rules.slot_driver(k), counts, published)


def _read_collection(out: Outcome, r: dict, present: set[str], channels: dict[str, str],
                     catalogue: ServiceCatalogue, rules: driver_patterns.DriverRules) -> Collection:
    row = r["_row"]
    service_id, new, error = catalogue.resolve(r)
    if error:
        out.problem(row, SLUG if clean(r.get(SLUG)) else SERVICE_NAME, r.get(SLUG) or r.get(SERVICE_NAME),
                    error)
    channel, error = channel_of(r.get(CHANNEL), channels)
    if error:
        out.problem(row, CHANNEL, r.get(CHANNEL), error)
    volumes: dict[str, int | None] = {}
    for column, source in VOLUMES.items():
        volumes[column] = _read_count(out, row, source, r.get(source) if source in present else None)
    touchpoint = (clean(r.get("attributes_service_provided")) or clean(r.get("attributes_transaction_point"))
                  or "all")
    questions = [q for k in QUESTIONS if q_text(k) in present
                 if (q := _read_question(out, r, k, present, rules)) is not None]
    year = check_year(out, row, YEAR, r.get(YEAR))
    quarter = check_quarter(out, row, QUARTER, r.get(QUARTER))
    return Collection(row, service_id, new, channel, clean(r.get(CHANNEL)) or None, touchpoint, year, quarter,
                      volumes, questions)


def check_collections(con: duckdb.DuckDBPyConnection, kind: object, present: set[str]) -> list[str]:
    """Reshape the collections form into one checked row per real question (see module docstring)."""
    rules = driver_patterns.rules()
    rows = staged_rows(con)
    out = Outcome()
    channels = channel_map(con)
    catalogue = ServiceCatalogue(con, rows)
    collections = [_read_collection(out, r, present, channels, catalogue, rules) for r in rows]
    first: dict[tuple, int] = {}
    bad = out.bad_rows()
    for c in collections:
        if c.row in bad:
            continue
        if c.key in first:
            out.problem(c.row, QUARTER, c.quarter, f"duplicate of row {first[c.key]} (same service, channel, "
                        "touchpoint, fiscal year and quarter)")
        else:
            first[c.key] = c.row
    good = [c for c in collections if c.row not in out.bad_rows()]
    checked: list[tuple] = []
    for c in good:
        place = where(c.fiscal_year, c.quarter, c.channel, c.touchpoint)
        if not c.questions:
            out.warn(c.row, q_text(1), None, f"{place}: no question on this row has a text; nothing stored")
        for q in c.questions:
            n = sum(x or 0 for x in q.counts)
            agree = (q.counts[3] or 0) + (q.counts[4] or 0)
            checked.append((c.row, True, c.service_id, c.channel, c.channel_raw, c.touchpoint, c.fiscal_year,
                            c.quarter, q.number, q.text, q.driver, *q.counts, n, agree, q.published,
                            c.volumes["volume_served"], c.volumes["volume_offered"],
                            c.volumes["volume_responded"]))
            raw = {q_text(q.number): q.text, q_scale(q.number): q.published,
                   VOLUMES["volume_responded"]: c.volumes["volume_responded"]}
            for f in question_findings(place, q.number, q.text, q.driver, q.counts, q.published,
                                       c.volumes["volume_responded"], positional=True, rules=rules):
                out.warn(c.row, f.field, raw.get(f.field), f.message)
    notes = ServiceCatalogue.add(con, [c.new_service for c in good if c.new_service])
    out.publish(con, SURVEY_COLUMNS, checked)
    return notes


SURVEY_KEY = ("service_id", "channel", "touchpoint", "fiscal_year", "quarter")
KIND = Kind(
    name="a11-cx",
    table="survey_results",
    required=V1_REQUIRED,
    optional=V1_OPTIONAL,
    description="A-11 Section 280 quarterly collections form (performance.gov / Touchpoints): one "
                "row per service, channel, touchpoint and quarter, questions q1-q11 side by side.",
    replace_on=SURVEY_KEY,
    unique_key=SURVEY_KEY,
    check=check_collections,
)
