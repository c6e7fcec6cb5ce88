"""The demo's shared model (publish.demo): monthly volumes, and the wait, duration and outcome of
each transaction, drawn from the service profiles (publish.demo_profiles).

Every draw comes from a numpy generator keyed by (seed, service, purpose), so the same seed gives
the same numbers; the events, the monthly figures and the survey all start from these volumes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from publish.demo_profiles import DAY, FIRST_FY, N_MONTHS, SEASONS, Service

OUTCOMES = ("completed", "resolved_first_contact", "transferred", "abandoned", "pending", "withdrawn",
            "denied")
COMPLETED, RESOLVED, TRANSFERRED, ABANDONED, PENDING, WITHDRAWN, DENIED = range(7)


def generator(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, *keys])


def month_index() -> tuple[np.ndarray, np.ndarray]:
    """Calendar month (1-12) and fiscal year of each of the N_MONTHS months."""
    m = np.arange(N_MONTHS)
    return (9 + m) % 12 + 1, FIRST_FY + m // 12


def _season(svc: Service) -> np.ndarray:
    cal, _ = month_index()
    s = np.array(SEASONS[svc.season])[cal - 1]
    return s / s.mean()


def _override(svc: Service, channel: str, which: int) -> np.ndarray:
    out = np.ones(N_MONTHS)
    for ch, first, last, *mult in svc.overrides:
        if ch in ("*", channel):
            out[first:last + 1] *= mult[which]
    return out


def _multipliers(svc: Service, channel: str) -> tuple[np.ndarray, np.ndarray]:
    """Per month: factor on the median wait and on the median processing time."""
    ch = svc.channels[channel]
    t = np.arange(N_MONTHS) / (N_MONTHS - 1)
    season = _season(svc)
    load = season ** svc.elasticity
    wait = load * np.exp(ch.wait_trend * t) * _override(svc, channel, 1)
    # Short transactions do not queue; weeks-long casework does, and its backlog lags the intake.
    lagged = (season + np.roll(season, 1)) / 2  # the window is whole years, so the roll wraps right
    proc_load = lagged ** svc.elasticity if ch.proc >= DAY else np.ones(N_MONTHS)
    proc = proc_load * np.exp(ch.proc_trend * t) * _override(svc, channel, 2)
    return wait, proc


def monthly_volumes(seed: int, idx: int, svc: Service) -> dict[str, np.ndarray]:
    """Full monthly transactions per channel (what the agency reports)."""
    rng = generator(seed, idx, 1)
    t = np.arange(N_MONTHS) / (N_MONTHS - 1)
    shares = {c: ch.share * np.exp(ch.growth * t) for c, ch in svc.channels.items()}
    total = sum(shares.values())
    base = svc.annual / 12 * _season(svc)
    return {
        c: np.round(base * s / total * _override(svc, c, 0) * rng.lognormal(0, 0.04, N_MONTHS))
        for c, s in shares.items()
    }


@dataclass
class Draws:
    wait: np.ndarray  # minutes, NaN without a queue
    total: np.ndarray  # minutes from received to completed (wait + processing)
    outcome: np.ndarray


def draw(svc: Service, channel: str, month: np.ndarray, rng: np.random.Generator) -> Draws:
    """Waits, durations and outcomes for transactions received in the given months."""
    ch = svc.channels[channel]
    n = len(month)
    wmult, pmult = _multipliers(svc, channel)
    outcome = np.full(n, COMPLETED, dtype=np.int8)
    if ch.wait is not None:
        wait = rng.lognormal(np.log(ch.wait * wmult[month]), ch.wait_sigma)
    else:
        wait = np.full(n, np.nan)
    proc = rng.lognormal(np.log(ch.proc * pmult[month]), ch.proc_sigma)
    u = rng.random(n)
    if channel == "phone":
        patience = rng.exponential(ch.patience, n)
        gave_up = patience < wait
        wait = np.where(gave_up, patience, wait)
        outcome[gave_up] = ABANDONED
        answered = ~gave_up
        outcome[answered & (u < svc.p_fcr)] = RESOLVED
        outcome[answered & (u >= svc.p_fcr) & (u < svc.p_fcr + 0.1)] = TRANSFERRED
    else:
        dropped = u < ch.p_drop
        outcome[dropped] = ABANDONED if channel == "online" else WITHDRAWN
        outcome[(u >= ch.p_drop) & (u < ch.p_drop + ch.p_denied)] = DENIED
        if ch.proc >= DAY:  # casework: a few cases stall
            outcome[(outcome == COMPLETED) & (rng.random(n) < 0.003)] = PENDING
    total = np.nan_to_num(wait) + proc
    total[np.isin(outcome, (ABANDONED, WITHDRAWN, PENDING))] = np.nan
    return Draws(np.round(wait, 1), total, outcome)
