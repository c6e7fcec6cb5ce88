"""The alert commands: `servicestat alerts [--agency ID] [--since DATE]` lists them, `alerts refresh`
evaluates the rules now, `alerts send` e-mails each new one once; and `refresh_after`, which the
commands that load files or move service-quarters call when they have written."""

from __future__ import annotations

import argparse
from datetime import date

from rich.table import Table

from core.paths import db_path
from servicestat.output import console


def refresh_after(db: str | None) -> None:
    """Evaluate the alert rules after a load or a workflow move. What was written stays written if this
    fails: it says so, and `servicestat alerts refresh` finishes it."""
    import duckdb

    from core.yamlio import DeclarationError
    from publish.alerts import refresh

    try:
        done = refresh(db)
    except (DeclarationError, OSError, ValueError, duckdb.Error) as exc:
        console.print(f"[yellow]warning[/]: the alerts were not evaluated ({type(exc).__name__}: {exc}); run"
                      " `servicestat alerts refresh`", highlight=False)
        return
    if done.opened or done.resolved:
        console.print(f"alerts: {done.opened} new, {done.resolved} resolved, {done.updated} still open"
                      " (servicestat alerts)", highlight=False)


def _since(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def cmd_alerts(args: argparse.Namespace) -> int:
    if args.action == "refresh":
        from publish.alerts import refresh

        done = refresh(args.db)
        console.print(f"alerts: {done.opened} new, {done.updated} still open, {done.resolved} resolved",
                      highlight=False)
        return 0
    if args.action == "send":
        return _send(args)
    from metrics.alerts import alerts

    try:
        since = _since(args.since)
    except ValueError:
        console.print(f"[red]error[/]: --since must be a date like 2025-10-01, not {args.since!r}",
                      highlight=False)
        return 2
    frame = alerts(args.db, agency=args.agency, since=since)
    table = Table(title=f"Alerts in {db_path(args.db)}")
    for col in ("id", "status", "severity", "agency", "alert", "first seen", "last seen", "resolved"):
        table.add_column(col, justify="right" if col == "id" else "left")
    for row in frame.itertuples(index=False):
        table.add_row(str(row.alert_id), row.status, row.severity,
                      row.agency_id if isinstance(row.agency_id, str) else "-", row.message,
                      f"{row.first_seen:%Y-%m-%d %H:%M}", f"{row.last_seen:%Y-%m-%d %H:%M}",
                      "-" if row.resolved_at is None or str(row.resolved_at) == "NaT"
                      else f"{row.resolved_at:%Y-%m-%d %H:%M}")
    console.print(table)
    console.print(f"{len(frame)} alert(s), {int((frame['status'] == 'open').sum())} open", highlight=False)
    return 0


def _send(args: argparse.Namespace) -> int:
    from core.yamlio import DeclarationError
    from publish.alert_mail import MailSettingsError, send_new

    try:
        sent = send_new(args.db)
    except (MailSettingsError, DeclarationError) as exc:
        console.print(f"[red]error[/]: {exc}", highlight=False)
        return 2
    except OSError as exc:  # smtplib's errors are OSErrors; what went out before is recorded
        console.print(f"[red]error[/]: sending failed ({type(exc).__name__}: {exc}); what was sent before"
                      " is recorded, run the command again to send the rest", highlight=False)
        return 1
    alerts = len({s.alert_id for s in sent})
    console.print(f"sent {len(sent)} message(s) about {alerts} new alert(s)", highlight=False)
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("alerts", help="list alerts; `alerts refresh` evaluates the rules; `alerts send`"
                       " e-mails new ones",
                       description="servicestat alerts [--agency ID] [--since DATE]; servicestat alerts"
                       " refresh; servicestat alerts send (SMTP from SERVICESTAT_SMTP_HOST, _PORT, _USER,"
                       " _PASSWORD, _FROM, _STARTTLS; subscribers in data/subscriptions.yaml)")
    p.add_argument("action", nargs="?", choices=("list", "refresh", "send"), default="list")
    p.add_argument("--agency", metavar="ID", help="only this agency's alerts")
    p.add_argument("--since", metavar="DATE", help="only alerts last seen on or after this day (2025-10-01)")
    p.add_argument("--db", metavar="PATH", help="warehouse file (default: data/servicestat.duckdb,"
                   " or $SERVICESTAT_DB)")
    p.set_defaults(fn=cmd_alerts)
