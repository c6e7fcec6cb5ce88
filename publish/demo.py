"""Synthetic demonstration data: agency-style files for the 25 HISP services, FY2023-FY2025.

The model, briefly. Each service (data/services.csv) has a profile below: the channels it uses
and, per channel, its share of transactions, how long customers wait (phone and in-person queues,
lognormal) and how long the request takes to complete (lognormal: minutes for a call or an online
session, weeks for a passport, months for a trademark). Monthly volumes follow a seasonal pattern
(filing season, open enrollment, spring travel, summer parks) and a slow digital shift; waits and
processing times rise with the seasonal load (an elasticity) and drift by a per-service trend, so a
few services get worse (VBA and USCIS call centers) or better (IRS phone, passport processing) and
standards are sometimes missed. A few historical episodes are written in as overrides: the FY2023
spring passport surge, the FAFSA relaunch of FY2024, the autumn 2024 hurricanes.

From that one model three kinds of file are written, in the formats of `ingest.kinds`:

* service-events, one file per fiscal year: a sample of individual transactions
  (`events_per_service_month` per service and month on average). Callers hang up when their
  patience (exponential) runs out before the wait ends; requests that would finish after
  30 Sep 2025 are `pending`.
* metric-observations, one file: monthly figures at full volume (transactions, backlog by Little's
  law, abandonment, first-contact resolution, calls answered within the standard, completion rate,
  digital take-up, cost per transaction), written the way agencies write them (thousands
  separators, percentages, dollar signs, assorted unit words from data/units.yaml).
* survey-results, one file: the A-11 Section 280 quarterly form, seven drivers per service x
  channel x quarter, answer counts drawn from a logit model of the top-2-box share (service level,
  channel and driver offsets - trust lowest -, drift, a few deliberate shocks so significant movers
  exist, and two cells with fewer than ten respondents).

Everything is drawn from numpy generators keyed by (seed, service, channel, purpose), so the same
seed writes the same bytes. Nothing is dated after FY2025, which ended before this was written.
"""

from __future__ import annotations

import csv
import fcntl
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from core import vocab
from core.fiscal import quarter_bounds
from core.paths import DATA_DIR
from ingest import events_dataset
from ingest.loader import LoadResult, load
from publish.workflow import Move, move_many

FIRST_FY = 2023
N_FY = 3
N_MONTHS = 12 * N_FY
DATA_START = np.datetime64("2022-10-01", "s")  # FY2023 starts
DATA_END = np.datetime64("2025-10-01", "s")  # exclusive: FY2025 ended 30 Sep 2025
DAY = 1440.0  # minutes
OUTCOMES = ("completed", "resolved_first_contact", "transferred", "abandoned", "pending", "withdrawn",
            "denied")
COMPLETED, RESOLVED, TRANSFERRED, ABANDONED, PENDING, WITHDRAWN, DENIED = range(7)

# Seasonal volume by calendar month (January first); normalised to mean 1 over the window.
SEASONS = {
    "flat": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    "tax": [1.3, 2.0, 1.8, 1.9, 0.9, 0.8, 0.7, 0.7, 0.6, 0.8, 0.6, 0.5],
    "travel": [1.1, 1.25, 1.4, 1.4, 1.3, 1.1, 0.9, 0.8, 0.7, 0.7, 0.7, 0.7],
    "air": [0.85, 0.85, 1.0, 1.0, 1.05, 1.15, 1.2, 1.1, 0.95, 1.0, 1.0, 1.05],
    "enrollment": [1.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.7, 2.2, 2.5],
    "medicare": [1.2, 0.9, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.9, 1.5, 1.4, 1.3],
    "fafsa": [1.3, 1.3, 1.2, 0.9, 0.8, 0.7, 0.7, 0.8, 0.7, 1.6, 1.3, 1.2],
    "summer": [0.6, 0.6, 0.8, 0.9, 1.2, 1.6, 1.7, 1.5, 1.1, 0.9, 0.7, 0.7],
    "disaster": [0.7, 0.7, 0.8, 0.8, 0.9, 0.9, 1.0, 1.3, 1.8, 1.6, 1.0, 0.8],
    "farm": [0.9, 1.0, 1.3, 1.3, 1.2, 1.0, 0.9, 0.8, 0.9, 1.1, 1.0, 0.8],
    "yearend": [2.0, 1.5, 1.2, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.9],
    "academic": [1.1, 1.0, 1.0, 0.9, 0.9, 0.9, 0.9, 1.2, 1.3, 1.0, 0.9, 0.8],
}


@dataclass(frozen=True)
class Channel:
    """How one service works in one channel. Times in minutes."""

    share: float  # share of the service's transactions at the start (before growth)
    proc: float  # median time from start of service to completion
    proc_sigma: float = 0.6
    wait: float | None = None  # median queue / hold time; None for no queue
    wait_sigma: float = 0.9
    patience: float = 60.0  # phone: mean minutes a caller holds before hanging up
    p_drop: float = 0.0  # online: sessions abandoned; in-person and mail: withdrawn
    p_denied: float = 0.0
    growth: float = 0.0  # log change of the share over the three years (digital shift)
    wait_trend: float = 0.0  # log change of waits over the three years
    proc_trend: float = 0.0
    answer_std: float = 5.0  # phone: answered within this many minutes meets the standard
    weekends: bool = False
    hours: tuple[float, float, float] = (8.0, 10.5, 17.0)  # triangular: open, peak, close
    offices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Service:
    annual: float  # transactions a year, all channels (full volume, not the sample)
    season: str
    channels: dict[str, Channel]
    agree: float = 0.84  # typical top-2-box share of the satisfaction question
    agree_trend: float = 0.0  # logit change over the three years
    elasticity: float = 0.8  # waits and processing rise with seasonal load ** elasticity
    p_fcr: float = 0.72  # phone: answered calls resolved at first contact
    cost: float = 1.0  # cost-per-transaction factor
    survey_name: str | None = None
    trust_text: str | None = None
    overrides: list[tuple[str, int, int, float, float, float]] = field(default_factory=list)


ONLINE_HOURS = (0.0, 14.0, 24.0)


def _phone(share: float, wait: float, handle: float = 9.0, patience: float = 70.0, **kw: Any) -> Channel:
    kw.setdefault("offices", ("Contact center",))
    return Channel(share=share, proc=handle, proc_sigma=0.5, wait=wait, wait_sigma=kw.pop("wait_sigma", 1.0),
                   patience=patience, **kw)


def _visit(share: float, wait: float, proc: float = 20.0, **kw: Any) -> Channel:
    return Channel(share=share, proc=proc, proc_sigma=kw.pop("proc_sigma", 0.5), wait=wait,
                   wait_sigma=kw.pop("wait_sigma", 0.45), p_drop=kw.pop("p_drop", 0.02), **kw)


def _online(share: float, proc: float, **kw: Any) -> Channel:
    kw.setdefault("hours", ONLINE_HOURS)
    kw.setdefault("weekends", True)
    kw.setdefault("offices", ("Online",))
    kw.setdefault("p_drop", 0.04)  # sessions and forms started but not finished
    return Channel(share=share, proc=proc, **kw)


def _mail(share: float, proc: float, **kw: Any) -> Channel:
    kw.setdefault("offices", ("Mail processing center",))
    return Channel(share=share, proc=proc, proc_sigma=kw.pop("proc_sigma", 0.45), hours=(8.0, 10.0, 16.0),
                   p_drop=kw.pop("p_drop", 0.01), **kw)


# Overrides: (channel or "*", first month index, last month index, volume x, wait x, processing x).
# Month index 0 = October 2022, 12 = October 2023, 24 = October 2024.
PROFILES: dict[str, Service] = {
    "usda-fsa": Service(3.0e6, "farm", {
        "online": _online(0.35, 40, proc_sigma=1.2, p_drop=0.05, growth=0.5),
        "phone": _phone(0.25, 4, patience=90),
        "in-person": _visit(0.40, 12, 25, offices=(
            "Ames County Office", "Fresno County Office", "Lubbock County Office",
            "Lancaster County Office")),
    }, agree=0.87, cost=1.1),
    "usda-nrcs": Service(6.0e5, "farm", {
        "in-person": _visit(0.55, 15, 45 * DAY, proc_sigma=0.6, p_denied=0.15, offices=(
            "Salina Field Office", "Jackson Field Office", "Modesto Field Office")),
        "online": _online(0.25, 30 * DAY, proc_sigma=0.7, p_denied=0.12, growth=0.6, hours=(6, 13, 22)),
        "phone": _phone(0.20, 3, 10, 100),
    }, agree=0.85, survey_name="NRCS", cost=1.4),
    "doc-patents": Service(1.2e6, "flat", {
        "online": _online(0.80, 14 * DAY, proc_sigma=0.6, proc_trend=0.2, offices=("Patent Center",)),
        "phone": _phone(0.15, 3, 12, 80, offices=("Inventors Assistance Center",)),
        "mail": _mail(0.05, 30 * DAY, growth=-0.8, offices=("Office of Patent Application Processing",)),
    }, agree=0.81, survey_name="the USPTO patents organization", cost=2.0),
    "doc-trademarks": Service(9.0e5, "flat", {
        "online": _online(0.90, 150 * DAY, proc_sigma=0.35, proc_trend=-0.3, p_denied=0.08,
                          offices=("Trademark Center",)),
        "phone": _phone(0.10, 2, 8, 80, offices=("Trademark Assistance Center",)),
    }, agree=0.80, survey_name="the USPTO trademarks organization", cost=2.0),
    "ed-fsa": Service(1.8e7, "fafsa", {
        "online": _online(0.92, 1.5 * DAY, proc_sigma=0.7, p_drop=0.08,
                          offices=("FAFSA.gov", "myStudentAid app")),
        "phone": _phone(0.08, 6, 10, 90, offices=("FSA Information Center",)),
    }, agree=0.84, survey_name="FAFSA.gov",
        trust_text="This interaction increased my confidence in Federal Student Aid.", overrides=[
        ("online", 12, 14, 0.1, 1.0, 1.0),  # the new FAFSA did not open until 30 Dec 2023
        ("online", 15, 18, 1.5, 1.0, 12.0),  # ... then the records went out to schools months late
        ("phone", 15, 19, 1.6, 4.0, 1.0),
        ("online", 24, 25, 0.2, 1.0, 1.0),  # the FY2025 form opened on 21 Nov 2024
    ]),
    "hhs-marketplace": Service(2.5e7, "enrollment", {
        "online": _online(0.70, 25, proc_sigma=0.8, p_drop=0.12, growth=0.3, offices=("HealthCare.gov",)),
        "phone": _phone(0.30, 3, 18, 100, offices=("Marketplace Call Center",)),
    }, agree=0.83, elasticity=1.1, survey_name="HealthCare.gov", cost=1.2),
    "hhs-medicare": Service(4.0e7, "medicare", {
        "online": _online(0.35, 12, p_drop=0.06, growth=0.4, offices=("Medicare.gov",)),
        "phone": _phone(0.55, 4, 11, 90, wait_trend=0.45, offices=("1-800-MEDICARE",)),
        "mail": _mail(0.10, 21 * DAY, growth=-0.5),
    }, agree=0.86, agree_trend=-0.2, survey_name="Medicare", cost=0.8),
    "dhs-tsa": Service(9.0e8, "air", {
        "in-person": _visit(0.96, 12, 4, proc_sigma=0.4, wait_sigma=0.6, p_drop=0.0, weekends=True,
                            hours=(4.0, 8.0, 21.0), offices=(
            "ATL checkpoint", "DFW checkpoint", "DEN checkpoint", "ORD checkpoint", "LAX checkpoint",
            "JFK checkpoint")),
        "phone": _phone(0.04, 3, 6, 60, offices=("TSA Contact Center",)),
    }, agree=0.86, elasticity=1.2, survey_name="TSA", cost=0.15),
    "dhs-cbp": Service(2.0e6, "travel", {
        "online": _online(0.75, 30, proc_sigma=1.5, p_denied=0.02, offices=("ESTA", "EVUS", "I-94", "TTP")),
        "phone": _phone(0.25, 8, 9, 90, offices=("Traveler Communications Center",)),
    }, agree=0.79, survey_name="the CBP Traveler Communications Center", cost=1.0),
    "dhs-uscis": Service(1.5e7, "flat", {
        "phone": _phone(0.60, 10, 14, 80, wait_sigma=1.1, wait_trend=0.55,
                        offices=("Tier 1 contact center", "Tier 2 contact center")),
        "online": _online(0.40, 10, p_drop=0.10, growth=0.4,
                          offices=("Emma virtual assistant", "Online account")),
    }, agree=0.80, agree_trend=-0.35, survey_name="the USCIS Contact Center", cost=1.0),
    "dhs-fema": Service(4.0e6, "disaster", {
        "online": _online(0.45, 7 * DAY, proc_sigma=0.9, p_denied=0.25, offices=("DisasterAssistance.gov",)),
        "phone": _phone(0.35, 6, 20, 80, wait_sigma=1.2, offices=("FEMA Helpline",)),
        "in-person": _visit(0.15, 25, 35, weekends=True, offices=(
            "Disaster Recovery Center - Asheville NC", "Disaster Recovery Center - Fort Myers FL",
            "Disaster Recovery Center - Lahaina HI")),
        "mail": _mail(0.05, 30 * DAY, proc_sigma=0.7, p_denied=0.3),
    }, agree=0.79, elasticity=1.1, survey_name="FEMA", cost=1.5, overrides=[
        ("*", 23, 23, 1.6, 1.5, 1.2),  # Hurricane Helene (September 2024)
        ("*", 24, 25, 2.5, 2.0, 1.4),  # ... and Milton (October 2024)
    ]),
    "hud-fha": Service(1.0e6, "flat", {
        "phone": _phone(0.70, 2.5, 9, 90, wait_sigma=0.9, offices=("FHA Resource Center",)),
        "online": _online(0.30, 1 * DAY, proc_sigma=1.0, offices=("FHA Resource Center knowledge base",)),
    }, agree=0.84, survey_name="the FHA Resource Center", cost=1.0),
    "doi-tbcc": Service(2.5e5, "flat", {
        "phone": _phone(1.0, 1.5, 8, 120, wait_sigma=0.8, answer_std=2.0,
                        offices=("Trust Beneficiary Call Center - Albuquerque",)),
    }, agree=0.89, survey_name="the Trust Beneficiary Call Center", cost=1.0),
    "doi-fws": Service(6.0e7, "summer", {
        "in-person": _visit(0.85, 10, 20, proc_sigma=0.6, wait_sigma=0.4, weekends=True, hours=(7, 11, 18),
                            offices=("Bosque del Apache NWR", "Chincoteague NWR", "J.N. Ding Darling NWR",
                                     "National Elk Refuge")),
        "online": _online(0.15, 2 * DAY, proc_sigma=0.8, growth=0.4, offices=("Refuge permits online",)),
    }, agree=0.92, survey_name="the National Wildlife Refuge System", cost=0.2),
    "dol-osha": Service(8.0e3, "flat", {
        "online": _online(0.60, 120 * DAY, proc_sigma=0.5, p_denied=0.1, hours=(7, 13, 20),
                          offices=("VPP online submission",)),
        "mail": _mail(0.40, 150 * DAY, proc_sigma=0.5, growth=-0.6, offices=("Regional VPP manager",)),
    }, agree=0.85, survey_name="the OSHA Voluntary Protection Programs", cost=8.0),
    "dol-deeoic": Service(1.5e5, "flat", {
        "phone": _phone(0.45, 2, 12, 90, offices=("DEEOIC district office phones",)),
        "mail": _mail(0.35, 110 * DAY, proc_sigma=0.5, p_denied=0.25, proc_trend=-0.25),
        "in-person": _visit(0.20, 12, 40, offices=(
            "Resource Center - Espanola NM", "Resource Center - Paducah KY", "Resource Center - Hanford WA")),
    }, agree=0.81, survey_name="the Energy Employees Occupational Illness Compensation program", cost=4.0),
    "dos-ca": Service(2.4e7, "travel", {
        "mail": _mail(0.45, 44 * DAY, proc_sigma=0.3, proc_trend=-0.45, p_denied=0.01, offices=(
            "National Passport Processing Center - Philadelphia",
            "National Passport Center - Portsmouth NH")),
        "in-person": _visit(0.30, 20, 40 * DAY, proc_sigma=0.35, proc_trend=-0.45, p_drop=0.01, offices=(
            "Chicago Passport Agency", "Houston Passport Agency", "Miami Passport Agency",
            "New York Passport Agency", "Los Angeles Passport Agency")),
        "phone": _phone(0.20, 0.5, 7, 70, wait_sigma=1.1, offices=("National Passport Information Center",)),
        "online": _online(0.10, 21 * DAY, proc_sigma=0.35, growth=1.0, hours=(5, 13, 23),
                          offices=("Online Passport Renewal",)),
    }, agree=0.83, agree_trend=0.2, elasticity=1.2, cost=1.0,
        survey_name="the U.S. Department of State passport services", overrides=[
        ("online", 0, 19, 0.0, 1.0, 1.0),  # online renewal opened in June 2024
        ("phone", 4, 9, 1.2, 2.5, 1.0),  # the spring 2023 surge
        ("mail", 4, 9, 1.1, 1.0, 1.15),
        ("in-person", 4, 9, 1.1, 1.3, 1.15),
    ]),
    "treas-irs": Service(1.5e8, "tax", {
        "online": _online(0.55, 8 * DAY, proc_sigma=0.5, proc_trend=-0.3,
                          offices=("IRS.gov", "IRS Online Account")),
        "phone": _phone(0.30, 18, 14, 75, wait_trend=-0.9, answer_std=15.0,
                        offices=("Toll-free - Atlanta", "Toll-free - Fresno", "Toll-free - Kansas City")),
        "in-person": _visit(0.10, 30, 25, offices=(
            "TAC Baltimore MD", "TAC Denver CO", "TAC Houston TX", "TAC Seattle WA")),
        "mail": _mail(0.05, 75 * DAY, proc_trend=-0.45, growth=-0.4, offices=(
            "Austin Submission Processing", "Kansas City Submission Processing")),
    }, agree=0.76, agree_trend=0.3, elasticity=1.0, p_fcr=0.6, survey_name="the IRS",
        trust_text="This interaction increased my trust in the IRS.", cost=0.6),
    "va-vha": Service(1.2e8, "flat", {
        "in-person": _visit(0.70, 18, 30, proc_sigma=0.4, offices=(
            "VAMC Bay Pines FL", "VAMC Houston TX", "VAMC Phoenix AZ", "VAMC Palo Alto CA")),
        "online": _online(0.15, 25, growth=0.3, hours=(7, 12, 20),
                          offices=("VA Video Connect", "My HealtheVet")),
        "phone": _phone(0.15, 3, 10, 90, offices=("Clinical Contact Center",)),
    }, agree=0.91, survey_name="VA outpatient services",
        trust_text="I trust VA to fulfill our country's commitment to Veterans.", cost=3.0),
    "va-vba": Service(1.0e7, "academic", {
        "phone": _phone(0.85, 3, 11, 75, wait_trend=0.9,
                        offices=("National Call Center", "Education Call Center")),
        "online": _online(0.15, 3 * DAY, proc_sigma=0.8, growth=0.5, offices=("Ask VA",)),
    }, agree=0.84, agree_trend=-0.4, survey_name="VA benefits call centers",
        trust_text="I trust VA to fulfill our country's commitment to Veterans.", cost=1.0),
    "opm-fes": Service(2.5e7, "flat", {
        "online": _online(1.0, 14, proc_sigma=0.8, p_drop=0.18, offices=("USAJOBS",)),
    }, agree=0.74, survey_name="USAJOBS", cost=0.3),
    "opm-rs": Service(1.2e6, "yearend", {
        "mail": _mail(0.08, 62 * DAY, proc_sigma=0.4, proc_trend=-0.2,
                      offices=("Retirement Operations Center - Boyers PA",)),
        "phone": _phone(0.72, 7, 10, 45, wait_trend=-0.6, answer_std=10.0,
                        offices=("Retirement Services call center",)),
        "online": _online(0.20, 5, p_drop=0.06, growth=0.3, offices=("Services Online",)),
    }, agree=0.74, agree_trend=0.3, elasticity=1.0, survey_name="OPM Retirement Services", cost=2.0),
    "sba-fo": Service(8.0e5, "flat", {
        "in-person": _visit(0.40, 12, 35, offices=(
            "Atlanta District Office", "Dallas District Office", "Boston District Office")),
        "online": _online(0.40, 2 * DAY, proc_sigma=0.9, growth=0.4, hours=(6, 13, 22), offices=("SBA.gov",)),
        "phone": _phone(0.20, 2, 10, 90),
    }, agree=0.87, survey_name="the SBA", cost=2.0),
    "ssa-oo": Service(2.0e8, "flat", {
        "online": _online(1.0, 8, proc_sigma=0.8, p_drop=0.05, offices=("my Social Security", "SSA.gov")),
    }, agree=0.88, survey_name="Social Security online services", cost=0.1),
    "multi-rec": Service(1.5e7, "summer", {
        "online": _online(0.92, 6, p_drop=0.08, offices=("Recreation.gov",)),
        "phone": _phone(0.08, 4, 8, 90, weekends=True, hours=(10, 13, 23),
                        offices=("Recreation.gov call center",)),
    }, agree=0.87, survey_name="Recreation.gov", cost=0.5),
}
GENERIC = Service(1.0e6, "flat", {"online": _online(0.6, 15, p_drop=0.06), "phone": _phone(0.4, 4)})

# Raw channel labels, three agency styles (all in data/channels.yaml).
LABELS = (
    {"online": "online", "phone": "phone", "in-person": "in-person", "mail": "mail"},
    {"online": "Web", "phone": "Telephone", "in-person": "Walk-in", "mail": "Paper"},
    {"online": "Online", "phone": "Call Center", "in-person": "Field Office", "mail": "Postal Mail"},
)
SURVEY_LABELS = {"online": "computer", "phone": "automated_phone", "in-person": "in_person",
                 "mail": "postal_mail"}
TOUCHPOINTS = {
    "online": "Survey offered on completion of the online transaction",
    "phone": "Post-call survey (IVR)",
    "in-person": "Survey offered at the end of the visit (QR code and email)",
    "mail": "Email survey after the decision letter",
}

# ----------------------------------------------------------------------------- survey model
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
MC = 1000  # draws per month behind each monthly figure
COST_BASE = {"online": 2.5, "phone": 14.0, "in-person": 42.0, "mail": 28.0}


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


# ----------------------------------------------------------------------------- helpers


def _rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, *keys])


def _services() -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / "services.csv", dtype=str)


def _month_index() -> tuple[np.ndarray, np.ndarray]:
    """Calendar month (1-12) and fiscal year of each of the N_MONTHS months."""
    m = np.arange(N_MONTHS)
    return (9 + m) % 12 + 1, FIRST_FY + m // 12


def _season(svc: Service) -> np.ndarray:
    cal, _ = _month_index()
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


def _volumes(seed: int, idx: int, svc: Service) -> dict[str, np.ndarray]:
    """Full monthly transactions per channel (what the agency reports)."""
    rng = _rng(seed, idx, 1)
    t = np.arange(N_MONTHS) / (N_MONTHS - 1)
    shares = {c: ch.share * np.exp(ch.growth * t) for c, ch in svc.channels.items()}
    total = sum(shares.values())
    base = svc.annual / 12 * _season(svc)
    return {
        c: np.round(base * s / total * _override(svc, c, 0) * rng.lognormal(0, 0.04, N_MONTHS))
        for c, s in shares.items()
    }


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


def _day_tables() -> dict[bool, tuple[np.ndarray, np.ndarray]]:
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


# ----------------------------------------------------------------------------- transactions


@dataclass
class Draws:
    wait: np.ndarray  # minutes, NaN without a queue
    total: np.ndarray  # minutes from received to completed (wait + processing)
    outcome: np.ndarray


def _draw(svc: Service, channel: str, month: np.ndarray, rng: np.random.Generator) -> Draws:
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


def _events(seed: int, idx: int, service_id: str, svc: Service, per_month: float, labels: dict[str, str],
            days: dict[bool, tuple[np.ndarray, np.ndarray]]) -> pa.Table:
    """A sample of one service's transactions, about `per_month` a month, as an Arrow table."""
    volumes = _volumes(seed, idx, svc)
    scale = per_month / sum(volumes.values()).mean()
    end = DATA_END.astype(np.int64)
    tables = []
    for c_idx, (channel, ch) in enumerate(svc.channels.items()):
        rng = _rng(seed, idx, 10 + c_idx)
        month = np.repeat(np.arange(N_MONTHS), rng.poisson(volumes[channel] * scale))
        n = len(month)
        d = _draw(svc, channel, month, rng)
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


def _write_events(table: pa.Table, path: Path, fy: int) -> None:
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


# ----------------------------------------------------------------------------- metrics


def _fmt_count(v: float, style: int) -> tuple[str, str]:
    v = int(round(v))
    return [(str(v), "count"), (f"{v:,}", "transactions"), (f"{v:,}", "#"), (str(v), "number")][style]


def _fmt_share(v: float, style: int) -> tuple[str, str]:
    # A "%" in the value is left without a unit word: ingest lets the unit column win over it.
    return [(f"{v:.4f}", "share"), (f"{100 * v:.1f}", "percent"), (f"{100 * v:.1f}%", ""),
            (f"{100 * v:.1f}", "pct")][style]


def _fmt_usd(v: float, style: int) -> tuple[str, str]:
    return [(f"{v:.2f}", "usd"), (f"${v:,.2f}", ""), (f"{v:.2f}", "dollars"), (f"${v:,.2f}", "$")][style]


def _metrics(seed: int, idx: int, service_id: str, svc: Service, labels: dict[str, str]) -> list[list[str]]:
    volumes = _volumes(seed, idx, svc)
    rng = _rng(seed, idx, 2)
    style = idx % 4
    cal, fys = _month_index()
    periods = [f"{fy - (1 if c >= 10 else 0)}-{c:02d}" for c, fy in zip(cal, fys, strict=True)]
    rows: list[list[str]] = []

    def add(m: int, metric: str, channel: str | None, text: tuple[str, str], n: float | None = None) -> None:
        rows.append([service_id, labels[channel] if channel else "", periods[m], metric, text[0], text[1],
                     "" if n is None else str(int(n))])

    stats: dict[str, dict[str, np.ndarray]] = {}
    for c_idx, channel in enumerate(svc.channels):
        month = np.repeat(np.arange(N_MONTHS), MC)
        d = _draw(svc, channel, month, _rng(seed, idx, 30 + c_idx))
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


# ----------------------------------------------------------------------------- survey


def _survey(seed: int, idx: int, service_id: str, svc: Service, name: str) -> list[list[str]]:
    volumes = _volumes(seed, idx, svc)
    rows: list[list[str]] = []
    name = svc.survey_name or name
    base = np.log(svc.agree / (1 - svc.agree))
    for c_idx, channel in enumerate(svc.channels):
        rng = _rng(seed, idx, 50 + c_idx)
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


# ----------------------------------------------------------------------------- public API


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def generate(out_dir: Path, seed: int = 13571, events_per_service_month: int = 450) -> list[Path]:
    """Write the demo files into `out_dir` (created if needed) and return their paths, in load order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    services = _services()
    days = _day_tables()
    labels = {sid: LABELS[i % len(LABELS)] for i, sid in enumerate(services["service_id"])}
    events, metric_rows, survey_rows = [], [], []
    for idx, (sid, name) in enumerate(zip(services["service_id"], services["name"], strict=True)):
        svc = PROFILES.get(sid, GENERIC)
        events.append(_events(seed, idx, sid, svc, events_per_service_month, labels[sid], days))
        metric_rows += _metrics(seed, idx, sid, svc, labels[sid])
        survey_rows += _survey(seed, idx, sid, svc, name)
    table = pa.concat_tables(events)
    months = table["received"].to_numpy().astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
    fiscal_year = 1970 + (months + 3) // 12  # months since January 1970; October opens the next FY
    paths = []
    for fy in range(FIRST_FY, FIRST_FY + N_FY):
        path = out_dir / f"service_events_fy{fy}.csv"
        _write_events(table.filter(pa.array(fiscal_year == fy)), path, fy)
        paths.append(path)
    path = out_dir / f"operational_metrics_fy{FIRST_FY}-fy{FIRST_FY + N_FY - 1}.csv"
    _write_csv(path, ["service_id", "channel", "period", "metric", "value", "unit", "n"], metric_rows)
    paths.append(path)
    path = out_dir / f"a11_cx_quarterly_fy{FIRST_FY}-fy{FIRST_FY + N_FY - 1}.csv"
    _write_csv(path, ["service_id", "channel", "touchpoint", "fiscal_year", "quarter", "question_number",
                      "question_text", "driver", "count_1", "count_2", "count_3", "count_4", "count_5",
                      "published_mean", "volume_served", "volume_offered", "volume_responded"], survey_rows)
    paths.append(path)
    return paths


# The reporting workflow of the demo (A-11 quarterly reporting): every service-quarter is published
# except the last quarter of the data, where agencies are at different steps, and one quarter that
# one service did not report.
NOT_REPORTED = ("usda-nrcs", 2024, 2)
OMB_REVIEWER = "OMB reviewer (demo)"


def reporting_moves() -> list[Move]:
    """Who moved each service-quarter, when and why; deterministic, dated after each quarter ends."""
    services = _services()
    moves: list[Move] = []
    quarters = [(FIRST_FY + i // 4, i % 4 + 1) for i in range(4 * N_FY)]
    for idx, (sid, agency) in enumerate(zip(services["service_id"], services["agency_id"], strict=True)):
        lead = f"{agency} CX lead (demo)"
        for fy, q in quarters:
            end = quarter_bounds(fy, q)[1]
            at = pd.Timestamp(end) + pd.Timedelta(days=15 + (idx * 7 + q) % 20, hours=10)
            if (sid, fy, q) == NOT_REPORTED:
                moves.append(Move("not_reported", sid, fy, q, lead, "survey vendor contract lapsed; no "
                                  "responses were collected this quarter", at.to_pydatetime()))
                continue
            moves.append(Move("submitted", sid, fy, q, lead, None, at.to_pydatetime()))
            if (fy, q) == quarters[-1]:  # the last quarter: under way
                step = idx % 3
                if step == 1:
                    moves[-1] = Move("draft", sid, fy, q, lead, None, at.to_pydatetime())
                elif step == 2:
                    moves.append(Move("change_requested", sid, fy, q, OMB_REVIEWER, "response counts do not "
                                      "add up to respondents for the phone channel; please correct and "
                                      "resubmit", (at + pd.Timedelta(days=9)).to_pydatetime()))
                continue
            if idx % 7 == 3 and q == 2:  # now and then a quarter goes back once before publication
                moves.append(Move("change_requested", sid, fy, q, OMB_REVIEWER, "question texts differ from "
                                  "the A-11 form; please confirm",
                                  (at + pd.Timedelta(days=6)).to_pydatetime()))
                moves.append(Move("submitted", sid, fy, q, lead, "question texts confirmed",
                                  (at + pd.Timedelta(days=12)).to_pydatetime()))
            moves.append(Move("published", sid, fy, q, OMB_REVIEWER, None,
                              (at + pd.Timedelta(days=20)).to_pydatetime()))
    return moves


def build_demo(db: Path, seed: int = 13571) -> list[LoadResult]:
    """Generate the demo files and load them (marked synthetic) into a fresh warehouse at `db`.

    The warehouse is built in a new file next to `db` and swapped in, so a rebuild starts clean
    and readers see the old warehouse or the new one. Raises RuntimeError if any file does not
    load cleanly: the generator must produce clean data.
    """
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    fresh = db.with_name(f"{db.name}.demo-{os.getpid()}")
    extras = [fresh.with_name(fresh.name + suffix) for suffix in ("", ".lock", ".wal")]
    for p in extras:
        p.unlink(missing_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="servicestat-demo-"))
    try:
        files = generate(tmp, seed=seed)
        results = load(files, db=fresh, synthetic=True, show_progress=False)
        bad = [r for r in results if r.status != "loaded"]
        if bad:
            lines = [f"{r.file_name}: {r.status} ({r.rows_rejected} of {r.rows_read} rows rejected)"
                     + "".join(f"\n  {p.describe(r.file_name)}" for p in r.problems[:5]) for r in bad]
            raise RuntimeError("the demo data did not load cleanly:\n" + "\n".join(lines))
        move_many(fresh, reporting_moves(), archive=False)
        with open(db.with_name(db.name + ".lock"), "a+") as lock:  # wait for any writer of `db`
            fcntl.flock(lock, fcntl.LOCK_EX)
            db.with_name(db.name + ".wal").unlink(missing_ok=True)
            events_dataset.move(fresh, db)  # the Parquet events written beside the fresh file
            os.replace(fresh, db)
        return results
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(events_dataset.dataset_dir(fresh), ignore_errors=True)
        for p in extras:
            p.unlink(missing_ok=True)
