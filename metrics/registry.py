"""The one registry of published tables: every table the site lets people take away is one `Table` here.

An entry holds the table's name, the function that builds it, one description and the query
parameters it takes, each declared once (name, type, description, the column it filters, allowed
values). Everything that publishes a table reads this list, so one name means one table everywhere:
the download links (``/download/NAME.csv``), the open API (``/api/v1/NAME``) and its OpenAPI
document, the /data page (`download_catalogue`) and ``servicestat export NAME``.

`Table.frame` is the only way to a table's rows, and it suppresses small numbers for the current
viewer (`metrics.suppression.export_for_viewer`), whoever asks, and leaves out the fiscal-year
figures of years the viewer sees only part of (`metrics.db.withhold_partial_years`). A parameter
with a default filters every surface alike (``status`` is one grain at a time: quarters unless
asked otherwise).

Operator tables (loads, rejects, findings) are `staff_only`: their rows repeat unsuppressed counts
(a finding says "the answers add up to 181, not 185"), so the public gets them empty (same columns)
and every surface leaves them out for the public (`Table.open_to`); an agency manager gets the rows of
their own agency's services only, where the table names services.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from core.fiscal import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, fiscal_columns
from core.paths import DATA_DIR, data_file
from metrics import catalogue, directory
from metrics.access import Viewer, current_viewer
from metrics.alerts import STATUSES, alerts_export
from metrics.benchmark_view import acsi_history
from metrics.benchmarks import acsi_comparison
from metrics.cache import cached
from metrics.channels import channel_performance_export, mark_worst, service_channels
from metrics.db import reader, withhold_partial_years
from metrics.exceptions import exceptions_export
from metrics.glance import service_glance
from metrics.goals import goal_status
from metrics.loads import loads, rejects
from metrics.movers import movers_export
from metrics.operational_benchmarks import operational_benchmarks
from metrics.overview import quarter_headlines
from metrics.providers import provider_scores
from metrics.quality import findings
from metrics.reporting import reporting_history_export, reporting_status_export
from metrics.scorecard import driver_scorecard, goal_progress, initiative_milestones, standards_scorecard
from metrics.standards import standards_status, standards_status_export
from metrics.suppression import export_for_viewer, own_rows
from metrics.survey import survey_trends
from metrics.survey_distribution import answer_distribution
from metrics.survey_scores import survey_mentions, survey_scores
from metrics.volumes import survey_volumes

Db = str | os.PathLike[str] | None
Builder = Callable[[Db], pd.DataFrame]


class BadParameter(ValueError):
    """A query parameter that is unknown or has a value the table does not take; `parameter` names it."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class Param:
    """A query parameter: how it is checked and documented, and (for a filter) the column it filters.

    A filter on ``agency_id`` or ``service_id`` also works on a table that names services only
    (``service``): it keeps the rows of that agency's or service's services (`metrics.directory`)."""

    name: str
    kind: str  # "string" | "integer"
    description: str
    column: str | None = None
    enum: Callable[[Db], list[str]] | tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    default: object = None

    def choices(self, db: Db) -> list[str] | None:
        if self.enum is None:
            return None
        return list(self.enum(db)) if callable(self.enum) else list(self.enum)

    def parse(self, raw: str, db: Db) -> object:
        """The checked value of a query string's text (BadParameter says what is wrong).

        Whole numbers are ASCII digits only: `"²".isdigit()` is true, yet `int("²")` fails."""
        if self.kind == "integer":
            digits = raw.strip().removeprefix("-")
            if not (digits.isascii() and digits.isdigit()) or len(raw) > 12:
                raise BadParameter(self.name, f"parameter {self.name!r} must be a whole number, not {raw!r}")
            value = int(raw)
            if (self.minimum is not None and value < self.minimum) or (
                    self.maximum is not None and value > self.maximum):
                raise BadParameter(self.name, f"parameter {self.name!r} must be between {self.minimum} and"
                                   f" {self.maximum}, not {value}")
            return value
        choices = self.choices(db)
        if choices is not None and raw not in choices:
            shown = ", ".join(choices[:30]) + (", …" if len(choices) > 30 else "")
            raise BadParameter(self.name,
                               f"parameter {self.name!r}: unknown value {raw!r}; use one of {shown}")
        return raw


@dataclass(frozen=True)
class Table:
    """One published table. `build(db)` makes it; `frame(db, values)` is what any viewer gets."""

    name: str
    build: Builder
    description: str
    params: tuple[Param, ...] = ()
    aliases: tuple[str, ...] = ()  # former API names that still answer with this table
    columns: Mapping[str, str] = field(default_factory=dict)  # documented columns -> JSON type
    declaration: str | None = None  # a data/ file: the table is "last updated" when it changed
    keys: Callable[[pd.DataFrame], pd.DataFrame] | None = None  # key columns added after suppression
    staff_only: bool = False  # operator data: nothing for the public, own services for a manager

    def open_to(self, viewer: Viewer | None = None) -> bool:
        """Whether `viewer` (default: the current one) may have this table at all (listed, served)."""
        return not self.staff_only or (viewer or current_viewer()).role != "public"

    def frame(self, db: Db = None, values: Mapping[str, object] | None = None) -> pd.DataFrame:
        """The table as the current viewer may see it, filtered by `values` (defaults where absent)."""
        frame = export_for_viewer(self.build, db)
        viewer = current_viewer()
        if self.staff_only and viewer.role == "public":
            frame = frame.iloc[0:0]
        elif self.staff_only and viewer.role == "agency" and {"agency_id", "service_id", "service"} & set(
                frame.columns):
            frame = frame[own_rows(frame, str(viewer.agency_id)).to_numpy()]
        frame = withhold_partial_years(frame, db, viewer)  # a year figure only when all its quarters are
        if self.keys is not None:
            frame = self.keys(frame)
        values = values or {}
        for param in self.params:
            value = values.get(param.name, param.default)
            if value is not None and param.column is not None:
                frame = _keep(frame, param, value, db)
        return frame.reset_index(drop=True)


def _keep(frame: pd.DataFrame, param: Param, value: object, db: Db) -> pd.DataFrame:
    column = param.column
    if column in ("agency_id", "service_id") and column not in frame.columns:
        owned = directory.services(db)
        ids = set(owned.loc[owned[column].astype("string") == value, "service_id"])
        by = "service_id" if "service_id" in frame.columns else "service"
        wanted = ids if by == "service_id" else set(owned.loc[owned["service_id"].isin(ids), "name"])
        return frame[frame[by].isin(wanted)]
    if param.kind == "integer":
        return frame[pd.to_numeric(frame[column], errors="coerce") == value]
    return frame[frame[column].astype("string") == value]


# --- parameters shared by several tables -------------------------------------------------------------


def _agency_ids(db: Db) -> list[str]:
    return sorted(directory.agencies(db)["agency_id"].astype(str))


def _service_ids(db: Db) -> list[str]:
    return sorted(directory.services(db)["service_id"].astype(str))


AGENCY = Param("agency", "string", "Agency id (see /api/v1/agencies), e.g. `dos-ca`.", "agency_id",
               enum=_agency_ids)
SERVICE = Param("service", "string", "Service id (see /api/v1/services).", "service_id", enum=_service_ids)
FISCAL_YEAR = Param("fiscal_year", "integer", "Federal fiscal year (starts 1 October).", "fiscal_year",
                    minimum=FIRST_FISCAL_YEAR, maximum=LAST_FISCAL_YEAR)
QUARTER = Param("quarter", "integer", "Fiscal quarter, 1-4.", "quarter", minimum=1, maximum=4)
DRIVER = Param("driver", "string", "Survey driver, e.g. `trust`.", "driver")
CHANNEL = Param("channel", "string", "Channel, e.g. `online`.", "channel")
GRAIN = Param("grain", "string", "Period length.", "grain", enum=("month", "quarter", "year"))
PLACE = (AGENCY, SERVICE, FISCAL_YEAR, QUARTER)
ID = {"agency_id": "string", "service_id": "string"}

# --- builders for tables that are not a metrics function as they stand --------------------------------


def _declared(frame: pd.DataFrame) -> pd.DataFrame:
    """Declarations are written by people, never generated: not synthetic."""
    frame["synthetic"] = False
    return frame


def _metric_definitions(db: Db = None) -> pd.DataFrame:
    return _declared(catalogue.metric_definitions())


def _standards_catalogue(db: Db = None) -> pd.DataFrame:
    return _declared(catalogue.standards_catalogue())


def _survey_questions(db: Db = None) -> pd.DataFrame:
    return _declared(catalogue.survey_questions())


def _operational_benchmarks(db: Db = None) -> pd.DataFrame:
    return _declared(operational_benchmarks())


def _initiative_milestones(db: Db = None) -> pd.DataFrame:
    frame = initiative_milestones(db)
    # Declared plans, not generated figures; marked like the warehouse they are judged against.
    any_synthetic = reader(db).df("SELECT bool_or(synthetic) AS s FROM loads")["s"].iloc[0]
    frame["synthetic"] = bool(any_synthetic) if pd.notna(any_synthetic) else False
    return frame


def _status(db: Db = None) -> pd.DataFrame:
    return pd.concat([standards_status(db, grain) for grain in ("month", "quarter", "year")],
                     ignore_index=True)


def _status_fiscal(frame: pd.DataFrame) -> pd.DataFrame:
    """Federal fiscal year and quarter of each period's first day (a fiscal year has no quarter).

    Added after suppression: they place a row in time, they are not figures to hide."""
    frame = frame.copy()
    frame["fiscal_year"], quarter = fiscal_columns(frame["period_start"])
    frame["fiscal_quarter"] = quarter.mask(frame["grain"].eq("year").to_numpy())
    return frame


# --- the tables ----------------------------------------------------------------------------------------

TABLE_LIST: tuple[Table, ...] = (
    # who is who
    Table("agencies", directory.agencies, "Agencies: department and bureau.", (AGENCY,),
          columns={"agency_id": "string", "department": "string", "bureau": "string"}),
    Table("services", directory.services, "Services tracked, with their owning agency.", (AGENCY, SERVICE),
          columns={**ID, "name": "string"}),
    # survey
    Table("survey-scores", survey_scores,
          "A-11 survey results, one row per question, service, channel and quarter.",
          (*PLACE, DRIVER, CHANNEL), columns={"service": "string", "driver": "string", "n": "number"}),
    Table("survey-mentions", survey_mentions,
          "A-11 version 2 survey: what went well and what did not, per service and quarter.",
          (*PLACE, CHANNEL, Param("item", "string", "Survey item, e.g. `trust`.", "item")),
          columns={"service_id": "string", "item": "string", "n": "number"}),
    Table("survey-trends", survey_trends,
          "Each survey driver's agree share per service, channel and quarter, with its 95 % interval, n and "
          "change on the previous quarter.", (*PLACE, DRIVER, CHANNEL),
          columns={"service": "string", "driver": "string", "period": "string", "n": "number"}),
    Table("provider-scores", provider_scores,
          "Each A-11 service provider's survey drivers per channel and quarter, its services pooled (so the "
          "series continues across renamed services): agree share, 95 % interval, mean and n.",
          (AGENCY, FISCAL_YEAR, QUARTER, DRIVER, CHANNEL),
          columns={"agency_id": "string", "provider_id": "string", "driver": "string", "n": "number"}),
    Table("survey-volumes", survey_volumes,
          "Survey volumes per service and quarter as the 2020 HISP files publish them: customers served, "
          "surveyed and responding, and the response rate (published and from the counts).", PLACE,
          columns={**ID, "respondents": "number"}),
    Table("driver-scorecard", driver_scorecard,
          "Agencies by A-11 survey driver and fiscal year: agree share, n and 95 % interval.",
          (AGENCY, FISCAL_YEAR, DRIVER), columns={"agency_id": "string", "driver": "string", "n": "number"}),
    # service standards
    Table("standards-status", standards_status_export,
          "Each service standard per quarter: the figure, n, share within the standard, the gap to target "
          "and the status.", (AGENCY, SERVICE, GRAIN, Param("status", "string", "Only rows with this "
                                                            "status, e.g. `on track`.", "status")),
          columns={"standard_id": "string", "period": "string", "status": "string", "n": "number"}),
    Table("status", _status,
          "Standards status per standard and period, with ids and the fiscal year and quarter; one period "
          "length at a time (quarters unless `grain` says otherwise).",
          (AGENCY, SERVICE, FISCAL_YEAR,
           Param("quarter", "integer", "Fiscal quarter, 1-4.", "fiscal_quarter", minimum=1, maximum=4),
           Param("grain", "string", "Period length.", "grain", enum=("month", "quarter", "year"),
                 default="quarter"),
           Param("status", "string", "Only rows with this status, e.g. `on track`.", "status")),
          columns={**ID, "standard_id": "string", "period": "string", "status": "string", "n": "number"},
          keys=_status_fiscal),
    Table("exceptions", exceptions_export,
          "What needs attention: each standard off track or at risk in a period, with its result, target, "
          "the gap (result minus target, in percentage points for shares, else in the value's unit: "
          "`gap_unit`), off track since (the first period of the current run off track or at risk), the "
          "change on the previous period and on the same period a year before, n and customers affected "
          "(for a share standard the transactions not within it, n x (1 - share); for a value standard "
          "n); newest period first, then most customers affected; one period length at a time (quarters "
          "unless `grain` says otherwise).",
          (AGENCY, SERVICE, FISCAL_YEAR, QUARTER,
           Param("period", "string", "Period label of the grain, e.g. `FY2025 Q3`, `FY2025` (with "
                 "grain=year) or `2025-03` (with grain=month).", "period"),
           Param("grain", "string", "Period length.", "grain", enum=("month", "quarter", "year"),
                 default="quarter"),
           Param("status", "string", "Only rows with this status.", "status", enum=("off track", "at risk"))),
          columns={**ID, "standard_id": "string", "period": "string", "status": "string", "gap": "number",
                   "gap_unit": "string", "off_track_since": "string", "n": "number",
                   "customers_affected": "number"}),
    Table("standards-scorecard", standards_scorecard,
          "Agencies by fiscal year: standards met out of standards judged.", (AGENCY, GRAIN),
          columns={"agency_id": "string", "period": "string"}),
    Table("standards-catalogue", _standards_catalogue,
          "Every version of every service standard, with its threshold, target, dates and source.",
          (SERVICE,), aliases=("standards",), declaration="standards.yaml",
          columns={"standard_id": "string", "service_id": "string", "metric": "string"}),
    Table("channel-breakdown", service_channels,
          "Per service, channel and quarter: transactions, waits and trust by channel.",
          (AGENCY, SERVICE, CHANNEL, GRAIN), columns={**ID, "channel": "string", "period": "string"}),
    Table("channel-performance", channel_performance_export,
          "Channels by performance, not volume: per service, period and channel, each standard's result "
          "against its target (gap in percentage points for shares, else in the value's unit; `shortfall` "
          "compares standards of any unit) and each survey driver's agree share with its 95 % interval and "
          "n against all channels together; `worst` marks the row that names the service's worst channel "
          "in the period (the rule is on /methodology); one period length at a time (quarters unless "
          "`grain` says otherwise).",
          (AGENCY, SERVICE, CHANNEL,
           Param("period", "string", "Period label, e.g. `FY2025 Q3` or `FY2025` (with grain=year).",
                 "period"),
           Param("grain", "string", "Period length.", "grain", enum=("quarter", "year"), default="quarter"),
           Param("kind", "string", "Only standards or only survey drivers.", "kind",
                 enum=("standard", "survey"))),
          columns={**ID, "channel": "string", "period": "string", "kind": "string", "measure": "string",
                   "gap": "number", "n": "number"},
          keys=mark_worst),
    Table("quarter-headlines", quarter_headlines,
          "Government-wide headline figures per quarter: standards met, trust agree share with its "
          "interval, services off track.", columns={"period": "string"}),
    Table("movers", movers_export,
          "Agencies and services whose trust, another A-11 driver or share of standards met changed "
          "significantly on the previous quarter (pooled two-proportion z-test, p < 0.05; the same services "
          "or standards in both quarters), with the change's 95 % interval (Newcombe, from Wilson "
          "intervals), p-value and n; each quarter's declines first.",
          (*PLACE, Param("measure", "string", "A driver, e.g. `trust`, or `standards met`.", "measure"),
           Param("level", "string", "Agencies or services.", "level", enum=("agency", "service"))),
          columns={**ID, "measure": "string", "period": "string", "change": "number", "p_value": "number",
                   "n": "number"}),
    Table("service-glance", service_glance,
          "A service at a glance per fiscal quarter: trust, standards met, wait and processing times (in "
          "each metric's display unit: `unit`), cost per transaction, digital take-up, completion rate and "
          "the contact-centre measures, each with its change on the previous quarter and on the same "
          "quarter a year before.", (AGENCY, SERVICE, Param("measure", "string", "A measure, e.g. `trust`.",
                                                            "measure")),
          columns={**ID, "period": "string", "measure": "string", "value": "number", "unit": "string",
                   "n": "number"}),
    Table("answer-distribution", answer_distribution,
          "Each A-11 driver's answers per service and quarter: the share answering 1, 2, 3, 4 and 5 beside "
          "the agree share (missing, with `distribution_reported` false, where the source gave no counts).",
          (AGENCY, SERVICE, DRIVER), columns={**ID, "driver": "string", "period": "string", "n": "number"}),
    # benchmarks and goals
    Table("operational-benchmarks", _operational_benchmarks,
          "Private-sector contact-centre benchmarks (service level, average speed of answer, first-contact "
          "resolution) with their source and a note on how far each compares with an agency's figure.",
          declaration="benchmarks_operational.csv",
          columns={"measure": "string", "value": "number", "url": "string"}),
    Table("benchmarks", acsi_comparison,
          "Each service's satisfaction index beside the ACSI federal, national, industry and department "
          "scores of the same year, and the gaps.", (AGENCY, SERVICE, FISCAL_YEAR),
          columns={"service_id": "string", "n": "number"}),
    Table("acsi-scores", acsi_history,
          "The ACSI scores the benchmarks use (federal government and national), with sources.",
          columns={"series": "string", "score": "number"}),
    Table("goal-status", goal_status,
          "GPRA performance indicators per fiscal year: target, actual and status.", (FISCAL_YEAR,),
          aliases=("goals",),
          columns={"goal": "string", "indicator": "string", "status": "string"}),
    Table("goal-progress", goal_progress,
          "GPRA goals by fiscal year: actual against target and progress from the baseline.", (FISCAL_YEAR,),
          columns={"goal_id": "string", "indicator": "string"}),
    Table("initiative-milestones", _initiative_milestones,
          "Signature initiatives and action plans: milestones, due dates and status.", (SERVICE,),
          columns={"initiative_id": "string", "milestone": "string"}),
    # reporting
    Table("reporting-status", reporting_status_export,
          "A-11 quarterly reporting compliance per service and quarter (published, submitted, not "
          "reported...), kept apart from performance.", PLACE, aliases=("reporting",), columns=ID),
    Table("reporting-history", reporting_history_export,
          "Every move of the quarterly reporting workflow: which service-quarter, when, from which state "
          "to which.", PLACE, columns={**ID, "from_state": "string", "to_state": "string"}),
    # declarations
    Table("metric-definitions", _metric_definitions,
          "The metric catalogue: every metric's definition, unit and direction.",
          declaration="metrics.yaml", columns={"metric": "string", "definition": "string"}),
    Table("survey-questions", _survey_questions,
          "The A-11 Section 280 survey question texts for each driver.", (DRIVER,),
          declaration="driver_patterns.yaml", columns={"driver": "string", "question": "string"}),
    # the warehouse itself
    Table("service-freshness", catalogue.service_freshness,
          "When each agency's and service's figures were last loaded, by kind of data.", (AGENCY, SERVICE),
          columns={**ID, "kind": "string"}),
    Table("loads", loads,
          "Every file loaded into the warehouse: when, how many rows were read, loaded and rejected.",
          columns={"load_id": "integer", "file_name": "string", "status": "string"}, staff_only=True),
    Table("rejects", rejects, "Rows refused at load time, with the row number, field, value and reason.",
          columns={"load_id": "integer", "field": "string", "reason": "string"}, staff_only=True),
    Table("findings", findings,
          "Data-quality findings: loaded figures that look wrong and were flagged, never fixed.", PLACE,
          columns={"load_id": "integer", "kind_of_finding": "string"}, staff_only=True),
    Table("alerts", alerts_export,
          "Alerts raised by the rules of data/alerts.yaml after each load and workflow move (a standard off "
          "track, for N quarters; a significant drop in trust or a driver; a report past its deadline; a "
          "load with rejects): the rule, severity, the sentence with its figures, when first and last "
          "seen and when resolved. The public sees only standard breaches in published quarters; an "
          "agency manager their agency's.",
          (AGENCY, Param("status", "string", "open or resolved.", "status", enum=STATUSES),
           Param("severity", "string", "high, medium or low.", "severity", enum=("high", "medium", "low"))),
          columns={"alert_id": "integer", "rule_id": "string", "status": "string", "message": "string",
                   "agency_id": "string"}),
)
TABLES: dict[str, Table] = {t.name: t for t in TABLE_LIST}
_BY_ANY_NAME: dict[str, Table] = {n: t for t in TABLE_LIST for n in (t.name, *t.aliases)}
if len(_BY_ANY_NAME) != sum(1 + len(t.aliases) for t in TABLE_LIST):
    raise RuntimeError("metrics.registry: a table name or alias is declared twice")


def table(name: str) -> Table:
    """The table registered as `name` or under a former name (KeyError for neither)."""
    return _BY_ANY_NAME[name]


def names_and_aliases() -> list[str]:
    """Every name a table answers to, sorted."""
    return sorted(_BY_ANY_NAME)


def available() -> dict[str, Builder]:
    """Each registered name with a function giving its whole table for the current viewer."""
    return {name: t.frame for name, t in TABLES.items()}


def open_tables(viewer: Viewer | None = None) -> dict[str, Table]:
    """The registered tables `viewer` (default: the current one) may have: what every surface lists."""
    return {name: t for name, t in TABLES.items() if t.open_to(viewer)}


def open_names(viewer: Viewer | None = None) -> list[str]:
    """Every name (and former name) of the tables `viewer` may have, sorted."""
    return sorted(n for t in open_tables(viewer).values() for n in (t.name, *t.aliases))


# --- the /data page's list -------------------------------------------------------------------------------


@cached  # one query of `loads`: the page lists the tables without building any of them
def download_catalogue(db: Db = None) -> pd.DataFrame:
    """Every registered table the viewer may have: name, description, when its data last changed, and
    whether they include the generated demonstration data.

    No table is built to list it: building them all to count their rows took seconds on the demo
    warehouse, for a figure a reader of a data catalogue does not come for. A declaration
    (metric definitions, standards, ...) is updated when its file was; any other table when the newest
    load the viewer sees landed (when the site's data last changed), and it is synthetic when any of
    the loads the viewer sees is.
    """
    newest = reader(db).df("SELECT max(finished_at) AS t, bool_or(synthetic) AS s FROM loads"
                           " WHERE status <> 'refused'").iloc[0]
    loaded = pd.Timestamp(newest["t"]) if pd.notna(newest["t"]) else pd.NaT
    synthetic = bool(newest["s"]) if pd.notna(newest["s"]) else False
    rows = []
    for name, entry in sorted(open_tables().items()):
        if entry.declaration is not None:
            updated = pd.Timestamp(data_file(entry.declaration, DATA_DIR).stat().st_mtime, unit="s")
            rows.append({"name": name, "description": entry.description, "last_updated": updated,
                         "synthetic": False})
        else:
            rows.append({"name": name, "description": entry.description, "last_updated": loaded,
                         "synthetic": synthetic})
    return pd.DataFrame(rows, columns=["name", "description", "last_updated", "synthetic"])
