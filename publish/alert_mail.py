"""E-mail each new alert once to the subscribers of its agency (`servicestat alerts send`).

Who: data/subscriptions.yaml (agency -> addresses; `all` is told of every agency's alerts). What: every
open alert not yet sent to that address, one message per alert and address. How: the SMTP server named
by the environment (`SmtpSettings.from_env`). What was sent is recorded in the warehouse
(`ingest.alerts_store.mark_sent`), also when a later message fails, so a second run sends nothing
already sent. An alert resolved before it was sent is not news any more and is not sent.
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pandas as pd

from core.check_alerts import subscriptions
from core.paths import DATA_DIR, db_path
from ingest.alerts_store import mark_sent
from metrics.access import OMB, viewing
from metrics.alerts import alerts

ENV = "SERVICESTAT_SMTP_"
TRUE = ("1", "true", "yes", "on")


class MailSettingsError(ValueError):
    """The SMTP settings in the environment are missing or not valid; the message names the variable."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where to send from: SERVICESTAT_SMTP_HOST, _PORT (default 25, or 587 with STARTTLS), _USER and
    _PASSWORD (both or neither), _FROM (the sender address), _STARTTLS (true/false, default false)."""

    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings:
        env = os.environ if env is None else env
        host, sender = env.get(ENV + "HOST", "").strip(), env.get(ENV + "FROM", "").strip()
        if not host:
            raise MailSettingsError(f"{ENV}HOST is not set: name the SMTP server to send through")
        if not sender:
            raise MailSettingsError(f"{ENV}FROM is not set: give the address the alerts come from")
        flag = env.get(ENV + "STARTTLS", "false").strip().lower()
        if flag not in (*TRUE, "0", "false", "no", "off", ""):
            raise MailSettingsError(f"{ENV}STARTTLS must be true or false, not {flag!r}")
        starttls = flag in TRUE
        raw_port = env.get(ENV + "PORT", "").strip() or ("587" if starttls else "25")
        if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
            raise MailSettingsError(f"{ENV}PORT must be a port number, not {raw_port!r}")
        user, password = env.get(ENV + "USER") or None, env.get(ENV + "PASSWORD") or None
        if (user is None) != (password is None):
            raise MailSettingsError(f"set both {ENV}USER and {ENV}PASSWORD, or neither")
        return cls(host, int(raw_port), sender, user, password, starttls)


@dataclass(frozen=True)
class Outgoing:
    alert_id: int
    address: str
    message: EmailMessage


def _message(row: pd.Series, address: str, sender: str) -> EmailMessage:
    msg = EmailMessage()
    where = row["service"] if isinstance(row["service"], str) else row["agency"] if isinstance(
        row["agency"], str) else "ServiceStat"
    msg["Subject"] = f"ServiceStat alert ({row['severity']}): {where}"
    msg["From"] = sender
    msg["To"] = address
    first = pd.Timestamp(row["first_seen"]).strftime("%Y-%m-%d %H:%M UTC")
    msg.set_content(f"{row['message']}\n\nRule: {row['rule_id']} ({row['severity']})\nFirst seen: {first}\n"
                    f"Alert number: {int(row['alert_id'])}\n\nYou receive this because "
                    f"data/subscriptions.yaml lists {address} for these alerts.\n")
    return msg


def outgoing(db: str | os.PathLike[str] | None = None, sender: str = "servicestat@localhost",
             data_dir: str | os.PathLike[str] = DATA_DIR) -> list[Outgoing]:
    """Each open alert not yet sent to each of its subscribers, as the message that would go."""
    subs = subscriptions(data_dir)
    with viewing(OMB):
        frame = alerts(db, status="open")  # staff's alerts: not the public's versions
    out = []
    for _, row in frame.sort_values("alert_id").iterrows():
        done = set(row["sent_to"].split(", ")) if isinstance(row["sent_to"], str) else set()
        agency = row["agency_id"] if isinstance(row["agency_id"], str) else None
        out += [Outgoing(int(row["alert_id"]), a, _message(row, a, sender))
                for a in subs.addresses(agency) if a not in done]
    return out


def send_new(db: str | os.PathLike[str] | None = None, settings: SmtpSettings | None = None,
             data_dir: str | os.PathLike[str] = DATA_DIR, at: datetime | None = None) -> list[Outgoing]:
    """Send what `outgoing` lists through SMTP and record it; returns the messages sent."""
    settings = settings or SmtpSettings.from_env()
    path = Path(db_path(db))
    pending = outgoing(path, settings.sender, data_dir)
    if not pending:
        return []
    sent: list[Outgoing] = []
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=30) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user is not None:
                smtp.login(settings.user, settings.password or "")
            for item in pending:
                smtp.send_message(item.message)
                sent.append(item)
    finally:  # what went out is recorded even when a later message failed
        by_alert: dict[int, list[str]] = {}
        for item in sent:
            by_alert.setdefault(item.alert_id, []).append(item.address)
        mark_sent(path, by_alert, at)
    return sent
