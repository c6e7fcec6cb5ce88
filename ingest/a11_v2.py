"""A-11 v2 survey export (fall 2023 on): one row per respondent, counted per service, channel,
touchpoint and quarter into `survey_mentions` (trust thumbs up/down, and each driver's picks).
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from core.fiscal import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, fiscal_quarter_of
from core.vocab import normalise_label
from ingest.a11 import (
    SURVEY_KEY,
    Outcome,
    channel_map,
    channel_of,
    check_quarter,
    check_year,
    clean,
    parse_int,
    staged_rows,
)
from ingest.kind_base import Kind
from ingest.problems import FileRefused, Problem
from ingest.service_names import ServiceNames

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
    return fiscal_quarter_of(stamp)


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
    services = ServiceNames(con)
    flags = [f for f in V2_FLAGS if f in present]
    scales: set[str] = set()
    seen_ids: dict[str, int] = {}
    groups: dict[tuple, dict] = {}
    for r in rows:
        row = r["_row"]
        before = len(out.problems)
        raw_service = clean(r.get("service_id"))
        service_id = services.service(raw_service)
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


KIND = Kind(
        name="a11-cx-v2",
        table="survey_mentions",
        required=V2_REQUIRED,
        optional=V2_OPTIONAL,
        aliases={"service": "service_id", "service_slug": "service_id", "year": "fiscal_year",
                 "created_at": "submitted_at", "answer_01": "trust"},
        description="A-11 v2 survey (fall 2023 on), one row per respondent: trust thumbs up/down and "
                    "positive_/negative_ driver picks; counted per service, channel and quarter.",
        replace_on=SURVEY_KEY,
        check=check_v2,
    )
