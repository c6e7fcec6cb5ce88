"""Who is who: the agencies, A-11 service providers and services the warehouse knows (public
reference tables), the services a load added that data/services.csv does not declare, and the
public's search for a service by everyday words (`find_services`).

The API and the pages list and validate agency and service ids through these, so the dashboard
never queries the warehouse itself.
"""

from __future__ import annotations

import csv
import difflib
import os
import re

import pandas as pd

from core.paths import data_file
from core.vocab import STATUSES
from metrics.cache import cached
from metrics.db import reader
from metrics.standards import standards_status
from metrics.survey import driver_scores

AGENCY_COLUMNS = ["agency_id", "department", "department_abbreviation", "bureau", "bureau_abbreviation"]
SERVICE_COLUMNS = ["service_id", "agency_id", "name", "is_hisp", "url", "provider_id", "successor_of"]
PROVIDER_COLUMNS = ["provider_id", "agency_id", "name", "aliases"]
UNDECLARED_COLUMNS = ["service_id", "name", "agency_id", "closest_declared"]
#: status -> the column of find_services that counts a service's standards with it.
STATUS_COUNT_COLUMNS = {s: f"standards_{s.replace(' ', '_')}" for s in STATUSES}
FOUND_COLUMNS = ["service_id", "name", "provider_id", "provider", "agency_id", "agency", "department",
                 "trust_period", "trust_share", "trust_n", "trust_suppressed", "status_period",
                 *STATUS_COUNT_COLUMNS.values(), "standards_summary", "score", "synthetic"]
#: Words a question is made of that name no service ("how is my passport doing"): not searched for.
FILLER_WORDS = frozenset({"a", "an", "and", "are", "at", "by", "doing", "for", "from", "how", "i", "in",
                          "is", "it", "my", "of", "on", "or", "the", "to", "what", "with"})


@cached
def agencies(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per agency (department and bureau), ordered by id."""
    return reader(db).df(f"SELECT {', '.join(AGENCY_COLUMNS)} FROM agencies ORDER BY agency_id")


@cached
def services(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per declared service with its owning agency, ordered by id."""
    return reader(db).df(f"SELECT {', '.join(SERVICE_COLUMNS)} FROM services ORDER BY service_id")


@cached
def providers(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per declared A-11 service provider with its agency, ordered by id."""
    return reader(db).df(f"SELECT {', '.join(PROVIDER_COLUMNS)} FROM providers ORDER BY provider_id")


def _key(text: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text or "").lower())


def undeclared_services(db: str | os.PathLike[str] | None = None,
                        data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Services in the warehouse that data/services.csv does not declare (an A-11 load adds a
    service it cannot match), each with the closest declared services by name, id or alias, so the
    fix - declare it, or add its name to data/service_aliases.csv - is one look away."""
    with open(data_file("services.csv", data_dir), newline="", encoding="utf-8") as fh:
        declared = {r["service_id"]: r["name"] for r in csv.DictReader(fh)}
    with open(data_file("service_aliases.csv", data_dir), newline="", encoding="utf-8") as fh:
        aliases = [(r["alias"], r["service_id"]) for r in csv.DictReader(fh)]
    choices: dict[str, str] = {}
    for name, sid in [*((s, s) for s in declared), *((n, s) for s, n in declared.items()), *aliases]:
        choices.setdefault(_key(name), sid)
    found = reader(db).df("SELECT service_id, name, agency_id FROM services ORDER BY service_id")
    found = found[~found["service_id"].isin(declared)].reset_index(drop=True)
    closest = []
    for sid, name in zip(found["service_id"], found["name"], strict=True):
        near: list[str] = []
        for k in difflib.get_close_matches(_key(name), list(choices), n=9, cutoff=0.5) + \
                difflib.get_close_matches(_key(sid), list(choices), n=9, cutoff=0.5):
            if choices[k] not in near:
                near.append(choices[k])
        closest.append(", ".join(f"{s} ({declared.get(s, '')})" for s in near[:3]))
    found["closest_declared"] = closest
    return found[UNDECLARED_COLUMNS]


def undeclared_lines(frame: pd.DataFrame) -> list[str]:
    """What `servicestat check` prints about undeclared services (none: no lines)."""
    if frame.empty:
        return []
    lines = [f"{len(frame)} service(s) in the warehouse are not declared in data/services.csv (added by a"
             " load; declare them, or add their names to data/service_aliases.csv):"]
    for r in frame.itertuples():
        near = f"; closest declared: {r.closest_declared}" if r.closest_declared else ""
        lines.append(f"  {r.service_id} ({r.name}), agency {r.agency_id}{near}")
    return lines


def search_words(text: object) -> set[str]:
    """The words of `text` as search compares them: lower-case runs of letters and digits, a plural
    "s" dropped ("Passports" and "passport" are one word), filler words left out."""
    words = set()
    for word in re.findall(r"[a-z0-9]+", str(text or "").lower()):
        if word in FILLER_WORDS:
            continue
        words.add(word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word)
    return words


def _keywords(data_dir: str | os.PathLike[str] | None) -> dict[str, str]:
    """service id -> its declared search words (data/service_keywords.csv), '|'-separated."""
    with open(data_file("service_keywords.csv", data_dir), newline="", encoding="utf-8-sig") as fh:
        return {r["service_id"]: r["keywords"] or "" for r in csv.DictReader(fh)}


def _searchable(db: str | os.PathLike[str] | None, data_dir: str | os.PathLike[str] | None) -> pd.DataFrame:
    """Each service with its provider and agency, and every word it may be found by: its name and
    id, its other names (service_aliases), its provider's names, its agency's, its keywords."""
    r = reader(db)
    frame = r.df(
        "SELECT s.service_id, s.name, s.provider_id, p.name AS provider, p.aliases AS provider_aliases,"
        " s.agency_id, coalesce(a.bureau, a.department) AS agency, a.department,"
        " concat_ws(' ', a.department_abbreviation, a.bureau_abbreviation) AS agency_short"
        " FROM services s LEFT JOIN agencies a USING (agency_id) LEFT JOIN providers p USING (provider_id)"
        " ORDER BY s.name, s.service_id")
    aliases = r.df("SELECT service_id, string_agg(alias, ' ') AS aliases FROM service_aliases GROUP BY ALL")
    frame = frame.merge(aliases, on="service_id", how="left")
    keywords = _keywords(data_dir)
    frame["keywords"] = [keywords.get(sid, "") for sid in frame["service_id"]]
    text_columns = ["service_id", "name", "provider", "provider_aliases", "agency", "department",
                    "agency_short", "aliases", "keywords"]
    frame["words"] = [set().union(*(search_words(v) for v in values if isinstance(v, str)))
                      for values in frame[text_columns].itertuples(index=False)]
    return frame


def _latest_trust(db: str | os.PathLike[str] | None) -> pd.DataFrame:
    """Per service, its last quarter with a trust figure (all channels), as the viewer may see it."""
    scores = driver_scores(db, "quarter", by_channel=False)
    trust = scores[scores["driver"] == "trust"].sort_values("period_start")
    latest = trust.groupby("service_id", as_index=False).tail(1)
    suppressed = latest["suppressed"] if "suppressed" in latest else pd.Series(False, index=latest.index)
    return pd.DataFrame({"service_id": latest["service_id"], "trust_period": latest["period"],
                         "trust_share": latest["agree_share"], "trust_n": latest["n"],
                         "trust_suppressed": suppressed.fillna(False).astype(bool),
                         "trust_synthetic": latest["synthetic"].fillna(False).astype(bool)})


def _latest_standards(db: str | os.PathLike[str] | None) -> pd.DataFrame:
    """Per service, how many of its standards had each status in its last quarter with a status."""
    status = standards_status(db, "quarter")
    columns = list(STATUS_COUNT_COLUMNS.values())
    if status.empty:
        return pd.DataFrame(columns=["service_id", "status_period", *columns, "status_synthetic"])
    last = status.groupby("service_id")["period_start"].transform("max")
    rows = status[status["period_start"] == last]
    # A status the viewer may not see (suppressed: NA) is counted under none.
    counts = pd.crosstab(rows["service_id"], rows["status"])
    counts = counts.reindex(columns=list(STATUSES), fill_value=0)
    counts.columns = columns
    periods = rows.groupby("service_id").agg(status_period=("period", "first"),
                                             status_synthetic=("synthetic", "any"))
    return counts.join(periods).reset_index()


def _summary(row: pd.Series) -> str:
    """The counts that are not zero, in the order of STATUSES: '2 on track, 1 at risk'."""
    return ", ".join(f"{int(row[col])} {status}" for status, col in STATUS_COUNT_COLUMNS.items()
                     if row[col] > 0)


def find_services(q: str = "", db: str | os.PathLike[str] | None = None,
                  data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The services a member of the public looks for with `q` ("passport", "veterans benefits"),
    each with its provider, agency, latest trust agree share and standards status summary.

    Words are compared as `search_words` says, against the service's name and other names, its
    provider's and agency's names and abbreviations, and its declared keywords
    (data/service_keywords.csv). The services that hold the most of the question's words are
    returned (`score` is how many), so "veterans benefits" finds the Benefits Administration and not
    the Health Administration, which holds only "veterans". A blank question lists every service;
    none when no service holds any word. Ordered by name. Figures are the viewer's (published ones
    for the public; `trust_suppressed` where small-number suppression hides the share); `synthetic`
    marks a service whose figures shown are demonstration data.
    """
    frame = _searchable(db, data_dir)
    wanted = search_words(q)
    frame["score"] = [len(wanted & words) for words in frame["words"]]
    if wanted:
        best = frame["score"].max() if len(frame) else 0
        frame = frame[(frame["score"] == best) & (frame["score"] > 0)]
    frame = frame.merge(_latest_trust(db), on="service_id", how="left")
    frame = frame.merge(_latest_standards(db), on="service_id", how="left")
    counts = list(STATUS_COUNT_COLUMNS.values())
    frame[counts] = frame[counts].fillna(0).astype("int64")
    frame["trust_suppressed"] = frame["trust_suppressed"].fillna(False).astype(bool)
    frame["synthetic"] = (frame["trust_synthetic"].fillna(False).astype(bool)
                          | frame["status_synthetic"].fillna(False).astype(bool))
    frame["standards_summary"] = [_summary(row) for _, row in frame.iterrows()] if len(frame) else []
    return frame[FOUND_COLUMNS].reset_index(drop=True)
