"""The publishing commands: `report` (workflow moves, one or --all), `archive`, `demo` (synthetic or
--real), and the publishing half of `ingest --published-source`."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.table import Table

from core.paths import db_path
from servicestat.alert_commands import refresh_after
from servicestat.output import console
from servicestat.serving import serve as _serve


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


def _quarter_words(fy: str, quarter: str) -> tuple[int, int] | None:
    """FY and QUARTER as typed (2025 or FY2025, 3 or Q3); None, with the error said, when not numbers."""
    try:
        return int(fy.upper().removeprefix("FY")), int(quarter.upper().removeprefix("Q"))
    except ValueError:
        console.print(f"[red]error[/]: FY and QUARTER must be numbers (2025 or FY2025, 3 or Q3),"
                      f" not {fy!r} {quarter!r}", highlight=False)
        return None


def _has_mover(args: argparse.Namespace) -> bool:
    if not args.by:
        console.print("[red]error[/]: --by NAME is required: say who makes the move")
    return bool(args.by)


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
        parsed = _quarter_words(words[1], words[2])
        if parsed is None:
            return 2
        fiscal_year, q = parsed
    if not _has_mover(args):
        return 2
    try:
        done = publish_loaded(args.db, args.by, args.reason, fiscal_year=fiscal_year, quarter=q)
    except (WorkflowError, ArchiveError) as exc:
        console.print(f"[red]error[/]: {exc}", highlight=False)
        return 1
    _print_published(done, "(all loaded)" if fiscal_year is None else f"of FY{fiscal_year} Q{q}")
    refresh_after(args.db)
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
    parsed = _quarter_words(fy, quarter)
    if parsed is None or not _has_mover(args):
        return 2
    fiscal_year, q = parsed
    from publish.archive import ArchiveError

    try:
        done = move(args.db, state, service_id, fiscal_year, q, args.by, reason=args.reason)
    except (WorkflowError, ArchiveError) as exc:
        console.print(f"[red]error[/]: {exc}", highlight=False)
        return 1
    console.print(f"{done.service_id} FY{done.fiscal_year} Q{done.quarter}: {done.from_state or 'new'} -> "
                  f"{done.state} (by {done.by})", highlight=False)
    refresh_after(args.db)
    return 0


def cmd_archive(args: argparse.Namespace) -> int:
    from publish.archive import ArchiveError, archive_quarter

    parsed = _quarter_words(args.fy, args.quarter)
    if parsed is None:
        return 2
    fiscal_year, quarter = parsed
    try:
        out = archive_quarter(args.db, fiscal_year, quarter)
    except ArchiveError as exc:
        console.print(f"[red]error[/]: {exc}", highlight=False)
        return 2
    console.print(f"public archive of FY{fiscal_year} Q{quarter}: {out}")
    return 0
