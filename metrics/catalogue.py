"""What the site documents and lets people download: the /methodology and /data pages' tables.

* the declared definitions (metric catalogue, standards with their versions and sources, the A-11
  survey questions) as plain frames, read from data/ so the page never drifts from the rules;
* data freshness per agency and service: the newest load behind each kind of figure;
* the download catalogue: every registered export with a description, its row count and when the
  data behind it were last loaded (the same frame the download writes, so the count is exact);
* exports for the tables the pages show that had none yet (benchmarks, scorecards, goal progress,
  initiative milestones and the declarations above).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from core.declarations import load_declarations
from core.paths import DATA_DIR, data_file
from metrics.cache import cached
from metrics.db import reader
from metrics.exports import available, export

log = logging.getLogger(__name__)

#: What each download holds, for people choosing one. Exports not listed here use the first line of
#: their function's docstring.
DESCRIPTIONS: dict[str, str] = {
    "loads": "Every file loaded into the warehouse: when, how many rows were read, loaded and rejected.",
    "rejects": "Rows refused at load time, with the row number, field, value and reason.",
    "survey-scores": "A-11 survey results, one row per question, service, channel and quarter.",
    "survey-mentions": "A-11 version 2 survey: what went well and what did not, per service and quarter.",
    "survey-trends": "Each survey driver's agree share per service, channel and quarter, with its 95 % "
                     "interval, n and change on the previous quarter.",
    "goal-status": "GPRA performance indicators per fiscal year: target, actual and status.",
    "findings": "Data-quality findings: loaded figures that look wrong and were flagged, never fixed.",
    "standards-status": "Each service standard per quarter: the figure, n, share within the standard, "
                        "the gap to target and the status.",
    "benchmarks": "Each service's satisfaction index beside the ACSI federal, national, industry and "
                  "department scores of the same year, and the gaps.",
    "acsi-scores": "The ACSI scores the benchmarks use (federal government and national), with sources.",
    "driver-scorecard": "Agencies by A-11 survey driver and fiscal year: agree share, n and 95 % interval.",
    "standards-scorecard": "Agencies by fiscal year: standards met out of standards judged.",
    "goal-progress": "GPRA goals by fiscal year: actual against target and progress from the baseline.",
    "initiative-milestones": "Signature initiatives and action plans: milestones, due dates and status.",
    "metric-definitions": "The metric catalogue: every metric's definition, unit and direction.",
    "standards-catalogue": "Every version of every service standard, with its threshold, target, dates "
                           "and source.",
    "survey-questions": "The A-11 Section 280 survey question texts for each driver.",
    "service-freshness": "When each agency's and service's figures were last loaded, by kind of data.",
    "reporting-status": "A-11 quarterly reporting compliance per service and quarter (published, "
                        "submitted, not reported...), kept apart from performance.",
    "reporting-history": "Every move of the quarterly reporting workflow: which service-quarter, when, "
                         "from which state to which.",
    "channel-breakdown": "Per service, channel and quarter: transactions, waits and trust by channel.",
    "quarter-headlines": "Government-wide headline figures per quarter: standards met, trust agree share "
                         "with its interval, services off track.",
}

DRIVER_LABELS: dict[str, str] = {
    "satisfaction": "Satisfaction",
    "trust": "Trust / confidence",
    "effectiveness": "Effectiveness / quality",
    "ease": "Ease / simplicity",
    "efficiency": "Efficiency / speed",
    "equity": "Equity / transparency",
    "employee": "Employee helpfulness",
}

#: Exports that are declarations: their "last updated" is when the file in data/ last changed.
DECLARATION_FILES: dict[str, str] = {
    "metric-definitions": "metrics.yaml",
    "standards-catalogue": "standards.yaml",
    "survey-questions": "driver_patterns.yaml",
}

KIND_LABELS: dict[str, str] = {
    "service-events": "Transactions",
    "metric-observations": "Reported metrics",
    "survey-results": "Survey results",
}


def describe(name: str) -> str:
    """A one-line description of a registered export."""
    if name in DESCRIPTIONS:
        return DESCRIPTIONS[name]
    doc = (available()[name].__doc__ or "").strip()
    return doc.splitlines()[0] if doc else ""


# --------------------------------------------------------------------------- declarations


def metric_definitions(data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """The metric catalogue (data/metrics.yaml), one row per metric, in the file's order."""
    rows = [{"metric": m.key, "label": m.label, "definition": m.definition, "unit": m.unit,
             "direction": m.direction, "type": m.type, "grain": m.grain, "source_table": m.table}
            for m in load_declarations(Path(data_dir)).metrics.values()]
    return pd.DataFrame(rows, columns=["metric", "label", "definition", "unit", "direction", "type", "grain",
                                       "source_table"])


def standards_catalogue(data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """Every version of every standard (data/standards.yaml); `version` counts from 1 by start date."""
    decl = load_declarations(Path(data_dir))
    names = pd.read_csv(data_file("services.csv", data_dir), dtype=str)
    name_of = dict(zip(names["service_id"], names["name"], strict=True))
    rows = []
    for sid in decl.standard_ids:
        for number, v in enumerate(decl.versions(sid), start=1):
            rows.append({"standard_id": sid, "version": number, "service_id": v.service,
                         "service": name_of.get(v.service, v.service),
                         "channel": v.channel or "all channels", "metric": v.metric, "standard": v.standard,
                         "threshold": v.threshold.value, "threshold_unit": v.threshold.unit,
                         "target_share": v.target_share, "effective_from": v.effective_from,
                         "effective_to": v.effective_to, "basis": v.basis, "target_basis": v.target_basis,
                         "citation": v.citation})
    return pd.DataFrame(rows, columns=["standard_id", "version", "service_id", "service", "channel", "metric",
                                       "standard", "threshold", "threshold_unit", "target_share",
                                       "effective_from", "effective_to", "basis", "target_basis", "citation"])


def survey_questions(data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """The A-11 standard question wordings per driver (data/driver_patterns.yaml), in form order."""
    spec = yaml.safe_load(data_file("driver_patterns.yaml", data_dir).read_text(encoding="utf-8")) or {}
    slots = {driver: int(q) for q, driver in (spec.get("slots") or {}).items()}
    rows = []
    for driver, entry in (spec.get("drivers") or {}).items():
        for text in (entry or {}).get("standard") or ():
            rows.append({"question_number": slots.get(driver), "driver": driver,
                         "driver_label": DRIVER_LABELS.get(driver, driver.capitalize()), "question": text})
    frame = pd.DataFrame(rows, columns=["question_number", "driver", "driver_label", "question"])
    return frame.sort_values("question_number", kind="stable", ignore_index=True)


# --------------------------------------------------------------------------- freshness

_FRESHNESS_SQL = """
WITH facts AS (
    -- the daily rollup names the loads behind each day: the same answer as the events, at any size
    SELECT DISTINCT service_id, 'service-events' AS kind, unnest(load_ids) AS load_id FROM service_daily
    UNION ALL
    SELECT DISTINCT service_id, 'metric-observations', load_id FROM metric_observations
    UNION ALL
    SELECT DISTINCT service_id, 'survey-results', load_id FROM survey_results
)
SELECT s.agency_id, coalesce(a.bureau, a.department) AS agency, f.service_id, s.name AS service, f.kind,
       max(l.finished_at) AS last_loaded, bool_or(l.synthetic) AS synthetic
FROM facts f
JOIN loads l USING (load_id)
LEFT JOIN services s USING (service_id)
LEFT JOIN agencies a ON a.agency_id = s.agency_id
WHERE l.status <> 'refused'
GROUP BY ALL
ORDER BY agency, service, f.kind
"""


@cached
def service_freshness(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Per agency, service and kind of data: the newest load behind the figures the viewer sees.

    No counts: how many transactions a service has in a period is itself a figure, published (and
    suppressed when small) by the tables that report it, not here."""
    frame = reader(db).df(_FRESHNESS_SQL)
    frame["kind_label"] = frame["kind"].map(KIND_LABELS).fillna(frame["kind"])
    return frame[["agency_id", "agency", "service_id", "service", "kind", "kind_label", "last_loaded",
                  "synthetic"]]


# --------------------------------------------------------------------------- downloads


def _last_updated(frame: pd.DataFrame) -> pd.Timestamp | None:
    for column in ("last_loaded", "finished_at"):
        if column in frame and frame[column].notna().any():
            return pd.Timestamp(pd.to_datetime(frame[column]).max())
    return None


def export_frame(name: str, db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The table a download of `name` writes. KeyError for an unknown name."""
    exports = available()
    if name not in exports:
        raise KeyError(name)
    return exports[name](db)


@cached  # builds every export to count its rows: once per warehouse version and viewer
def download_catalogue(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Every registered export: name, description, rows and when its data were last loaded.

    Declarations take their file's modification time; other tables without their own `last_loaded`
    (load history, findings) take the warehouse's newest load, when the site's data last changed.
    """
    newest = reader(db).df("SELECT max(finished_at) AS t, bool_or(synthetic) AS s FROM loads"
                           " WHERE status <> 'refused'").iloc[0]
    rows = []
    for name in sorted(available()):
        try:
            frame = export_frame(name, db)
        except duckdb.Error as exc:  # a warehouse older than this export's table: list it, say so
            log.warning("export %s unavailable: %s", name, exc)
            rows.append({"name": name, "description": f"{describe(name)} (Not available in this warehouse.)",
                         "rows": pd.NA, "last_updated": pd.NaT, "synthetic": False})
            continue
        updated = _last_updated(frame)
        if name in DECLARATION_FILES:
            updated = pd.Timestamp((DATA_DIR / DECLARATION_FILES[name]).stat().st_mtime, unit="s")
        rows.append({"name": name, "description": describe(name), "rows": len(frame),
                     "last_updated": updated if updated is not None else newest["t"],
                     "synthetic": bool(frame["synthetic"].any()) if "synthetic" in frame and len(frame)
                     else bool(newest["s"]) if pd.notna(newest["s"]) else False})
    return pd.DataFrame(rows, columns=["name", "description", "rows", "last_updated", "synthetic"])


# --------------------------------------------------------------------------- exports


def _declared(frame: pd.DataFrame) -> pd.DataFrame:
    """Declarations are written by people, never generated: not synthetic."""
    frame["synthetic"] = False
    return frame


@export("metric-definitions")
def metric_definitions_export(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The metric catalogue."""
    return _declared(metric_definitions())


@export("standards-catalogue")
def standards_catalogue_export(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Every version of every service standard."""
    return _declared(standards_catalogue())


@export("survey-questions")
def survey_questions_export(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The A-11 survey question texts."""
    return _declared(survey_questions())


@export("service-freshness")
def service_freshness_export(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """When each service's figures were last loaded."""
    return service_freshness(db)


@export("benchmarks")
def benchmarks_export(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Service satisfaction index against ACSI."""
    from metrics.benchmarks import acsi_comparison

    return acsi_comparison(db)


@export("acsi-scores")
def acsi_scores_export(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """ACSI scores with sources."""
    from metrics.benchmark_view import acsi_history

    return acsi_history(db)


@export("driver-scorecard")
def driver_scorecard_export(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Agencies by driver."""
    from metrics.scorecard import driver_scorecard

    return driver_scorecard(db)


@export("standards-scorecard")
def standards_scorecard_export(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Agencies by standards met."""
    from metrics.scorecard import standards_scorecard

    return standards_scorecard(db)


@export("goal-progress")
def goal_progress_export(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """GPRA goal progress."""
    from metrics.scorecard import goal_progress

    return goal_progress(db)


@export("channel-breakdown")
def channel_breakdown_export(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Channel breakdown per service."""
    from metrics.channels import service_channels

    return service_channels(db)


@export("quarter-headlines")
def quarter_headlines_export(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Headline figures per quarter."""
    from metrics.overview import quarter_headlines

    return quarter_headlines(db)


@export("initiative-milestones")
def initiative_milestones_export(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Initiative milestones."""
    from metrics.scorecard import initiative_milestones

    frame = initiative_milestones(db)
    # Declared plans, not generated figures; marked like the warehouse they are judged against.
    any_synthetic = reader(db).df("SELECT bool_or(synthetic) AS s FROM loads")["s"].iloc[0]
    frame["synthetic"] = bool(any_synthetic) if pd.notna(any_synthetic) else False
    return frame
