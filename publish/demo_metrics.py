"""The demo's metric-observations file (publish.demo): monthly figures at full volume, written the way
agencies write them.

Transactions, backlog by Little's law, abandonment, first-contact resolution, calls answered within
the standard, completion rate, digital take-up and cost per transaction; values with thousands
separators, percentages, dollar signs and assorted unit words from data/units.yaml, one of four
styles per service.
"""

from __future__ import annotations

import numpy as np

from publish.demo_model import ABANDONED, RESOLVED, draw, generator, month_index, monthly_volumes
from publish.demo_profiles import DAY, N_MONTHS, Service

MC = 1000  # draws per month behind each monthly figure
COST_BASE = {"online": 2.5, "phone": 14.0, "in-person": 42.0, "mail": 28.0}


def _fmt_count(v: float, style: int) -> tuple[str, str]:
    v = int(round(v))
    return [(str(v), "count"), (f"{v:,}", "transactions"), (f"{v:,}", "#"), (str(v), "number")][style]


def _fmt_share(v: float, style: int) -> tuple[str, str]:
    # A "%" in the value is left without a unit word: ingest lets the unit column win over it.
    return [(f"{v:.4f}", "share"), (f"{100 * v:.1f}", "percent"), (f"{100 * v:.1f}%", ""),
            (f"{100 * v:.1f}", "pct")][style]


def _fmt_usd(v: float, style: int) -> tuple[str, str]:
    return [(f"{v:.2f}", "usd"), (f"${v:,.2f}", ""), (f"{v:.2f}", "dollars"), (f"${v:,.2f}", "$")][style]


def observation_rows(seed: int, idx: int, service_id: str, svc: Service, labels: dict[str, str]
                     ) -> list[list[str]]:
    """One service's monthly figures as metric-observations rows, from 1000 draws a month per channel."""
    volumes = monthly_volumes(seed, idx, svc)
    rng = generator(seed, idx, 2)
    style = idx % 4
    cal, fys = month_index()
    periods = [f"{fy - (1 if c >= 10 else 0)}-{c:02d}" for c, fy in zip(cal, fys, strict=True)]
    rows: list[list[str]] = []

    def add(m: int, metric: str, channel: str | None, text: tuple[str, str], n: float | None = None) -> None:
        rows.append([service_id, labels[channel] if channel else "", periods[m], metric, text[0], text[1],
                     "" if n is None else str(int(n))])

    stats: dict[str, dict[str, np.ndarray]] = {}
    for c_idx, channel in enumerate(svc.channels):
        month = np.repeat(np.arange(N_MONTHS), MC)
        d = draw(svc, channel, month, generator(seed, idx, 30 + c_idx))
        per = {k: np.bincount(month, weights=(d.outcome == k), minlength=N_MONTHS) / MC for k in range(7)}
        answered = 1 - per[ABANDONED]
        ch = svc.channels[channel]
        within = np.bincount(month, weights=(d.outcome != ABANDONED) & (d.wait <= ch.answer_std),
                             minlength=N_MONTHS) / MC
        mean_days = np.bincount(month, weights=np.nan_to_num(d.total), minlength=N_MONTHS) / np.maximum(
            np.bincount(month, weights=~np.isnan(d.total), minlength=N_MONTHS), 1) / DAY
        stats[channel] = {"per_abandoned": per[ABANDONED], "fcr": per[RESOLVED] / answered,
                          "within": within / answered, "mean_days": mean_days}
    total = sum(volumes.values())
    inflation = 1.03 ** (np.arange(N_MONTHS) / 12)
    cost_factor = {c: svc.cost * rng.lognormal(0, 0.25) for c in svc.channels}
    for m in range(N_MONTHS):
        if total[m] <= 0:
            continue
        backlog = 0.0
        for channel, ch in svc.channels.items():
            v = volumes[channel][m]
            if v <= 0:
                continue
            s = stats[channel]
            add(m, "transactions", channel, _fmt_count(v, style))
            scale = (v / volumes[channel].mean()) ** -0.15  # fixed costs spread over more transactions
            cost = COST_BASE[channel] * cost_factor[channel] * inflation[m] * scale
            add(m, "cost_per_transaction", channel, _fmt_usd(cost * rng.lognormal(0, 0.03), style))
            if channel == "phone":
                add(m, "abandonment_rate", channel, _fmt_share(s["per_abandoned"][m], style), v)
                add(m, "first_contact_resolution", channel, _fmt_share(s["fcr"][m], style),
                    v * (1 - s["per_abandoned"][m]))
                add(m, "calls_answered_within_standard", channel, _fmt_share(s["within"][m], style),
                    v * (1 - s["per_abandoned"][m]))
            if channel == "online":
                add(m, "completion_rate", channel, _fmt_share(1 - s["per_abandoned"][m], style), v)
            if ch.proc >= DAY:  # Little's law: arrivals per day x days in process
                backlog += v / 30.4 * s["mean_days"][m]
        if backlog > 0:
            add(m, "backlog", None, _fmt_count(backlog * rng.lognormal(0, 0.03), style))
        if "online" in svc.channels and len(svc.channels) > 1:
            add(m, "digital_take_up", None, _fmt_share(volumes["online"][m] / total[m], style))
    return rows
