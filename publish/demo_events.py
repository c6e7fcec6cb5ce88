"""The demo's service-events files (publish.demo): a sample of individual transactions, about
`events_per_service_month` per service and month, one file per fiscal year.

Transactions arrive on the service's open days (working days unless it opens at weekends; federal
holidays closed) in its opening hours; callers hang up when their patience runs out before the wait
ends; requests that would finish after 30 Sep 2025 are `pending`.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from publish.demo_model import OUTCOMES, PENDING, draw, generator, monthly_volumes
from publish.demo_profiles import DATA_END, DATA_START, DAY, N_MONTHS, Service


def _holidays() -> np.ndarray:
    """Federal holidays in the window (days since 1970-01-01), not shifted for weekends."""
    days: list[date] = []
    for year in range(2022, 2026):
        def nth(month: int, weekday: int, n: int, year: int = year) -> date:
            first = date(year, month, 1)
            d = first + timedelta(days=(weekday - first.weekday()) % 7)
            return d + timedelta(weeks=n - 1)

        last_may = date(year, 5, 31) - timedelta(days=(date(year, 5, 31).weekday()) % 7)
        days += [date(year, 1, 1), nth(1, 0, 3), nth(2, 0, 3), last_may, date(year, 6, 19), date(year, 7, 4),
                 nth(9, 0, 1), nth(10, 0, 2), date(year, 11, 11), nth(11, 3, 4), date(year, 12, 25)]
    return np.array([(d - date(1970, 1, 1)).days for d in days])


def day_tables() -> dict[bool, tuple[np.ndarray, np.ndarray]]:
    """For each month, the day numbers (since epoch) open for service: all days, or working days."""
    months = DATA_START.astype("datetime64[M]") + np.arange(N_MONTHS + 1)
    starts = months.astype("datetime64[D]").astype(np.int64)
    holidays = _holidays()
    out = {}
    for weekends in (True, False):
        table = np.zeros((N_MONTHS, 31), dtype=np.int64)
        counts = np.zeros(N_MONTHS, dtype=np.int64)
        for m in range(N_MONTHS):
            d = np.arange(starts[m], starts[m + 1])
            if not weekends:
                d = d[((d + 3) % 7 < 5) & ~np.isin(d, holidays)]
            table[m, : len(d)] = d
            counts[m] = len(d)
        out[weekends] = (table, counts)
    return out


def events_table(seed: int, idx: int, service_id: str, svc: Service, per_month: float, labels: dict[str, str],
            days: dict[bool, tuple[np.ndarray, np.ndarray]]) -> pa.Table:
    """A sample of one service's transactions, about `per_month` a month, as an Arrow table."""
    volumes = monthly_volumes(seed, idx, svc)
    scale = per_month / sum(volumes.values()).mean()
    end = DATA_END.astype(np.int64)
    tables = []
    for c_idx, (channel, ch) in enumerate(svc.channels.items()):
        rng = generator(seed, idx, 10 + c_idx)
        month = np.repeat(np.arange(N_MONTHS), rng.poisson(volumes[channel] * scale))
        n = len(month)
        d = draw(svc, channel, month, rng)
        table, counts = days[ch.weekends]
        day = table[month, (rng.random(n) * counts[month]).astype(np.int64)]
        lo, peak, hi = ch.hours
        received = day * 86400 + rng.triangular(lo * 3600, peak * 3600, hi * 3600 - 1, n).astype(np.int64)
        done = received + np.round(np.nan_to_num(d.total) * 60).astype(np.int64)
        if ch.proc >= DAY:  # casework finishes in office hours on a working day
            done_day = done // 86400
            done_day += np.select([(done_day + 3) % 7 == 5, (done_day + 3) % 7 == 6], [2, 1], 0)
            done = np.maximum(done_day * 86400 + rng.integers(8 * 3600, 17 * 3600, n), received + 60)
        outcome = d.outcome.copy()
        has_done = ~np.isnan(d.total)
        outcome[has_done & (done >= end)] = PENDING  # still open when the data were extracted
        has_done &= done < end
        offices = ch.offices or ("",)
        weights = 1.0 / np.arange(1, len(offices) + 1)
        office = rng.choice(len(offices), size=n, p=weights / weights.sum())
        tables.append(pa.table({
            "service_id": pa.array([service_id] * n, pa.string()),
            "channel": pa.array([labels[channel]] * n, pa.string()),
            "office": pa.array(np.array(offices, dtype=object)[office], pa.string()),
            "received": pa.array(received, pa.int64()),
            "completed": pa.array(done, pa.int64(), mask=~has_done),
            "wait_minutes": pa.array(d.wait, pa.float64(), from_pandas=True),
            "outcome": pa.array(np.array(OUTCOMES, dtype=object)[outcome], pa.string()),
        }))
    return pa.concat_tables(tables)


def _timestamps(seconds: pa.ChunkedArray) -> pa.ChunkedArray:
    """Seconds since 1970 as agencies' systems export them: 2024-03-15 14:30:05."""
    return pc.cast(pc.cast(seconds, pa.timestamp("s")), pa.string())


def write_events(table: pa.Table, path: Path, fy: int) -> None:
    """Write one fiscal year's events, in order received, with per-service event ids."""
    table = table.take(pc.sort_indices(table, [("received", "ascending"), ("service_id", "ascending"),
                                               ("channel", "ascending"), ("office", "ascending")]))
    service = pc.dictionary_encode(table["service_id"]).combine_chunks()
    codes = service.indices.to_numpy(zero_copy_only=False)
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], codes[order])
    seq = np.empty(len(codes), dtype=np.int64)
    seq[order] = np.arange(len(codes)) - starts + 1
    prefix = pc.replace_substring(pc.utf8_upper(table["service_id"]), "-", "")
    event_id = pc.binary_join_element_wise(
        prefix, pc.utf8_lpad(pc.cast(pa.array(seq), pa.string()), 7, "0"), f"-{fy}-")
    out = pa.table({
        "service_id": table["service_id"],
        "channel": table["channel"],
        "office": table["office"],
        "received_at": _timestamps(table["received"]),
        "completed_at": _timestamps(table["completed"]),
        "wait_minutes": table["wait_minutes"],
        "outcome": table["outcome"],
        "event_id": event_id,
    })
    pacsv.write_csv(out, path, pacsv.WriteOptions(quoting_style="none", quoting_header="none"))
