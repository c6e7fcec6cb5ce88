"""The demo's services: how each of the 25 HISP services works, channel by channel (publish.demo).

Each service (data/services.csv) has a profile: the channels it uses and, per channel, its share of
transactions, how long customers wait (phone and in-person queues, lognormal) and how long the
request takes to complete (lognormal: minutes for a call or an online session, weeks for a passport,
months for a trademark); its seasonal pattern, trends, and a few historical episodes written in as
overrides (the FY2023 spring passport surge, the FAFSA relaunch of FY2024, the autumn 2024
hurricanes). Data, not code: the generators in demo_model, demo_events, demo_metrics and demo_survey
read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

FIRST_FY = 2023
N_FY = 3
N_MONTHS = 12 * N_FY
DATA_START = np.datetime64("2022-10-01", "s")  # FY2023 starts
DATA_END = np.datetime64("2025-10-01", "s")  # exclusive: FY2025 ended 30 Sep 2025
DAY = 1440.0  # minutes

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
