"""The `servicestat` command: one entry point that hands each job to the room that owns it.

ingest/ writes, metrics/ reads, dashboard/ draws; this module only parses arguments and prints.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from core.paths import DATA_DIR, db_path

# Wide enough for the summary table when the output is not a terminal (CI logs, pipes).
console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


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
        return max(rc, _publish_public_record(args, results))
    return rc


def _publish_public_record(args: argparse.Namespace, results: list) -> int:
    """Second write of `ingest --published-source`: move the loads' service-quarters to published.

    The load has landed and stays (it is the public record); if this fails the command exits 1 and
    says why, and running the same command again (the file is then `already loaded`) finishes it.
    """
    from publish.archive import ArchiveError
    from publish.workflow import WorkflowError, publish_from_public_record

    ids = [r.load_id if r.status != "duplicate" else r.duplicate_of for r in results if r.status != "refused"]
    ids = [i for i in ids if i is not None]
    if not ids:
        console.print("nothing loaded, so nothing to record as published")
        return 0
    try:
        done = publish_from_public_record(args.db, ids, args.published_source, by=args.by)
    except (WorkflowError, ArchiveError, OSError) as exc:
        console.print(f"[red]error[/]: the file is loaded, but its service-quarters were not recorded as"
                      f" published ({type(exc).__name__}: {exc}); nothing of that step was written."
                      " Run the same command again to finish it.", highlight=False)
        return 1
    _print_published(done, f"from the public record ({args.published_source.strip()})")
    return 0


def _print_published(done: list, how: str) -> None:
    """One line per fiscal quarter: how many service-quarters were published, and the moves made."""
    published = [m for m in done if m.state == "published"]
    if not published:
        console.print("every loaded service-quarter was already published: nothing to do")
        return
    per: dict[str, int] = {}
    for m in published:
        per[f"FY{m.fiscal_year} Q{m.quarter}"] = per.get(f"FY{m.fiscal_year} Q{m.quarter}", 0) + 1
    console.print(f"published {len(published)} service-quarter(s) {how} by {published[0].by}, in"
                  f" {len(done)} workflow move(s): " + ", ".join(f"{k}: {n}" for k, n in sorted(per.items())),
                  highlight=False)


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


def cmd_demo(args: argparse.Namespace) -> int:
    if args.real:
        from publish.real_demo import REAL_DB

        path = Path(args.db) if args.db else REAL_DB  # never $SERVICESTAT_DB: that is a real warehouse
        if (args.rebuild or not path.exists()) and _build_real(path):
            return 1
    else:
        from publish.demo import build_demo

        path = Path(db_path(args.db))
        if args.rebuild or not path.exists():
            console.print(f"building the demo warehouse (synthetic data) at {path} …")
            build_demo(path, seed=args.seed)
    if args.no_serve:
        return 0
    return _serve(path, args.host, args.port, workers=1, dev=True)


def _build_real(path: Path) -> int:
    """Build the real-data example at `path` and say what it holds; 1 if it could not be built."""
    from publish.real_demo import PUBLIC_DATA, RealDataError, build_real_demo

    console.print(f"building the real-data warehouse from {PUBLIC_DATA} (public data, not synthetic)"
                  f" at {path} …", highlight=False)
    try:
        built = build_real_demo(path)
    except RealDataError as exc:
        console.print(f"[red]error[/]: {exc}", highlight=False)
        return 1
    for r in built.results:
        console.print(f"  {r.file_name}: {r.kind}, {r.rows_loaded} of {r.rows_read} rows loaded; source:"
                      f" {built.sources[r.file_name]}", highlight=False)
        for w in r.warnings:
            console.print(f"  [yellow]warning[/]: {r.file_name}: {w}", highlight=False)
    periods = sorted({f"FY{fy} Q{q}" for _, fy, q in built.quarters})
    console.print(f"  published {len(built.quarters)} service-quarter(s) ({', '.join(periods) or 'none'})"
                  f"; public archive: {len(built.archives)} quarter(s)", highlight=False)
    return 0


def _serve(path: Path, host: str, port: int, workers: int, dev: bool, public: bool = False) -> int:
    from dashboard.app import create_app

    site = "public site, no sign-in" if public else "sign-in for agency and OMB staff"
    console.print(f"ServiceStat on http://{host}:{port}  (warehouse {path}; {site})")
    if dev:
        create_app(str(path), public=public).run(host=host, port=port, debug=False)
        return 0
    from dashboard.serve import run_gunicorn

    return run_gunicorn(str(path), host, port, workers, public=public)


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


def _read_password(from_stdin: bool) -> str:
    """A new password, typed twice at a prompt or one line on standard input; never an argument."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("New password: ")
    if first != getpass.getpass("Again: "):
        raise ValueError("the two passwords differ")
    return first


def cmd_users_add(args: argparse.Namespace) -> int:
    from dashboard.auth import AuthConfigError, add_user, users_path

    path = Path(args.file) if args.file else users_path()
    try:
        password = None if args.no_password else _read_password(args.password_stdin)
        if password is not None and len(password) < 12:
            raise ValueError("a password needs at least 12 characters")
        user = add_user(path, args.name, args.role, args.agency, password=password, email=args.email)
    except (AuthConfigError, ValueError) as exc:
        console.print(f"[red]error[/]: {exc}", highlight=False)
        return 2
    console.print(f"user {user.username} ({user.role_label}) saved in {path} (password stored hashed)")
    return 0


def cmd_tokens_add(args: argparse.Namespace) -> int:
    from dashboard.auth import add_token, tokens_path

    path = Path(args.file) if args.file else tokens_path()
    token = add_token(path, args.agency, label=args.label)
    console.print(f"submission token for {args.agency} saved (hashed) in {path}; it is shown only now:")
    sys.stdout.write(token + "\n")
    return 0


def _report_all(args: argparse.Namespace) -> int:
    """`report published --all [FY QUARTER] --by NAME`: every loaded, unpublished service-quarter."""
    from publish.archive import ArchiveError
    from publish.workflow import WorkflowError, publish_loaded

    words = [*args.words, *args.all]  # `published --all 2025 3` and `published 2025 3 --all` alike
    if words[0] != "published" or len(words) not in (1, 3):
        console.print("[red]error[/]: usage: servicestat report published --all [FY QUARTER] --by NAME"
                      " [--reason TEXT]")
        return 2
    fiscal_year = q = None
    if len(words) == 3:
        try:
            fiscal_year, q = int(words[1].upper().removeprefix("FY")), int(words[2].upper().removeprefix("Q"))
        except ValueError:
            console.print(f"[red]error[/]: FY and QUARTER must be numbers (2025 or FY2025, 3 or Q3),"
                          f" not {words[1]!r} {words[2]!r}")
            return 2
    if not args.by:
        console.print("[red]error[/]: --by NAME is required: say who makes the move")
        return 2
    try:
        done = publish_loaded(args.db, args.by, args.reason, fiscal_year=fiscal_year, quarter=q)
    except (WorkflowError, ArchiveError) as exc:
        console.print(f"[red]error[/]: {exc}", highlight=False)
        return 1
    _print_published(done, "(all loaded)" if fiscal_year is None else f"of FY{fiscal_year} Q{q}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """`report STATE SERVICE_ID FY QUARTER --by NAME` moves a service-quarter; `report published --all`
    publishes every loaded service-quarter; `report status` lists them."""
    from publish.workflow import WorkflowError, move

    words = args.words
    if args.all is not None:
        return _report_all(args)
    if words[0] == "status":
        if len(words) != 1:
            console.print("[red]error[/]: `report status` takes no more words; filter with --service ID")
            return 2
        from metrics.reporting import reporting_status, today

        frame = reporting_status(args.db, today())
        if args.service:
            frame = frame[frame["service_id"].isin(args.service)]
        table = Table(title=f"Reporting compliance in {db_path(args.db)}")
        for col in ("service", "period", "state", "compliance", "deadline", "updated by"):
            table.add_column(col)
        for row in frame.itertuples():
            table.add_row(row.service_id, row.period, "-" if not isinstance(row.state, str) else row.state,
                          row.compliance, str(row.deadline),
                          "-" if not isinstance(row.updated_by, str) else row.updated_by)
        console.print(table)
        return 0
    if len(words) != 4:
        console.print("[red]error[/]: usage: servicestat report STATE SERVICE_ID FY QUARTER --by NAME"
                      " [--reason TEXT], or: servicestat report published --all [FY QUARTER] --by NAME,"
                      " or: servicestat report status [--service ID]")
        return 2
    state, service_id, fy, quarter = words
    try:
        fiscal_year = int(fy.upper().removeprefix("FY"))
        q = int(quarter.upper().removeprefix("Q"))
    except ValueError:
        console.print(f"[red]error[/]: FY and QUARTER must be numbers (2025 or FY2025, 3 or Q3),"
                      f" not {fy!r} {quarter!r}")
        return 2
    if not args.by:
        console.print("[red]error[/]: --by NAME is required: say who makes the move")
        return 2
    from publish.archive import ArchiveError

    try:
        done = move(args.db, state, service_id, fiscal_year, q, args.by, reason=args.reason)
    except (WorkflowError, ArchiveError) as exc:
        console.print(f"[red]error[/]: {exc}", highlight=False)
        return 1
    console.print(f"{done.service_id} FY{done.fiscal_year} Q{done.quarter}: {done.from_state or 'new'} -> "
                  f"{done.state} (by {done.by})", highlight=False)
    return 0


def cmd_archive(args: argparse.Namespace) -> int:
    from publish.archive import ArchiveError, archive_quarter

    try:
        fiscal_year = int(args.fy.upper().removeprefix("FY"))
        quarter = int(args.quarter.upper().removeprefix("Q"))
    except ValueError:
        console.print(f"[red]error[/]: FY and QUARTER must be numbers (2025 or FY2025, 3 or Q3),"
                      f" not {args.fy!r} {args.quarter!r}", highlight=False)
        return 2
    try:
        out = archive_quarter(args.db, fiscal_year, quarter)
    except ArchiveError as exc:
        console.print(f"[red]error[/]: {exc}", highlight=False)
        return 2
    console.print(f"public archive of FY{fiscal_year} Q{quarter}: {out}")
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

    p = sub.add_parser("users", help="manage dashboard sign-in users ($SERVICESTAT_USERS)")
    users = p.add_subparsers(dest="users_command", required=True)
    p = users.add_parser("add", help="add or replace a user (the password is asked for and stored hashed)")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=("agency", "omb"))
    p.add_argument("--agency", metavar="AGENCY_ID", help="the agency of an agency manager")
    p.add_argument("--email", help="the address an OpenID Connect provider (Login.gov) vouches for")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.add_argument("--no-password", action="store_true", help="OpenID Connect sign-in only")
    p.add_argument("--file", metavar="PATH",
                   help="users file (default $SERVICESTAT_USERS or data/users.yaml)")
    p.set_defaults(fn=cmd_users_add)

    p = sub.add_parser("tokens", help="manage agency submission tokens ($SERVICESTAT_TOKENS)")
    tokens = p.add_subparsers(dest="tokens_command", required=True)
    p = tokens.add_parser("add", help="create a submission token for one agency (printed once)")
    p.add_argument("agency", metavar="AGENCY_ID")
    p.add_argument("--label", help="a note saying who holds the token")
    p.add_argument("--file", metavar="PATH",
                   help="tokens file (default $SERVICESTAT_TOKENS or data/tokens.yaml)")
    p.set_defaults(fn=cmd_tokens_add)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
