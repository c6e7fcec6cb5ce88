"""A hand-made warehouse for the channel-performance and provenance tests (declarations: the metrics
test fixtures, `tests/fixtures/metrics_declarations`, where dos-ca has a phone standard - calls answered
within 2 minutes, target 90 % - and a mail standard - applications processed within 4 weeks, target 80 %,
minimum n 1; the minimum n of every other standard, and of survey cells, is 5).

Passport Services (dos-ca), three files, each of dos-ca alone (so a dos-ca manager owns every load):

FY2025 Q1 (published by OMB through the workflow):
  * phone: 62 % of 200 calls answered within 2 minutes (reported) -> off track, 28.0 points below;
  * mail: 20 applications, 18 processed in 14 days, 2 in 40 -> 90 % within 4 weeks, on track (+10.0);
  * trust: phone 80 of 100 agree (counts 5, 5, 10, 30, 50), online 60 of 100 (10, 10, 20, 30, 30);
    all channels 140 of 200 = 70 %.
  => worst channel: phone, on its standard.
FY2025 Q2 (recorded from the public record, source `SOURCE`):
  * phone: 95 % of 100 calls within 2 minutes -> on track; mail: no applications (not reported);
  * trust: phone 90 of 100, online 84 of 120 (70 %), in person 1 of 7 (14.3 %); all 175 of 227.
  => every judged standard met: the survey decides. OMB: in person (n 7 >= 5); the public: in person
     is suppressed (n 7 < 10) and phone with it (the next smallest of the channels, complementary), so
     online.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.conftest import write
from tests.metrics_warehouse import DECL, build

__all__ = ["DECL", "SOURCE", "SOURCE_URL", "build_channels"]

SOURCE_URL = "https://example.gov/open-data/cx-fy2025.csv"
SOURCE = f"Example Agency open data portal, {SOURCE_URL}"
FILES = {"observations": "dos_phone_reported.csv", "events": "dos_mail_events.csv",
         "survey": "dos_survey_by_channel.csv"}

OBSERVATIONS = """service_id,channel,period,metric,value,unit,n
dos-ca,phone,FY2025 Q1,calls_answered_within_standard,0.62,share,200
dos-ca,phone,FY2025 Q2,calls_answered_within_standard,0.95,share,100
"""

TRUST = "This interaction increased my confidence in passport services."
SURVEY_HEADER = ("service_id,channel,touchpoint,fiscal_year,quarter,question_number,question_text,driver,"
                 "count_1,count_2,count_3,count_4,count_5")
SURVEY_ROWS = [
    ("phone", 2025, 1, (5, 5, 10, 30, 50)),
    ("online", 2025, 1, (10, 10, 20, 30, 30)),
    ("phone", 2025, 2, (2, 3, 5, 30, 60)),
    ("online", 2025, 2, (10, 10, 16, 40, 44)),
    ("in-person", 2025, 2, (3, 2, 1, 1, 0)),
]


def _events() -> str:
    """dos-ca mail applications received from 7 October 2024: 18 done in 14 days, 2 in 40."""
    rows = ["event_id,service_id,channel,received_at,completed_at,wait_minutes,outcome"]
    day = pd.Timestamp("2024-10-07")
    for i in range(20):
        received = day + pd.Timedelta(days=i)
        done = received + pd.Timedelta(days=14 if i < 18 else 40)
        rows.append(f"M{i:02d},dos-ca,mail,{received:%Y-%m-%d} 09:00:00,{done:%Y-%m-%d} 09:00:00,,completed")
    return "\n".join(rows) + "\n"


def _survey() -> str:
    lines = [SURVEY_HEADER]
    for channel, fy, q, counts in SURVEY_ROWS:
        lines.append(f"dos-ca,{channel},web,{fy},{q},2,{TRUST},trust," + ",".join(map(str, counts)))
    return "\n".join(lines) + "\n"


def build_channels(folder: Path) -> Path:
    """Load the three files, publish FY2025 Q1 through the workflow and FY2025 Q2 from the public record."""
    from publish.workflow import publish_from_public_record, publish_loaded
    from tests.conftest import query

    db = build(folder / "channels.duckdb", [
        write(folder / FILES["observations"], OBSERVATIONS),
        write(folder / FILES["events"], _events()),
        write(folder / FILES["survey"], _survey()),
    ], data_dir=DECL)
    publish_loaded(db, by="OMB test reviewer", fiscal_year=2025, quarter=1, archive=False, data_dir=DECL)
    ids = [row[0] for row in query(db, "SELECT load_id FROM loads ORDER BY load_id")]
    publish_from_public_record(db, ids, SOURCE, by="test", archive=False, data_dir=DECL)
    return db
