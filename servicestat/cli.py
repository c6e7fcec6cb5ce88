"""The `servicestat` command: one entry point that hands each job to the room that owns it.

ingest/ writes, metrics/ reads, dashboard/ draws; this module only parses arguments and prints.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from servicestat.config import db_path

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
    return 0 if all(r.ok for r in results) else 1


def cmd_init(args: argparse.Namespace) -> int:
    from ingest.warehouse import initialise

    path = initialise(db_path(args.db))
    console.print(f"warehouse ready at {path}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from ingest.schema import markdown

    sys.stdout.write(markdown() + "\n")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from metrics.exports import available, write

    exports = available()
    if args.name not in exports:
        console.print(f"[red]error[/]: unknown export {args.name!r}; choose from "
                      + ", ".join(sorted(exports)))
        return 2
    frame = exports[args.name](args.db)
    text = write(frame, args.format, args.out)
    if text is not None:
        sys.stdout.write(text)
    else:
        console.print(f"wrote {len(frame)} rows to {args.out}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Declarations first (every problem, with file and line), then data-quality findings."""
    from metrics.declarations import check_declarations

    problems = check_declarations()
    for p in problems:
        console.print(f"[red]error[/]: {p}", highlight=False)
    path = db_path(args.db)
    if path.exists():
        from metrics.quality import findings

        found = findings(path)
        if len(found):
            console.print(f"{len(found)} data-quality finding(s) in {path} (loaded, flagged, not fixed):")
            for row in found.head(args.show).itertuples():
                console.print(f"  {row.file_name}, row {row.row_number}: {row.kind_of_finding}: {row.detail}",
                              highlight=False)
            if len(found) > args.show:
                console.print(f"  … all of them: servicestat export findings --db {path}")
    if problems:
        console.print(f"{len(problems)} problem(s) in the declarations under data/")
        return 1
    console.print("declarations: no problems")
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
    from ingest.demo import build_demo

    path = Path(db_path(args.db))
    if args.rebuild or not path.exists():
        console.print(f"building the demo warehouse (synthetic data) at {path} …")
        build_demo(path, seed=args.seed)
    if args.no_serve:
        return 0
    return _serve(path, args.host, args.port, workers=1, dev=True)


def _serve(path: Path, host: str, port: int, workers: int, dev: bool) -> int:
    from dashboard.app import create_app

    console.print(f"ServiceStat on http://{host}:{port}  (warehouse {path})")
    if dev:
        create_app(str(path)).run(host=host, port=port, debug=False)
        return 0
    from dashboard.serve import run_gunicorn

    return run_gunicorn(str(path), host, port, workers)


def cmd_serve(args: argparse.Namespace) -> int:
    return _serve(Path(db_path(args.db)), args.host, args.port, args.workers, dev=False)


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

    p = sub.add_parser("demo", help="build the demo warehouse (synthetic data) and serve it")
    p.add_argument("--rebuild", action="store_true", help="rebuild even if the file exists")
    p.add_argument("--seed", type=int, default=13571)
    p.add_argument("--no-serve", action="store_true", help="build only")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8050)
    _add_db(p)
    p.set_defaults(fn=cmd_demo)

    p = sub.add_parser("serve", help="serve the dashboard under gunicorn")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8050)
    p.add_argument("--workers", type=int, default=2)
    _add_db(p)
    p.set_defaults(fn=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
