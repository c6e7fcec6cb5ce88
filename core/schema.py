"""The warehouse schema: one declaration that creates the tables and documents them.

Every table is listed once here with a description per column; `docs/schema.md` is generated
from it (`servicestat schema --markdown`) and a test checks that the two agree, as pudl does.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    doc: str
    constraint: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    extra: str = ""  # table constraints such as a composite primary key
    # Stored as Parquet files beside the DuckDB file and listed in `event_files` (core.event_files),
    # not as a table of the file: readers and writers see it as a view or a working table.
    in_parquet: bool = False

    def ddl(self) -> str:
        parts = [f"{c.name} {c.type} {c.constraint}".rstrip() for c in self.columns]
        if self.extra:
            parts.append(self.extra)
        body = ",\n  ".join(parts)
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  {body}\n)"

    def upgrade_ddl(self, existing: set[str]) -> list[str]:
        """Statements that add the columns declared since a warehouse was created (`existing`: the
        table's columns now). Additive changes only; constraints are not retrofitted."""
        return [f"ALTER TABLE {self.name} ADD COLUMN {c.name} {c.type}" for c in self.columns
                if c.name not in existing]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


C = Column

TABLES: tuple[Table, ...] = (
    Table(
        "agencies",
        "Service providers: a department and the bureau that delivers the services.",
        (
            C("agency_id", "VARCHAR", "Stable slug, department-bureau (e.g. `dos-ca`).", "PRIMARY KEY"),
            C("department", "VARCHAR", "Cabinet department or independent agency.", "NOT NULL"),
            C("department_abbreviation", "VARCHAR", "Department abbreviation (e.g. `DOS`)."),
            C("bureau", "VARCHAR", "Bureau or service provider (e.g. Bureau of Consular Affairs)."),
            C("bureau_abbreviation", "VARCHAR", "Bureau abbreviation (e.g. `CA`)."),
        ),
    ),
    Table(
        "providers",
        "A-11 service providers (the HISPs): agency -> provider -> service -> channel. From "
        "data/providers.csv.",
        (
            C("provider_id", "VARCHAR", "Stable slug (e.g. `doc-uspto`).", "PRIMARY KEY"),
            C("agency_id", "VARCHAR", "The agency the provider belongs to (`agencies.agency_id`).",
              "NOT NULL"),
            C("name", "VARCHAR", "Provider name as declared.", "NOT NULL"),
            C("aliases", "VARCHAR", "Other names files use for the provider, separated by vertical bars."),
        ),
    ),
    Table(
        "service_aliases",
        "Other names and slugs files use for a declared service (renamings, A-11 service names), from "
        "data/service_aliases.csv; loads map them to the declared id.",
        (
            C("alias", "VARCHAR", "The name or slug as written in files.", "PRIMARY KEY"),
            C("service_id", "VARCHAR", "The declared service it stands for.", "NOT NULL"),
            C("note", "VARCHAR", "Where the alias comes from."),
        ),
    ),
    Table(
        "services",
        "Public-facing services whose standards and surveys are tracked.",
        (
            C("service_id", "VARCHAR", "Stable slug (e.g. `dos-ca`); what files name.", "PRIMARY KEY"),
            C("agency_id", "VARCHAR", "Owning agency (`agencies.agency_id`).", "NOT NULL"),
            C("name", "VARCHAR", "Service name as the agency publishes it.", "NOT NULL"),
            C("is_hisp", "BOOLEAN", "A High Impact Service Provider service under A-11 Section 280."),
            C("url", "VARCHAR", "Public web address of the service, when known."),
            C("provider_id", "VARCHAR", "The A-11 service provider (`providers.provider_id`); NULL when an "
              "undeclared service was added by a load without a known provider."),
            C("successor_of", "VARCHAR", "The earlier service this one continues (renamed or split), when "
              "declared."),
        ),
    ),
    Table(
        "channels",
        "Canonical channels (EO 13571: online, phone, in person, mail; plus email and mixed).",
        (
            C("channel", "VARCHAR", "Canonical key: online, phone, in-person, mail, email, mixed.",
              "PRIMARY KEY"),
            C("label", "VARCHAR", "Display label.", "NOT NULL"),
        ),
    ),
    Table(
        "channel_aliases",
        "Raw channel labels seen in agency files and the canonical channel each maps to.",
        (
            C("raw_label", "VARCHAR", "Normalised raw label (lower case, `-`/`_` as space).",
              "PRIMARY KEY"),
            C("channel", "VARCHAR", "Canonical channel.", "NOT NULL"),
        ),
    ),
    Table(
        "fiscal_calendar",
        "One row per day: the federal fiscal calendar (FY starts 1 October; FY2021 Q1 = Oct-Dec 2020).",
        (
            C("date", "DATE", "Calendar day.", "PRIMARY KEY"),
            C("fiscal_year", "INTEGER", "Federal fiscal year (the year in which it ends).", "NOT NULL"),
            C("fiscal_quarter", "INTEGER", "Fiscal quarter 1-4.", "NOT NULL"),
            C("fiscal_month", "INTEGER", "Month of the fiscal year, 1 = October.", "NOT NULL"),
            C("month_start", "DATE", "First day of the calendar month.", "NOT NULL"),
            C("quarter_start", "DATE", "First day of the fiscal quarter.", "NOT NULL"),
            C("fiscal_year_start", "DATE", "1 October that opens the fiscal year.", "NOT NULL"),
        ),
    ),
    Table(
        "service_events",
        "One row per transaction (a call, a visit, an application). Stored as Parquet files beside "
        "the warehouse file, partitioned by agency and month, and listed in `event_files`; readers "
        "see it as a view of those files.",
        (
            C("load_id", "BIGINT", "The load that wrote the row (`loads.load_id`).", "NOT NULL"),
            C("event_id", "VARCHAR", "The agency's own transaction id, when given; unique per service."),
            C("service_id", "VARCHAR", "Service (`services.service_id`).", "NOT NULL"),
            C("channel", "VARCHAR", "Canonical channel.", "NOT NULL"),
            C("channel_raw", "VARCHAR", "Channel label as written in the file."),
            C("office", "VARCHAR", "Office, location or queue, when given."),
            C("received_at", "TIMESTAMP", "When the request was received (local time as sent).",
              "NOT NULL"),
            C("completed_at", "TIMESTAMP", "When it was completed; NULL while pending."),
            C("wait_minutes", "DOUBLE", "Time waited before service (queue or hold), in minutes."),
            C("processing_minutes", "DOUBLE", "completed_at - received_at, in minutes."),
            C("outcome", "VARCHAR", "completed, resolved_first_contact, transferred, abandoned, "
              "pending, withdrawn or denied."),
        ),
        in_parquet=True,
    ),
    Table(
        "metric_observations",
        "Operational metrics an agency reports per period (long form).",
        (
            C("load_id", "BIGINT", "The load that wrote the row.", "NOT NULL"),
            C("service_id", "VARCHAR", "Service.", "NOT NULL"),
            C("channel", "VARCHAR", "Canonical channel; NULL when the figure covers all channels."),
            C("channel_raw", "VARCHAR", "Channel label as written in the file."),
            C("period_grain", "VARCHAR", "day, month, quarter (fiscal) or year (fiscal).", "NOT NULL"),
            C("period_start", "DATE", "First day of the period.", "NOT NULL"),
            C("period_end", "DATE", "Last day of the period.", "NOT NULL"),
            C("metric", "VARCHAR", "Metric key (see `data/metrics.yaml`).", "NOT NULL"),
            C("value", "DOUBLE", "Value in the canonical unit.", "NOT NULL"),
            C("unit", "VARCHAR", "Canonical unit: minutes, business_days, share, count, usd, index.",
              "NOT NULL"),
            C("unit_raw", "VARCHAR", "Unit as written in the file."),
            C("n", "BIGINT", "Observations behind the value (transactions, calls), when known."),
        ),
    ),
    Table(
        "survey_results",
        "Post-transaction survey answers per question (A-11 Section 280), one row per question.",
        (
            C("load_id", "BIGINT", "The load that wrote the row.", "NOT NULL"),
            C("service_id", "VARCHAR", "Service.", "NOT NULL"),
            C("channel", "VARCHAR", "Canonical channel; NULL when the file left it blank."),
            C("channel_raw", "VARCHAR", "Channel label as written in the file."),
            C("touchpoint", "VARCHAR", "Where the survey was offered (transaction point).", "NOT NULL"),
            C("fiscal_year", "INTEGER", "Federal fiscal year.", "NOT NULL"),
            C("quarter", "INTEGER", "Fiscal quarter 1-4.", "NOT NULL"),
            C("question_number", "INTEGER", "Position in the form (1-11), when the source has one."),
            C("question_text", "VARCHAR", "Exact question text.", "NOT NULL"),
            C("driver", "VARCHAR", "A-11 driver: satisfaction, trust, effectiveness, ease, efficiency, "
              "equity, employee, or other.", "NOT NULL"),
            C("count_1", "BIGINT", "Answers 1 (strongly disagree)."),
            C("count_2", "BIGINT", "Answers 2."),
            C("count_3", "BIGINT", "Answers 3."),
            C("count_4", "BIGINT", "Answers 4."),
            C("count_5", "BIGINT", "Answers 5 (strongly agree)."),
            C("n", "BIGINT", "Valid answers = count_1 + ... + count_5.", "NOT NULL"),
            C("agree", "BIGINT", "Answers 4 or 5 (top-2 box).", "NOT NULL"),
            C("published_mean", "DOUBLE", "Mean on 1-5 as the agency published it (`point_scale`); the only "
              "figure of a mean-only row (2020 HISP files: counts NULL, n = 0)."),
            C("volume_served", "BIGINT", "Customers served in the quarter at this touchpoint."),
            C("volume_offered", "BIGINT", "Customers offered the survey."),
            C("volume_responded", "BIGINT", "Customers who responded."),
        ),
    ),
    Table(
        "loads",
        "Bookkeeping: one row per file ingest attempt, loaded or refused.",
        (
            C("load_id", "BIGINT", "Load number, increasing.", "PRIMARY KEY"),
            C("file_name", "VARCHAR", "File name as given.", "NOT NULL"),
            C("sha256", "VARCHAR", "SHA-256 of the file's bytes; the same file is loaded once.",
              "NOT NULL"),
            C("kind", "VARCHAR", "service-events, metric-observations, survey-results, ..."),
            C("rows_read", "BIGINT", "Data rows in the file.", "NOT NULL"),
            C("rows_loaded", "BIGINT", "Rows written to the fact table.", "NOT NULL"),
            C("rows_rejected", "BIGINT", "Rows quarantined in `rejects`.", "NOT NULL"),
            C("rows_replaced", "BIGINT", "Earlier rows this load replaced (same service and period).",
              "NOT NULL"),
            C("started_at", "TIMESTAMP", "When the load started (UTC).", "NOT NULL"),
            C("finished_at", "TIMESTAMP", "When it was committed (UTC).", "NOT NULL"),
            C("status", "VARCHAR", "loaded, loaded_with_rejects, or refused (nothing written).",
              "NOT NULL"),
            C("synthetic", "BOOLEAN", "True for the generated demo data.", "NOT NULL"),
            C("message", "VARCHAR", "Why a file was refused, or warnings."),
            C("submitted_for", "VARCHAR", "The agency a file was sent for, with its token or by its "
              "signed-in manager (API, /submit); NULL from the command line."),
        ),
    ),
    Table(
        "rejects",
        "Quarantine: every problem found in a file, with the row kept as it was.",
        (
            C("load_id", "BIGINT", "The load (`loads.load_id`).", "NOT NULL"),
            C("row_number", "BIGINT", "Data row, 1 = first row after the header; NULL for the file."),
            C("field", "VARCHAR", "Column the problem is in; NULL for the whole row or file."),
            C("value", "VARCHAR", "The offending value as written."),
            C("reason", "VARCHAR", "Plain-language reason.", "NOT NULL"),
            C("raw_row", "VARCHAR", "The whole row as JSON, so nothing is lost."),
        ),
    ),
    Table(
        "load_warnings",
        "Things worth a look that did not stop a row loading (unknown columns, counts that do not add up).",
        (
            C("load_id", "BIGINT", "The load (`loads.load_id`).", "NOT NULL"),
            C("row_number", "BIGINT", "Data row, 1 = first row after the header; NULL for the file."),
            C("field", "VARCHAR", "Column concerned, when there is one."),
            C("value", "VARCHAR", "The value as written."),
            C("message", "VARCHAR", "Plain-language warning.", "NOT NULL"),
        ),
    ),
    Table(
        "warehouse_info",
        "Key-value facts about the warehouse itself (schema version).",
        (
            C("key", "VARCHAR", "Name.", "PRIMARY KEY"),
            C("value", "VARCHAR", "Value."),
        ),
    ),
    Table(
        "survey_mentions",
        "A-11 v2 survey (fall 2023 on) per service, channel, touchpoint and fiscal quarter: the trust "
        "question and each driver picked under 'what went well' / 'what did not go well'.",
        (
            C("load_id", "BIGINT", "The load that wrote the row.", "NOT NULL"),
            C("service_id", "VARCHAR", "Service.", "NOT NULL"),
            C("channel", "VARCHAR", "Canonical channel; NULL when the file left it blank."),
            C("channel_raw", "VARCHAR", "Channel label(s) as written in the file."),
            C("touchpoint", "VARCHAR", "Where the survey was offered; `all` when not given.", "NOT NULL"),
            C("fiscal_year", "INTEGER", "Federal fiscal year.", "NOT NULL"),
            C("quarter", "INTEGER", "Fiscal quarter 1-4.", "NOT NULL"),
            C("item", "VARCHAR", "`trust`, or a v2 driver: effectiveness, ease, efficiency, transparency, "
              "humanity, employee, other.", "NOT NULL"),
            C("respondents", "BIGINT", "Respondent rows in the group.", "NOT NULL"),
            C("answered", "BIGINT", "trust: respondents who answered it; a driver: respondents it was "
              "offered to (1 or 0, not blank).", "NOT NULL"),
            C("positive", "BIGINT", "trust: thumbs up (or 4-5 on the 1-5 variant); a driver: picked as "
              "going well.", "NOT NULL"),
            C("negative", "BIGINT", "trust: thumbs down (or 1-2); a driver: picked as not going well.",
              "NOT NULL"),
        ),
    ),
    Table(
        "survey_volumes",
        "Survey response volumes per service and fiscal quarter as the 2020 performance.gov HISP files "
        "publish them (`hisp-quarterly-data`).",
        (
            C("load_id", "BIGINT", "The load that wrote the row.", "NOT NULL"),
            C("service_id", "VARCHAR", "Service.", "NOT NULL"),
            C("fiscal_year", "INTEGER", "Federal fiscal year.", "NOT NULL"),
            C("quarter", "INTEGER", "Fiscal quarter 1-4.", "NOT NULL"),
            C("universe", "BIGINT", "Customers served in the quarter (`universe`)."),
            C("surveyed", "BIGINT", "Customers offered the survey."),
            C("respondents", "BIGINT", "Customers who responded."),
            C("response_rate", "DOUBLE", "Response rate as published, a share 0-1 (`17%` is 0.17)."),
        ),
    ),
    Table(
        "gpra_indicators",
        "GPRA Annual Performance Report indicators: target and actual per indicator and fiscal year.",
        (
            C("load_id", "BIGINT", "The load that wrote the row.", "NOT NULL"),
            C("agency", "VARCHAR", "Reporting agency, when the file names it."),
            C("goal", "VARCHAR", "Strategic goal, whitespace cleaned.", "NOT NULL"),
            C("strategic_objective", "VARCHAR", "Strategic objective, whitespace cleaned."),
            C("indicator", "VARCHAR", "Key performance indicator (KPI), whitespace cleaned.", "NOT NULL"),
            C("fiscal_year", "INTEGER", "Federal fiscal year.", "NOT NULL"),
            C("target", "DOUBLE", "Target; NULL when none was set."),
            C("actual", "DOUBLE", "Actual; NULL means no data yet."),
            C("min_target", "DOUBLE", "Lower bound for `range` indicators."),
            C("max_target", "DOUBLE", "Upper bound for `range` indicators."),
            C("unit", "VARCHAR", "Unit as written (Percentage, 10 point scale, Cumulative Total)."),
            C("direction", "VARCHAR", "increase, decrease, range (between min and max), or NULL: no rule."),
            C("direction_raw", "VARCHAR", "Desired Direction as written."),
            C("description", "VARCHAR", "What the indicator measures, when given."),
            C("notes", "VARCHAR", "The agency's notes, when given."),
        ),
    ),
    Table(
        "benchmarks",
        "Published customer-satisfaction benchmarks (ACSI) from data/benchmarks_acsi.csv, each with its "
        "source.",
        (
            C("series", "VARCHAR", "federal_government_aggregate, national_acsi, federal_driver, "
              "federal_channel, department, agency_service or private_industry.", "NOT NULL"),
            C("entity", "VARCHAR", "Who is scored (Federal Government, a department, an industry).",
              "NOT NULL"),
            C("segment", "VARCHAR", "Driver, channel or customer segment, when the figure is for one."),
            C("year", "INTEGER", "Year of the study (ACSI's own year, not the fiscal year).", "NOT NULL"),
            C("period", "VARCHAR", "annual, or the quarter (Q3) of a national figure.", "NOT NULL"),
            C("score", "DOUBLE", "Score on ACSI's 0-100 scale.", "NOT NULL"),
            C("value_type", "VARCHAR", "published, or derived (back-computed from a published change).",
              "NOT NULL"),
            C("source_url", "VARCHAR", "Where the figure is published.", "NOT NULL"),
            C("source_note", "VARCHAR", "How the figure was read or derived."),
        ),
    ),
    Table(
        "service_daily",
        "Rollup of `service_events` per day x service x channel (built by ingest/rollup.py after each "
        "service-events load), so dashboards never scan raw events. An event belongs to the day received.",
        (
            C("day", "DATE", "Day the events were received.", "NOT NULL"),
            C("service_id", "VARCHAR", "Service.", "NOT NULL"),
            C("channel", "VARCHAR", "Canonical channel.", "NOT NULL"),
            C("events", "BIGINT", "Events received.", "NOT NULL"),
            C("completed", "BIGINT", "Events with a completion time.", "NOT NULL"),
            C("pending", "BIGINT", "Events still open (no completion time, outcome pending or blank).",
              "NOT NULL"),
            C("abandoned", "BIGINT", "Events with outcome abandoned.", "NOT NULL"),
            C("resolved_first_contact", "BIGINT", "Events with outcome resolved_first_contact.", "NOT NULL"),
            C("n_wait", "BIGINT", "Events with a wait time.", "NOT NULL"),
            C("wait_median", "DOUBLE", "Median wait in minutes (exact, quantile_cont)."),
            C("wait_p90", "DOUBLE", "90th percentile wait in minutes (exact, quantile_cont)."),
            C("n_processing", "BIGINT", "Events with a processing time.", "NOT NULL"),
            C("processing_median", "DOUBLE", "Median processing time in minutes (exact)."),
            C("processing_p90", "DOUBLE", "90th percentile processing time in minutes (exact)."),
            C("load_ids", "BIGINT[]", "Loads whose events fed the row (`loads.load_id`): freshness and the "
              "synthetic flag."),
        ),
        "PRIMARY KEY (day, service_id, channel)",
    ),
    Table(
        "service_daily_standard",
        "Per day x service x channel, for each standard version in force that day (data/standards.yaml): "
        "events judged against its threshold and events within it. Additive over days and channels.",
        (
            C("day", "DATE", "Day received.", "NOT NULL"),
            C("service_id", "VARCHAR", "Service.", "NOT NULL"),
            C("channel", "VARCHAR", "Canonical channel.", "NOT NULL"),
            C("standard_id", "VARCHAR", "Standard (`id` in data/standards.yaml).", "NOT NULL"),
            C("version_from", "DATE", "`effective_from` of the version applied.", "NOT NULL"),
            C("threshold_minutes", "DOUBLE", "The version's threshold in minutes.", "NOT NULL"),
            C("measure", "VARCHAR", "Event duration judged: wait_minutes or processing_minutes.", "NOT NULL"),
            C("n", "BIGINT", "Events judged (with the duration; for processing also open events already "
              "older than the threshold).", "NOT NULL"),
            C("within", "BIGINT", "Events within the threshold (ties count as within; abandoned never).",
              "NOT NULL"),
        ),
    ),
    Table(
        "service_period",
        "Rollup of `service_events` per calendar month, fiscal quarter and fiscal year x service x channel "
        "(channel `all` = the service as a whole). Quantiles are recomputed from the period's events at "
        "refresh time, since medians of days do not combine.",
        (
            C("grain", "VARCHAR", "month, quarter (fiscal) or year (fiscal).", "NOT NULL"),
            C("period_start", "DATE", "First day of the period.", "NOT NULL"),
            C("period_end", "DATE", "Last day of the period.", "NOT NULL"),
            C("service_id", "VARCHAR", "Service.", "NOT NULL"),
            C("channel", "VARCHAR", "Canonical channel, or `all`.", "NOT NULL"),
            C("first_day", "DATE", "First day with events in the period.", "NOT NULL"),
            C("last_day", "DATE", "Last day with events in the period.", "NOT NULL"),
            C("events", "BIGINT", "Events received.", "NOT NULL"),
            C("completed", "BIGINT", "Events with a completion time.", "NOT NULL"),
            C("pending", "BIGINT", "Events still open.", "NOT NULL"),
            C("abandoned", "BIGINT", "Events with outcome abandoned.", "NOT NULL"),
            C("resolved_first_contact", "BIGINT", "Events with outcome resolved_first_contact.", "NOT NULL"),
            C("n_wait", "BIGINT", "Events with a wait time.", "NOT NULL"),
            C("wait_median", "DOUBLE", "Median wait in minutes (exact)."),
            C("wait_p90", "DOUBLE", "90th percentile wait in minutes (exact)."),
            C("n_processing", "BIGINT", "Events with a processing time.", "NOT NULL"),
            C("processing_median", "DOUBLE", "Median processing time in minutes (exact)."),
            C("processing_p90", "DOUBLE", "90th percentile processing time in minutes (exact)."),
            C("load_ids", "BIGINT[]", "Loads whose events fed the row."),
        ),
        "PRIMARY KEY (grain, period_start, service_id, channel)",
    ),
    Table(
        "service_period_standard",
        "Per period x service x channel (`all` for service-wide standards): events judged against the "
        "standard version that judges the period (in force on its last day) and events within it.",
        (
            C("grain", "VARCHAR", "month, quarter (fiscal) or year (fiscal).", "NOT NULL"),
            C("period_start", "DATE", "First day of the period.", "NOT NULL"),
            C("service_id", "VARCHAR", "Service.", "NOT NULL"),
            C("channel", "VARCHAR", "The standard's channel, or `all`.", "NOT NULL"),
            C("standard_id", "VARCHAR", "Standard (`id` in data/standards.yaml).", "NOT NULL"),
            C("version_from", "DATE", "`effective_from` of the version that judges the period.", "NOT NULL"),
            C("threshold_minutes", "DOUBLE", "That version's threshold in minutes.", "NOT NULL"),
            C("measure", "VARCHAR", "wait_minutes or processing_minutes.", "NOT NULL"),
            C("n", "BIGINT", "Events judged.", "NOT NULL"),
            C("within", "BIGINT", "Events within the threshold.", "NOT NULL"),
        ),
    ),
    Table(
        "reporting_state",
        "A-11 quarterly reporting workflow: the current state of each service x fiscal quarter (written "
        "only by ingest/workflow.py). A service-quarter's figures are public only while it is `published`.",
        (
            C("service_id", "VARCHAR", "Service.", "NOT NULL"),
            C("fiscal_year", "INTEGER", "Federal fiscal year.", "NOT NULL"),
            C("quarter", "INTEGER", "Fiscal quarter 1-4.", "NOT NULL"),
            C("state", "VARCHAR", "draft, submitted, published, change_requested or not_reported "
              "(data/publication.yaml `workflow`).", "NOT NULL"),
            C("updated_at", "TIMESTAMP", "When the state was last changed (UTC).", "NOT NULL"),
            C("updated_by", "VARCHAR", "Who changed it last.", "NOT NULL"),
            C("reason", "VARCHAR", "Why, as given with the last change (free text; not public)."),
        ),
        "PRIMARY KEY (service_id, fiscal_year, quarter)",
    ),
    Table(
        "reporting_history",
        "Append-only log of every reporting workflow move: who moved which service-quarter, when and why.",
        (
            C("seq", "BIGINT", "Move number, increasing.", "PRIMARY KEY"),
            C("service_id", "VARCHAR", "Service.", "NOT NULL"),
            C("fiscal_year", "INTEGER", "Federal fiscal year.", "NOT NULL"),
            C("quarter", "INTEGER", "Fiscal quarter 1-4.", "NOT NULL"),
            C("from_state", "VARCHAR", "State before the move; NULL for the first one."),
            C("to_state", "VARCHAR", "State after the move.", "NOT NULL"),
            C("moved_at", "TIMESTAMP", "When (UTC).", "NOT NULL"),
            C("moved_by", "VARCHAR", "Who.", "NOT NULL"),
            C("reason", "VARCHAR", "Why (free text; not public)."),
        ),
    ),
    Table(
        "alerts",
        "Alerts raised by the rules of data/alerts.yaml (written only by ingest/alerts_store.py after each "
        "load and workflow move): one row per occurrence of a condition, kept when it no longer holds.",
        (
            C("alert_id", "BIGINT", "Alert number, increasing.", "PRIMARY KEY"),
            C("rule_id", "VARCHAR", "The rule (`id` in data/alerts.yaml).", "NOT NULL"),
            C("kind", "VARCHAR", "standard_off_track, survey_drop, report_overdue or load_rejects.",
              "NOT NULL"),
            C("severity", "VARCHAR", "high, medium or low, as the rule declares.", "NOT NULL"),
            C("subject", "VARCHAR", "What the condition is about (standard and run start, service and "
              "quarter, load); with `rule_id` it identifies an open alert.", "NOT NULL"),
            C("agency_id", "VARCHAR", "The agency concerned; NULL when no one agency is (OMB only)."),
            C("service_id", "VARCHAR", "The service concerned, when there is one."),
            C("fiscal_year", "INTEGER", "Fiscal year of the latest period the alert describes."),
            C("quarter", "INTEGER", "Fiscal quarter 1-4 of that period."),
            C("load_id", "BIGINT", "The load concerned (load alerts)."),
            C("message", "VARCHAR", "The rule's text filled in with the figures at the last evaluation.",
              "NOT NULL"),
            C("audience", "VARCHAR", "Who sees it: `everyone` (a public rule, and the public's own figures - "
              "published, suppressed - tell it alike), `staff` (OMB and the agency) or `public` (the "
              "public's telling of a condition staff see told from figures not yet published).", "NOT NULL"),
            C("first_seen", "TIMESTAMP", "When the condition was first found (UTC).", "NOT NULL"),
            C("last_seen", "TIMESTAMP", "When it was last found holding (UTC).", "NOT NULL"),
            C("resolved_at", "TIMESTAMP", "When it was first found no longer holding (UTC); NULL while "
              "open."),
            C("sent_to", "VARCHAR[]", "Addresses the alert was e-mailed to (`servicestat alerts send`)."),
            C("sent_at", "TIMESTAMP", "When it was last e-mailed (UTC)."),
        ),
    ),
    Table(
        "event_files",
        "The manifest of `service_events`: the Parquet files that hold the events now (one or more per "
        "agency and month), one row per file and service. A file not listed is not part of the "
        "warehouse (core/event_files.py).",
        (
            C("agency_id", "VARCHAR", "Partition: the agency of the events' services.", "NOT NULL"),
            C("month", "VARCHAR", "Partition: the calendar month received, `YYYY-MM`.", "NOT NULL"),
            C("path", "VARCHAR", "The file, relative to the `<warehouse>.events/` folder.", "NOT NULL"),
            C("service_id", "VARCHAR", "A service with events in the file.", "NOT NULL"),
            C("load_id", "BIGINT", "The load that wrote the file (`loads.load_id`).", "NOT NULL"),
            C("rows", "BIGINT", "The service's events in the file.", "NOT NULL"),
            C("last_seen", "TIMESTAMP", "The service's latest received or completed time in the file: "
              "a load finds a service's latest timestamp without reading its other files.", "NOT NULL"),
            C("first_received", "TIMESTAMP", "The service's earliest received time in the file: with "
              "`last_received`, the days the file holds, so a load rewrites only files holding days it "
              "replaces (filled from the file by the next write when missing)."),
            C("last_received", "TIMESTAMP", "The service's latest received time in the file (filled "
              "from the file by the next write when missing)."),
        ),
        "PRIMARY KEY (path, service_id)",
    ),
    Table(
        "event_files_retired",
        "Files taken out of `event_files` by a later load, kept for a grace period so that a reader "
        "still on the older warehouse can finish, then deleted by the next writer.",
        (
            C("path", "VARCHAR", "The file, relative to the `<warehouse>.events/` folder.", "PRIMARY KEY"),
            C("retired_at", "TIMESTAMP", "When the load that replaced it was written (UTC).", "NOT NULL"),
        ),
    ),
)

TABLES_BY_NAME = {t.name: t for t in TABLES}

# Fact tables, the columns that identify "the same service and period" for replacement, and
# the key that must be unique inside one file.
FACT_TABLES = ("service_events", "metric_observations", "survey_results", "survey_mentions",
               "survey_volumes", "gpra_indicators")


def markdown() -> str:
    """Render the schema as Markdown for docs/schema.md."""
    out = [
        "# Warehouse schema",
        "",
        "Generated from `ingest/schema.py` by `servicestat schema --markdown`; do not edit by hand.",
        "",
    ]
    for t in TABLES:
        out += [f"## `{t.name}`", "", t.doc, "", "| column | type | meaning |", "|---|---|---|"]
        out += [f"| `{c.name}` | {c.type} | {c.doc} |" for c in t.columns]
        out.append("")
    return "\n".join(out)
