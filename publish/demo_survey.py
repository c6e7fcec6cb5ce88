"""The demo's survey-results file (publish.demo): the A-11 Section 280 quarterly form.

Seven drivers per service x channel x quarter, answer counts drawn from a logit model of the
top-2-box share (service level, channel and driver offsets - trust lowest -, drift, a few deliberate
shocks so that significant movers exist, and two cells with fewer than ten respondents).
"""

from __future__ import annotations

import numpy as np

from core import vocab
from publish.demo_model import generator, monthly_volumes
from publish.demo_profiles import FIRST_FY, N_MONTHS, Service

SURVEY_LABELS = {"online": "computer", "phone": "automated_phone", "in-person": "in_person",
                 "mail": "postal_mail"}
TOUCHPOINTS = {
    "online": "Survey offered on completion of the online transaction",
    "phone": "Post-call survey (IVR)",
    "in-person": "Survey offered at the end of the visit (QR code and email)",
    "mail": "Email survey after the decision letter",
}

DRIVERS = tuple(d for d in vocab.DRIVERS if d != vocab.OTHER_DRIVER)
QUESTIONS = {
    "satisfaction": "I am satisfied with the service I received from {name}.",
    "trust": "This interaction increased my confidence in {name}.",
    "effectiveness": "My need was addressed.",
    "ease": "It was easy to complete what I needed to do.",
    "efficiency": "It took a reasonable amount of time to do what I needed to do.",
    "equity": "I was treated fairly.",
    "employee": "Employees I interacted with were helpful.",
}
DRIVER_OFFSET = {"satisfaction": 0.05, "trust": -0.35, "effectiveness": 0.0, "ease": -0.05,
                 "efficiency": -0.2, "equity": 0.25, "employee": 0.3}
CHANNEL_OFFSET = {"online": 0.0, "phone": -0.1, "in-person": 0.15, "mail": -0.15}
# Cells with very few respondents, so small-number handling has something to do.
SMALL_CELLS = {("dol-osha", "mail", 2024, 1): 7, ("dol-deeoic", "in-person", 2025, 2): 4}


def _shock(service_id: str, channel: str, fy: int, q: int, driver: str) -> float:
    """Deliberate episodes (logit shifts) so that significant quarter-on-quarter movers exist."""
    trust = driver == "trust"
    if service_id == "ed-fsa" and channel == "online" and fy == 2024 and q in (2, 3):
        return (-1.1 if trust else -0.5) if q == 2 else (-0.5 if trust else -0.25)  # FAFSA relaunch
    if service_id == "dos-ca" and channel == "mail" and (fy, q) == (2023, 3):
        return -0.7 if trust else -0.3  # passport surge
    if service_id == "treas-irs" and channel == "phone" and (fy, q) >= (2024, 3):
        return 0.6 if trust else 0.2  # a lasting step up after the service improvements
    return 0.0


def answer_rows(seed: int, idx: int, service_id: str, svc: Service, name: str) -> list[list[str]]:
    """One service's A-11 form rows: seven drivers per channel and quarter with enough served."""
    volumes = monthly_volumes(seed, idx, svc)
    rows: list[list[str]] = []
    name = svc.survey_name or name
    base = np.log(svc.agree / (1 - svc.agree))
    for c_idx, channel in enumerate(svc.channels):
        rng = generator(seed, idx, 50 + c_idx)
        cell = rng.normal(0, 0.15)
        rr = rng.uniform(0.02, 0.18)  # response rate
        reach = rng.uniform(0.6, 2.4)  # respondents ~ reach * served ** 0.62: dozens to tens of thousands
        for q_idx in range(N_MONTHS // 3):
            fy, q = FIRST_FY + q_idx // 4, q_idx % 4 + 1
            served = int(volumes[channel][3 * q_idx: 3 * q_idx + 3].sum())
            if served < 200:
                continue
            wanted = reach * served ** 0.62 * rng.lognormal(0, 0.1)
            target = max(40.0, wanted / (1 + wanted / 60000))  # large programmes cap their samples
            quarter_rr = float(np.clip(rr * rng.lognormal(0, 0.1), 0.01, 0.2))
            offered = min(served, max(1, round(target / quarter_rr)))
            responded = max(1, min(round(target), int(offered * 0.2)))
            if (service_id, channel, fy, q) in SMALL_CELLS:
                responded = SMALL_CELLS[service_id, channel, fy, q]
                offered = responded * 9
            quarter = rng.normal(0, 0.025)
            t = q_idx / (N_MONTHS // 3 - 1)
            style = (idx + q_idx) % 3
            volumes_text = [f"{v:,}" if style == 1 else str(v) for v in (served, offered, responded)]
            for q_no, driver in enumerate(DRIVERS, start=1):
                logit = (base + CHANNEL_OFFSET[channel] + DRIVER_OFFSET[driver] + svc.agree_trend * t + cell
                         + quarter + rng.normal(0, 0.015) + _shock(service_id, channel, fy, q, driver))
                agree = 1 / (1 + np.exp(-logit))
                top = float(np.clip(0.45 + 0.6 * (agree - 0.6), 0.4, 0.85))
                probs = np.array([0.33 * (1 - agree), 0.22 * (1 - agree), 0.45 * (1 - agree),
                                  agree * (1 - top), agree * top])
                if q_no == 1 or responded < 30:
                    n = responded
                else:
                    rate = 0.3 if driver == "employee" and channel == "online" else rng.uniform(0.88, 1.0)
                    n = max(1, int(rng.binomial(responded, rate)))
                counts = rng.multinomial(n, probs / probs.sum())
                mean = float((counts * np.arange(1, 6)).sum() / n)
                text = QUESTIONS[driver]
                if driver == "trust" and svc.trust_text:
                    text = svc.trust_text
                elif driver == "effectiveness" and channel == "online":
                    text = "I found what I was looking for."
                rows.append([service_id, SURVEY_LABELS[channel], TOUCHPOINTS[channel], str(fy), str(q),
                             str(q_no), text.format(name=name), driver, *map(str, counts), f"{mean:.2f}",
                             *volumes_text])
    return rows
