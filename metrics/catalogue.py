"""What the site documents: the /methodology page's tables, also published (`metrics.registry`).

* the declared definitions (metric catalogue, standards with their versions and sources, the A-11
  survey questions) as plain frames, read from data/ so the page never drifts from the rules;
* data freshness per agency and service: the newest load behind each kind of figure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import yaml

from core.declarations import load_declarations
from core.paths import DATA_DIR, data_file
from metrics.cache import cached
from metrics.db import reader

DRIVER_LABELS: dict[str, str] = {
    "satisfaction": "Satisfaction",
    "trust": "Trust / confidence",
    "effectiveness": "Effectiveness / quality",
    "ease": "Ease / simplicity",
    "efficiency": "Efficiency / speed",
    "equity": "Equity / transparency",
    "employee": "Employee helpfulness",
}

KIND_LABELS: dict[str, str] = {
    "service-events": "Transactions",
    "metric-observations": "Reported metrics",
    "survey-results": "Survey results",
}


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
