"""A-11 Section 280 survey files: the quarterly collections form (v1) and the v2 per-respondent export.

`a11-cx` is performance.gov's flattened collections file: one row per service, channel, touchpoint
and fiscal quarter with up to eleven questions side by side. Each question becomes a
`survey_results` row, so the kind reshapes rows and is checked here in Python (these files hold
hundreds of rows, not millions) rather than in the SQL engine of `ingest.kinds`.

Questions sit in A-11 driver slots by position; the wording of each is checked against the driver
patterns and a misfit is reported (`row_warnings` -> `load_warnings`), never silently reassigned.
The same messages are rebuilt from the stored facts by `metrics.quality`, which is how a finding
finds its file row again.

`a11-cx-v2` is the v2 form (fall 2023 on), one row per respondent; it is counted per service,
channel, touchpoint and quarter into `survey_mentions` (trust thumbs, and each driver's picks).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pyarrow as pa

from ingest import driver_patterns
from ingest.normalise import NUMBER_RE
from ingest.problems import FileRefused, Problem
from ingest.reference import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, normalise_label

QUESTIONS = range(1, 12)
MEAN_TOLERANCE = 0.01
KNOWN_CHANNELS = "online, phone, in-person, mail, email, mixed"
ORG, ORG_ABBR = "attributes_organization_name", "attributes_organization_abbreviation"
PROVIDER, SERVICE_NAME, SLUG = (
    "attributes_service_provider_name", "attributes_service_name", "attributes_service_slug")
YEAR, QUARTER, CHANNEL = "attributes_collection_year", "attributes_collection_quarter", "attributes_channel"
VOLUMES = {  # survey_results column -> collections column
    "volume_served": "attributes_volume_of_customers",
    "volume_offered": "attributes_volume_of_customers_provided_survey_opportunity",
    "volume_responded": "attributes_volume_of_respondents",
}


def q_text(k: int) -> str:
    return f"attributes_q{k}_text"


def q_count(k: int, answer: int) -> str:
    return f"attributes_q{k}_{answer}"


def q_scale(k: int) -> str:
    return f"attributes_q{k}_point_scale"


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


@dataclass(frozen=True)
class Finding:
    """A data-quality finding about one stored question: kept as reported, listed for a look."""

    kind: str  # driver_slot_mismatch | mean_mismatch | counts_vs_respondents | ten_point_wording
    field: str
    message: str


def where(fiscal_year: int, quarter: int, channel: str | None, touchpoint: str) -> str:
    """The collection a message is about, as both ingest and metrics.quality write it."""
    return f"FY{fiscal_year} Q{quarter} {channel or 'no channel'} '{touchpoint}'"


def mean_of(counts: list[int | None]) -> float | None:
    """Mean answer on 1-5 from the five counts; None without answers."""
    n = sum(c or 0 for c in counts)
    return sum((i + 1) * (c or 0) for i, c in enumerate(counts)) / n if n else None


def question_findings(place: str, number: int | None, text: str, driver: str, counts: list[int | None],
                      published: float | None, respondents: int | None, positional: bool,
                      rules: driver_patterns.DriverRules | None = None) -> list[Finding]:
    """Everything worth a look about one question (same text at ingest and in metrics.quality)."""
    rules = rules or driver_patterns.rules()
    k = number
    label = f"question {k}" if k else "the question"
    text_field = q_text(k) if k else "question_text"
    out: list[Finding] = []
    if positional and driver != "other" and not rules.fits(text, driver):
        reads = rules.classify(text)
        how = f"it reads as {reads}" if reads != "other" else "it fits no driver's wording"
        out.append(Finding("driver_slot_mismatch", text_field,
                           f"{place}: {label} is in the {driver} slot but its wording does not read as "
                           f"{driver} ({how}); it is kept as {driver}"))
    if rules.speaks_of_ten_points(text):
        out.append(Finding("ten_point_wording", text_field,
                           f"{place}: {label} speaks of a 1-10 scale but the form counts answers 1-5"))
    n = sum(c or 0 for c in counts)
    mean = mean_of(counts)
    scale_field = q_scale(k) if k else "published_mean"
    if published is not None and mean is None:
        out.append(Finding("mean_mismatch", scale_field,
                           f"{place}: {label}: a point_scale of {published:g} is published but no answers "
                           "are counted"))
    elif published is not None and mean is not None and abs(mean - published) > MEAN_TOLERANCE:
        out.append(Finding("mean_mismatch", scale_field,
                           f"{place}: {label}: the mean of the answer counts is {mean:.3f} but the published "
                           f"point_scale is {published:g} (off by {abs(mean - published):.3f})"))
    if respondents is not None and n != respondents:
        out.append(Finding("counts_vs_respondents", VOLUMES["volume_responded"] if k else "volume_responded",
                           f"{place}: the answers to {label} add up to {n:,}, not to the {respondents:,} "
                           f"respondents reported (difference {n - respondents:+,})"))
    return out


# --------------------------------------------------------------------------- services


def _alnum(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


@dataclass(frozen=True)
class NewService:
    service_id: str
    name: str
    agency_id: str
    department: str
    abbreviation: str
    provider: str


class ServiceCatalogue:
    """Which service a collection is: its slug when given, else a slug of provider and service.

    A slug already in `services` (data/services.csv) is that service. Otherwise the service is
    new and is added on load, under an agency found by department abbreviation and bureau name,
    or under the agency of another service of the same provider in the file, or a new one whose
    id is department abbreviation + provider.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, rows: list[dict[str, str | None]]):
        found = con.execute("SELECT service_id, agency_id FROM services").fetchall()
        self.known = {sid.lower(): sid for sid, _ in found}
        self.agency_of = dict(found)
        self.agencies = con.execute(
            "SELECT agency_id, department, department_abbreviation, bureau FROM agencies").fetchall()
        self.siblings: dict[tuple[str, str], str] = {}
        for r in rows:
            sid = self.candidate(r).lower()
            if sid in self.known:
                self.siblings.setdefault(self._provider_key(r), self.agency_of[self.known[sid]])

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

    def resolve(self, r: dict[str, str | None]) -> tuple[str | None, NewService | None, str | None]:
        """(service_id, the service to add if it is new, error)."""
        sid = self.candidate(r)
        if not sid:
            return None, None, ("cannot tell which service: give attributes_service_slug, or both "
                                "attributes_service_provider_name and attributes_service_name")
        if sid in self.known:
            return self.known[sid], None, None
        department = clean(r.get(ORG))
        if not department:
            return None, None, f"the organization name is required to add the new service {sid!r}"
        provider = clean(r.get(PROVIDER))
        abbreviation = clean(r.get(ORG_ABBR)) or next(
            (a[2] for a in self.agencies if a[1] and a[1].lower() == department.lower() and a[2]),
            slug(department))
        agency_id = next(
            (a[0] for a in self.agencies
             if (a[2] or "").lower() == abbreviation.lower() and _alnum(a[3] or "") == _alnum(provider)),
            None) or self.siblings.get(self._provider_key(r)) or slug(abbreviation, provider)
        name = clean(r.get(SERVICE_NAME)) or clean(r.get("attributes_service_provided")) or sid
        return sid, NewService(sid, name, agency_id, department, abbreviation, provider), None

    @staticmethod
    def add(con: duckdb.DuckDBPyConnection, new: Iterable[NewService]) -> list[str]:
        """Insert the new services (inside the load's transaction) and say so."""
        notes = []
        for s in {n.service_id: n for n in new}.values():
            con.execute("INSERT OR IGNORE INTO agencies VALUES (?, ?, ?, ?, NULL)",
                        [s.agency_id, s.department, s.abbreviation, s.provider or None])
            con.execute("INSERT OR IGNORE INTO services VALUES (?, ?, ?, true, NULL)",
                        [s.service_id, s.agency_id, s.name])
            notes.append(f"new service {s.service_id!r} ({s.name}) added under agency {s.agency_id!r}; "
                         "declare it in data/services.csv to give it a url")
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
    if rules.is_placeholder(text):
        if answered:
            out.problem(row, q_text(k), raw_text, f"{answered:,} answers are counted but the question text "
                        f"{text!r} says there is no question")
        return None
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


# --------------------------------------------------------------------------- a11-cx-v2

V2_DRIVERS = ("effectiveness", "ease", "efficiency", "transparency", "humanity", "employee", "other")
V2_FLAGS = tuple(f"{side}_{d}" for d in V2_DRIVERS for side in ("positive", "negative"))
V2_REQUIRED = ("service_id", "trust", "positive_effectiveness", "negative_effectiveness", "positive_ease",
               "negative_ease")
V2_OPTIONAL = ("channel", "touchpoint", "fiscal_year", "quarter", "submitted_at", "response_id", "comments",
               *(f for f in V2_FLAGS if f not in V2_REQUIRED))
THUMBS = {"thumbs up": True, "up": True, "yes": True, "positive": True, "\U0001f44d": True,
          "thumbs down": False, "down": False, "no": False, "negative": False, "\U0001f44e": False}
FLAGS = {"1": 1, "0": 0, "1.0": 1, "0.0": 0, "true": 1, "false": 0, "yes": 1, "no": 0}
MENTION_COLUMNS = {
    "service_id": "VARCHAR", "channel": "VARCHAR", "channel_raw": "VARCHAR", "touchpoint": "VARCHAR",
    "fiscal_year": "INTEGER", "quarter": "INTEGER", "item": "VARCHAR", "respondents": "BIGINT",
    "answered": "BIGINT", "positive": "BIGINT", "negative": "BIGINT",
}
TIME_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y")


def parse_trust(raw: object) -> tuple[bool | None, str | None, bool]:
    """(positive?, scale, ok): thumbs up/down, or the 1-5 radio variant (4-5 up, 1-2 down, 3 neither).

    0/1 is refused on purpose: on the 1-5 variant a 1 means strongly disagree.
    """
    text = normalise_label(clean(raw))
    if not text:
        return None, None, True
    if text in THUMBS:
        return THUMBS[text], "thumbs", True
    value, _ = parse_int(text)
    if value is not None and 1 <= value <= 5:
        return (True if value >= 4 else False if value <= 2 else None), "five_point", True
    return None, None, False


def fiscal_quarter(raw: object) -> tuple[int, int] | None:
    """The federal fiscal year and quarter of a timestamp (FY starts 1 October)."""
    text = clean(raw)
    stamp = None
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        for fmt in TIME_FORMATS:
            try:
                stamp = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if stamp is None:
        return None
    return stamp.year + (stamp.month >= 10), (stamp.month - 10) % 12 // 3 + 1


def _service_lookup(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    pairs = con.execute("SELECT service_id, name FROM services").fetchall()
    lookup = {name.lower(): sid for sid, name in pairs if name}
    lookup.update({sid.lower(): sid for sid, _ in pairs})
    return lookup


def _v2_period(out: Outcome, r: dict, present: set[str]) -> tuple[int | None, int | None]:
    row = r["_row"]
    if {"fiscal_year", "quarter"} <= present:
        return (check_year(out, row, "fiscal_year", r.get("fiscal_year")),
                check_quarter(out, row, "quarter", r.get("quarter")))
    found = fiscal_quarter(r.get("submitted_at"))
    if found is None:
        out.problem(row, "submitted_at", r.get("submitted_at"),
                    "not a date and time; write it as 2024-03-15 14:30" if clean(r.get("submitted_at"))
                    else "a response date is required")
        return None, None
    if not FIRST_FISCAL_YEAR <= found[0] <= LAST_FISCAL_YEAR:
        out.problem(row, "submitted_at", r.get("submitted_at"), "the date is outside fiscal years "
                    f"{FIRST_FISCAL_YEAR}-{LAST_FISCAL_YEAR}")
        return None, None
    return found


def check_v2(con: duckdb.DuckDBPyConnection, kind: object, present: set[str]) -> list[str]:
    """Check respondent rows, then count them per service, channel, touchpoint and quarter."""
    if not ({"fiscal_year", "quarter"} <= present or "submitted_at" in present):
        raise FileRefused("", [Problem("the file has no period: add fiscal_year and quarter columns, or a "
                                       "submitted_at date per response", row_number=0)])
    rows = staged_rows(con)
    out = Outcome()
    channels = channel_map(con)
    services = _service_lookup(con)
    flags = [f for f in V2_FLAGS if f in present]
    scales: set[str] = set()
    seen_ids: dict[str, int] = {}
    groups: dict[tuple, dict] = {}
    for r in rows:
        row = r["_row"]
        before = len(out.problems)
        raw_service = clean(r.get("service_id"))
        service_id = services.get(raw_service.lower())
        if not service_id:
            out.problem(row, "service_id", r.get("service_id"),
                        f"unknown service {raw_service}" if raw_service else "a service is required")
        channel, error = channel_of(r.get("channel"), channels)
        if error:
            out.problem(row, "channel", r.get("channel"), error)
        fiscal_year, quarter = _v2_period(out, r, present)
        up, scale, ok = parse_trust(r.get("trust"))
        if not ok:
            out.problem(row, "trust", r.get("trust"), "trust must be thumbs up or thumbs down (or 1-5)")
        values = {}
        for f in flags:
            text = clean(r.get(f)).lower()
            values[f] = FLAGS.get(text) if text else None
            if text and text not in FLAGS:
                out.problem(row, f, r.get(f), "use 1 (picked), 0 (not picked) or leave blank (not offered)")
        response_id = clean(r.get("response_id"))
        if response_id and response_id in seen_ids:
            out.problem(row, "response_id", response_id, f"duplicate of row {seen_ids[response_id]} "
                        "(same response_id)")
        if response_id:
            seen_ids.setdefault(response_id, row)
        if len(out.problems) > before:
            continue
        if scale:
            scales.add(scale)
        elif "trust" in present:
            out.warn(row, "trust", r.get("trust"), "the trust question (required on the form) is blank")
        key = (service_id, channel, clean(r.get("touchpoint")) or "all", fiscal_year, quarter)
        g = groups.setdefault(key, {"row": row, "raw": set(), "n": 0, "items": {}})
        g["n"] += 1
        if clean(r.get("channel")):
            g["raw"].add(clean(r.get("channel")))
        _count(g["items"], "trust", scale is not None, up is True, up is False)
        for d in V2_DRIVERS:
            if f"positive_{d}" in flags or f"negative_{d}" in flags:
                pos, neg = values.get(f"positive_{d}"), values.get(f"negative_{d}")
                _count(g["items"], d, pos is not None or neg is not None, pos == 1, neg == 1)
    checked = [
        (g["row"], True, *key[:2], ", ".join(sorted(g["raw"])) or None, *key[2:], item, g["n"], *c)
        for key, g in groups.items() for item, c in g["items"].items()
    ]
    out.publish(con, MENTION_COLUMNS, checked)
    if len(scales) > 1:
        return ["trust is answered both as thumbs up/down and on the 1-5 variant; the trust share mixes both"]
    return []


def _count(items: dict[str, list[int]], item: str, answered: bool, positive: bool, negative: bool) -> None:
    c = items.setdefault(item, [0, 0, 0])
    c[0] += answered
    c[1] += answered and positive
    c[2] += answered and negative


# --------------------------------------------------------------------------- registration


def register_kinds(kinds: dict) -> None:
    """Add the A-11 kinds (and the GPRA APR kind of the same issue) to `ingest.kinds.KINDS`.

    Imported lazily, at the bottom of ingest/kinds.py, so that either module can be imported first.
    """
    from ingest import gpra
    from ingest.kinds import Kind

    survey_key = ("service_id", "channel", "touchpoint", "fiscal_year", "quarter")
    for kind in (
        Kind(
            name="a11-cx",
            table="survey_results",
            required=V1_REQUIRED,
            optional=V1_OPTIONAL,
            description="A-11 Section 280 quarterly collections form (performance.gov / Touchpoints): one "
                        "row per service, channel, touchpoint and quarter, questions q1-q11 side by side.",
            replace_on=survey_key,
            unique_key=survey_key,
            check=check_collections,
        ),
        Kind(
            name="a11-cx-v2",
            table="survey_mentions",
            required=V2_REQUIRED,
            optional=V2_OPTIONAL,
            aliases={"service": "service_id", "service_slug": "service_id", "year": "fiscal_year",
                     "created_at": "submitted_at", "answer_01": "trust"},
            description="A-11 v2 survey (fall 2023 on), one row per respondent: trust thumbs up/down and "
                        "positive_/negative_ driver picks; counted per service, channel and quarter.",
            replace_on=survey_key,
            check=check_v2,
        ),
        gpra.make_kind(),
    ):
        kinds[kind.name] = kind
