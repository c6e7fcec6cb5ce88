"""A small warehouse with PLANTED values, for tests that prove what a viewer can never see.

`build_planted(db)` loads real files through `ingest.loader.load` and moves the reporting workflow
through `publish.workflow`, so the values below sit in every table they would reach in production
(facts, rollups, rejects, workflow). Two services of two agencies:

* OWN = `dos-ca` (agency `dos-ca`, Passport Services), FY2024 Q1 and Q2 both **published**;
* OTHER = `va-vba` (agency `va-vba`, Benefits Administration Call Centers), FY2024 Q1 **published**,
  FY2024 Q2 **not published** (sent back with a reason, then resubmitted: state `submitted`).

Values that must NEVER appear, as text, in anything the metrics layer (every registered export,
every cached metrics function) or the web (pages, `/api/v1/`, downloads, archives) hands out:

UNPUBLISHED (va-vba FY2024 Q2) - never for `PUBLIC`, never for `agency_manager("dos-ca")`; they do
appear for `agency_manager("va-vba")` and `OMB`:
  * survey answer count total `4173` (trust, phone: counts 11, 23, 37, 1013, 3089; agree `4102`),
    volume served `86421`, offered `24680`;
  * operational metric `abandonment_rate` for 2024-02 reported as `61.37%` (stored `0.6137`), n `4173`;
  * three phone calls on 2024-02-05 that each waited `61.37` minutes (so every wait statistic of that
    day, month and quarter of va-vba phone is `61.37`).

SMALL NUMBERS (dos-ca FY2024 Q1, published) - never for `PUBLIC`, never for
`agency_manager("va-vba")`; they do appear for `agency_manager("dos-ca")` and `OMB`:
  * phone cells: trust n `7` (counts 1, 0, 1, 2, 3: agree 5, share `0.7142857`, mean `3.857142`),
    satisfaction n `7` (counts 0, 1, 2, 2, 2: agree 4, share `0.5714285`, mean `3.714285`);
  * online cells hidden as complements: trust n `13` (counts 1, 1, 2, 4, 5: share `0.6923076`, mean
    `3.846153`), satisfaction n `13` (counts 0, 2, 2, 4, 5: share `0.6923076`, mean `3.923076`);
  * (the in-person cells, n 250, are public; their Q2 phone/online cells are large, so a Q2 change
    from Q1 would give Q1 back: those comparisons must be blank too.)

TEXT - never for `PUBLIC`; the va-vba ones never for `agency_manager("dos-ca")`:
  * workflow reason `PLANTED-REASON-7F3A counts do not add up` and mover name `Planted Mover QX9`
    (every move is made by that name);
  * a rejected row of the va-vba survey file whose count_1 is `PLANTED-REJECT-9931` (kept in `rejects`).

`PLANTED_UNPUBLISHED`, `PLANTED_SMALL` and `PLANTED_TEXT` list regular expressions for them (numbers
anchored so that, say, 4173 does not match 14173 or 0.41739); `find_planted(text)` returns the hits.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from ingest.loader import load
from publish.workflow import Move, move_many
from tests.conftest import write

OWN, OTHER = "dos-ca", "va-vba"
OWN_AGENCY, OTHER_AGENCY = "dos-ca", "va-vba"
REASON = "PLANTED-REASON-7F3A counts do not add up"
MOVER = "Planted Mover QX9"
REJECT = "PLANTED-REJECT-9931"


def _num(text: str) -> str:
    """A number not glued to letters or digits before it; a whole number not glued to digits after it
    either (a decimal may go on: 0.6137 also matches 0.6137000000000001). Letters count as glue so that a
    random token (a CSRF value such as ``…Xk4102q…``) is not taken for a leaked figure."""
    return r"(?<![\w.])" + re.escape(text) + ("" if "." in text else r"(?![\d.]\d|[A-Za-z_])")


PLANTED_UNPUBLISHED = [
    _num("4173"),
    _num("4102"),
    _num("86421"),
    _num("24680"),
    _num("0.6137"),
    _num("61.37"),
]
PLANTED_SMALL = [
    _num("0.7142857"),
    _num("3.857142"),
    _num("0.5714285"),
    _num("3.714285"),
    _num("0.6923076"),
    _num("3.846153"),
    _num("3.923076"),
]
PLANTED_TEXT = [re.escape(REASON[:21]), re.escape(MOVER), re.escape(REJECT)]

SURVEY_HEADER = (
    "service_id,channel,touchpoint,fiscal_year,quarter,question_number,question_text,driver,"
    "count_1,count_2,count_3,count_4,count_5,volume_served,volume_offered,volume_responded\n"
)
SAT = "I am satisfied with the service I received."
TRUST = "This interaction increased my confidence in this agency."


def _survey_rows(
    service: str,
    fy: int,
    q: int,
    cells: dict[tuple[str, str], tuple[int, ...]],
    volumes: tuple[int, int] = (50000, 10000),
) -> str:
    out = []
    for (channel, driver), counts in cells.items():
        number, text = (1, SAT) if driver == "satisfaction" else (2, TRUST)
        out.append(
            f"{service},{channel},{channel} desk,{fy},{q},{number},{text},{driver},"
            + ",".join(map(str, counts))
            + f",{volumes[0]},{volumes[1]},{sum(counts)}"
        )
    return "\n".join(out) + "\n"


def files(folder: Path) -> list[Path]:
    """Write the planted agency files into `folder`; one file per service and kind."""
    big = {
        ("in-person", "trust"): (10, 15, 25, 100, 100),
        ("in-person", "satisfaction"): (5, 10, 35, 100, 100),
    }
    own = _survey_rows(
        OWN,
        2024,
        1,
        {
            ("phone", "trust"): (1, 0, 1, 2, 3),
            ("phone", "satisfaction"): (0, 1, 2, 2, 2),
            ("online", "trust"): (1, 1, 2, 4, 5),
            ("online", "satisfaction"): (0, 2, 2, 4, 5),
            **big,
        },
    )
    own += _survey_rows(
        OWN,
        2024,
        2,
        {
            ("phone", "trust"): (10, 12, 18, 50, 60),
            ("phone", "satisfaction"): (8, 12, 20, 55, 55),
            ("online", "trust"): (9, 11, 20, 60, 50),
            ("online", "satisfaction"): (6, 14, 20, 50, 60),
            **big,
        },
    )
    other = _survey_rows(
        OTHER,
        2024,
        1,
        {("phone", "trust"): (20, 30, 50, 200, 200), ("phone", "satisfaction"): (15, 25, 60, 200, 200)},
    )
    other += _survey_rows(
        OTHER,
        2024,
        2,
        {("phone", "trust"): (11, 23, 37, 1013, 3089), ("phone", "satisfaction"): (12, 22, 40, 1000, 3099)},
        volumes=(86421, 24680),
    )
    other += (
        f"{OTHER},phone,phone desk,2024,2,3,I was treated fairly.,equity,{REJECT},1,1,1,1,86421,24680,5\n"
    )
    own_events = "event_id,service_id,channel,received_at,completed_at,wait_minutes,outcome\n" + "".join(
        f"O{i},{OWN},phone,2023-11-{6 + i % 10:02d} 09:{i % 60:02d}:00,,{1 + i % 4}.0,"
        "resolved_first_contact\n"
        for i in range(40)
    )
    other_events = (
        "event_id,service_id,channel,received_at,completed_at,wait_minutes,outcome\n"
        + "".join(
            f"V{i},{OTHER},phone,2023-11-{6 + i % 10:02d} 10:{i % 60:02d}:00,,{2 + i % 5}.0,completed\n"
            for i in range(40)
        )
        + "".join(f"W{i},{OTHER},phone,2024-02-05 11:{i:02d}:00,,61.37,completed\n" for i in range(3))
    )
    observations = (
        "service_id,channel,period,metric,value,unit,n\n"
        f"{OTHER},phone,2023-11,abandonment_rate,8.5%,percent,500\n"
        f"{OTHER},phone,2024-02,abandonment_rate,61.37%,percent,4173\n"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write(folder / "survey_dos.csv", SURVEY_HEADER + own),
        write(folder / "survey_va.csv", SURVEY_HEADER + other),
        write(folder / "events_dos.csv", own_events),
        write(folder / "events_va.csv", other_events),
        write(folder / "observations_va.csv", observations),
    ]


def moves() -> list[Move]:
    """OWN FY2024 Q1-Q2 and OTHER FY2024 Q1 published; OTHER FY2024 Q2 sent back, then resubmitted."""
    out = []
    for service, fy, q in ((OWN, 2024, 1), (OWN, 2024, 2), (OTHER, 2024, 1)):
        out += [
            Move("submitted", service, fy, q, MOVER, None, datetime(fy, 3 * q - 1, 10)),
            Move("published", service, fy, q, MOVER, None, datetime(fy, 3 * q - 1, 20)),
        ]
    out += [
        Move("submitted", OTHER, 2024, 2, MOVER, None, datetime(2024, 4, 10)),
        Move("change_requested", OTHER, 2024, 2, MOVER, REASON, datetime(2024, 4, 15)),
        Move("submitted", OTHER, 2024, 2, MOVER, "corrected", datetime(2024, 4, 20)),
    ]
    return out


def build_planted(db: Path, archive: bool = False) -> Path:
    """Load the planted files and set the workflow; returns `db`."""
    results = load(files(db.parent / "planted-files"), db=db)
    statuses = {r.file_name: r.status for r in results}
    assert statuses["survey_va.csv"] == "loaded_with_rejects", statuses
    assert all(s == "loaded" for name, s in statuses.items() if name != "survey_va.csv"), statuses
    move_many(db, moves(), archive=archive)
    return db


def find_planted(text: str, patterns: list[str]) -> list[str]:
    """The patterns (and what they matched) found in `text`."""
    hits = []
    for pattern in patterns:
        m = re.search(pattern, text)
        if m:
            hits.append(f"{pattern} -> ...{text[max(0, m.start() - 60) : m.end() + 20]}...")
    return hits
