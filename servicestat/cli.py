"""The `servicestat` command: one entry point that hands each job to the room that owns it.

ingest/ writes, metrics/ reads, dashboard/ draws; this module only parses arguments and prints.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from core.paths import DATA_DIR, db_path
from servicestat.account_commands import add_parsers as add_account_parsers
from servicestat.alert_commands import add_parsers as add_alert_parsers
from servicestat.alert_commands import refresh_after
from servicestat.output import console
from servicestat.publishing_commands import _publish_public_record, cmd_archive, cmd_demo, cmd_report
from servicestat.serving import serve as _serve


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="PATH", help="warehouse file (default: data/servicestat.duckdb,"
                   " or $SERVICESTAT_DB)")


def cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.loader import load

    results = load(args.paths, db=args.db, kind=args.kind, all_or_nothing=args.all_or_nothing,
                   show_progress=not args.no_progress)
    table = Table(title=f"Ingest into {db_path(args.db)}")
    for col in ("file", "kind", "status", "read", "loaded", "rejected", "replaced"):
        table.add_column(col, justify="right" if col in ("read", "loaded", "rejected", "replaced")
                         else "left")
    for r in results:
        status = r.status if r.status != "duplicate" else f"already loaded (load {r.duplicate_of})"
        table.add_row(r.file_name, r.kind or "-", status, str(r.rows_read), str(r.rows_loaded),
                      str(r.rows_rejected), str(r.rows_replaced))
    console.print(table)
    for r in results:
        for w in r.warnings:
            console.print(f"[yellow]warning[/]: {r.file_name}: {w}")
        for p in r.problems[: args.show]:
            console.print(f"[red]error[/]: {p.describe(r.file_name)}", highlight=False)
        hidden = r.rows_rejected and len(r.problems) > args.show
        if hidden or (r.problems and r.rows_rejected > len(r.problems)):
            console.print(f"  … see all with: servicestat export rejects --db {db_path(args.db)}")
    rc = 0 if all(r.ok for r in results) else 1
    if args.published_source is not None:
        rc = max(rc, _publish_public_record(args, results))
    if any(r.status != "duplicate" for r in results):
        refresh_after(args.db)  # the alert rules, on what the load changed
    return rc


def cmd_init(args: argparse.Namespace) -> int:
    from ingest.warehouse import initialise

    path = initialise(db_path(args.db))
    console.print(f"warehouse ready at {path}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from core.schema import markdown

    sys.stdout.write(markdown() + "\n")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """A registered table (`metrics.registry`): the same rows as its download and its API address."""
    from metrics.exports import write
    from metrics.registry import TABLES, names_and_aliases, table

    if args.name not in names_and_aliases():
        console.print(f"[red]error[/]: unknown export {args.name!r}; choose from "
                      + ", ".join(sorted(TABLES)))
        return 2
    frame = table(args.name).frame(args.db)
    text = write(frame, args.format, args.out)
    if text is not None:
        sys.stdout.write(text)
    else:
        console.print(f"wrote {len(frame)} rows to {args.out}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Declarations first (every problem, with file and line), then data-quality findings."""
    from core.declarations import check_declarations

    problems = check_declarations(DATA_DIR)
    for p in problems:
        # One line each (no wrapping), and the message as written: a pattern's `[...]` is not markup.
        console.print(f"[red]error[/]: {escape(str(p))}", highlight=False, soft_wrap=True)
    path = db_path(args.db)
    if path.exists():
        from metrics.directory import undeclared_lines, undeclared_services
        from metrics.quality import check_lines, findings

        found = findings(path)
        # Problems first, one per line; item non-response (information) summed up in one line.
        for line in [*undeclared_lines(undeclared_services(path, DATA_DIR)), *check_lines(found, args.show)]:
            console.print(escape(line), highlight=False, soft_wrap=True)
        if len(found) > args.show:
            console.print(f"  … all of them: servicestat export findings --db {path}", highlight=False)
    if problems:
        console.print(f"{len(problems)} problem(s) in the declarations under {DATA_DIR}", highlight=False,
                      soft_wrap=True)
        return 1
    console.print(f"declarations under {DATA_DIR}: no problems", highlight=False, soft_wrap=True)
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    from ingest.snapshot import SnapshotError, snapshot

    try:
        out = snapshot(db_path(args.db), args.out)
    except SnapshotError as exc:
        console.print(f"[red]error[/]: {exc}", highlight=False)
        return 2
    console.print(f"snapshot of {db_path(args.db)} written to {out}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from ingest.snapshot import SnapshotError, restore

    try:
        restore(args.snapshot_dir, db_path(args.db))
    except SnapshotError as exc:
        console.print(f"[red]error[/]: {exc}", highlight=False)
        return 2
    console.print(f"restored {db_path(args.db)} from {args.snapshot_dir}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    return _serve(Path(db_path(args.db)), args.host, args.port, args.workers, dev=False, public=args.public)


def cmd_rollup(args: argparse.Namespace) -> int:
    from core.yamlio import DeclarationError
    from ingest.ibis_rollup import RollupError, run

    try:
        r = run(args.events, db_path(args.db), args.engine, spark_master=args.spark_master,
                spark_remote=args.spark_remote)
    except (RollupError, DeclarationError) as exc:
        console.print(f"[red]error[/]: {exc}", highlight=False)
        return 2
    console.print(f"rollup on {r.engine}: {r.files} Parquet file(s) -> {r.daily_rows} service_daily and "
                  f"{r.daily_standard_rows} service_daily_standard rows in {db_path(args.db)} "
                  f"({r.replaced_rows} daily rows replaced)", highlight=False)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="servicestat",
        description="Federal customer-service standards: ingest, measure, publish.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="load agency files (CSV, Parquet, JSON, Excel)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--kind", help="file kind (detected from the columns when omitted)")
    p.add_argument("--all-or-nothing", action="store_true",
                   help="refuse the whole file if any row is rejected")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--show", type=int, default=20, help="problems to print per file (default 20)")
    p.add_argument("--published-source", metavar="TEXT",
                   help="the file is already the public record (e.g. \"performance.gov A-11 CX data,"
                   " FY2021\"): record every service-quarter it carries as published, with this source,"
                   " in the reporting history (a second write after the load; if it fails, run the same"
                   " command again)")
    p.add_argument("--by", metavar="NAME",
                   help="with --published-source: who records it (default: the source text)")
    _add_db(p)
    p.set_defaults(fn=cmd_ingest)

    p = sub.add_parser("init", help="create an empty warehouse with its reference tables")
    _add_db(p)
    p.set_defaults(fn=cmd_init)

    p = sub.add_parser("schema", help="print the warehouse schema as Markdown")
    p.add_argument("--markdown", action="store_true", help="(the only format)")
    p.set_defaults(fn=cmd_schema)

    p = sub.add_parser("export", help="write a metrics table as CSV, JSON or Parquet")
    p.add_argument("name")
    p.add_argument("--format", choices=("csv", "json", "parquet"), default="csv")
    p.add_argument("--out", metavar="FILE")
    _add_db(p)
    p.set_defaults(fn=cmd_export)

    p = sub.add_parser("check", help="check the declarations in data/ and list data-quality findings")
    p.add_argument("--show", type=int, default=20, help="findings to print (default 20)")
    _add_db(p)
    p.set_defaults(fn=cmd_check)

    p = sub.add_parser("snapshot", help="back up every warehouse table as Parquet, with a manifest")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="folder for the Parquet files and manifest.json")
    _add_db(p)
    p.set_defaults(fn=cmd_snapshot)

    p = sub.add_parser("restore", help="rebuild the warehouse from a snapshot (verified, atomic)")
    p.add_argument("snapshot_dir", metavar="DIR", help="a folder written by `servicestat snapshot`")
    _add_db(p)
    p.set_defaults(fn=cmd_restore)

    p = sub.add_parser("report", help="move a service-quarter in the A-11 reporting workflow, or list states",
                       description="servicestat report STATE SERVICE_ID FY QUARTER --by NAME [--reason TEXT];"
                       " servicestat report published --all [FY QUARTER] --by NAME [--reason TEXT];"
                       " servicestat report status [--service ID]")
    p.add_argument("words", nargs="+", metavar="WORDS",
                   help="STATE SERVICE_ID FY QUARTER (one move), `published` with --all, or `status`")
    p.add_argument("--all", nargs="*", metavar="FY QUARTER",
                   help="with `published`: every loaded, unpublished service-quarter (of FY QUARTER if"
                   " given), through the states the workflow requires, in one transaction")
    p.add_argument("--by", metavar="NAME", help="who makes the move")
    p.add_argument("--reason", metavar="TEXT", help="why (required for change_requested, not_reported)")
    p.add_argument("--service", action="append", metavar="ID", help="with `status`: only this service")
    _add_db(p)
    p.set_defaults(fn=cmd_report)

    p = sub.add_parser("archive", help="write the public archive of a fiscal quarter (versioned, immutable)",
                       description="Write the next version of a fiscal quarter's public archive: every"
                       " table as the public sees it, as CSV and Parquet with a manifest, in"
                       " <db>.archive/FY2025-Q3/vN (nothing new when unchanged). A publishing move"
                       " writes it too, and fails without changing any state if it cannot.")
    p.add_argument("fy", metavar="FY", help="fiscal year, 2025 or FY2025")
    p.add_argument("quarter", metavar="QUARTER", help="1-4 or Q1-Q4")
    _add_db(p)
    p.set_defaults(fn=cmd_archive)

    p = sub.add_parser("demo", help="build the demo warehouse (synthetic data, or --real) and serve it")
    p.add_argument("--rebuild", action="store_true", help="rebuild even if the file exists")
    p.add_argument("--seed", type=int, default=13571)
    p.add_argument("--no-serve", action="store_true", help="build only")
    p.add_argument("--real", action="store_true",
                   help="the real-data example instead: the public files of data/public/, every quarter"
                   " published, in data/servicestat-real.duckdb (or --db)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8050)
    _add_db(p)
    p.set_defaults(fn=cmd_demo)

    p = sub.add_parser("rollup", help="daily aggregates from Parquet service events, on DuckDB or Spark")
    p.add_argument("--events", required=True, metavar="PATH-OR-GLOB",
                   help="Parquet file, folder (a warehouse's <db>.events dataset: its live files) or glob")
    p.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    p.add_argument("--spark-master", metavar="URL",
                   help="Spark master (default $SPARK_MASTER or local[*]), e.g. spark://host:7077")
    p.add_argument("--spark-remote", metavar="URL",
                   help="Spark Connect server (default $SPARK_REMOTE), e.g. sc://host:15002")
    _add_db(p)
    p.set_defaults(fn=cmd_rollup)

    p = sub.add_parser("serve", help="serve the dashboard under gunicorn")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8050)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--public", action="store_true",
                   help="the public site only: no sign-in, every request reads as the public")
    _add_db(p)
    p.set_defaults(fn=cmd_serve)

    add_account_parsers(sub)  # users add|remove, tokens add
    add_alert_parsers(sub)  # alerts [list|refresh|send]
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
