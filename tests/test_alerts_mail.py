"""`servicestat alerts send` against a local SMTP server the test starts (aiosmtpd): exactly one message per
new alert and subscriber, nothing on a second run, and the new alerts only once more appear."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from ingest.warehouse import initialise
from publish.alert_mail import MailSettingsError, SmtpSettings, send_new
from publish.alerts import refresh
from tests.conftest import REPO
from tests.test_alerts import NEWLY, put
from tests.test_declaration_files import copy_data

SUBSCRIPTIONS = """subscriptions:
  all: [cpo@omb.example]
  opm-rs: [retirement@opm.example, claims@opm.example]
  va-vba: [benefits@va.example]
"""


class Inbox:
    """An aiosmtpd handler that keeps every message: (recipients, subject)."""

    def __init__(self) -> None:
        self.messages: list[tuple[tuple[str, ...], str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802 - aiosmtpd's hook
        text = envelope.content.decode("utf-8", "replace")
        subject = next((line.removeprefix("Subject: ") for line in text.splitlines()
                        if line.startswith("Subject: ")), "")
        self.messages.append((tuple(envelope.rcpt_tos), subject))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "subscriptions.yaml").write_text(SUBSCRIPTIONS, encoding="utf-8")
    return data


def _breach(db: Path, tmp_path: Path, service: str, row: str) -> None:
    """A figure off its standard (tests/test_alerts.py says why each is off track)."""
    put(db, tmp_path, f"{service}.csv", f"service_id,period,metric,value,unit,channel,n\n{service},{row}\n")


def test_each_new_alert_is_mailed_once_to_each_subscriber(tmp_path, smtp, folder):
    inbox, port = smtp
    db = initialise(tmp_path / "w.duckdb")
    _breach(db, tmp_path, "opm-rs", "FY2025 Q1,backlog,15000,count,,100")
    refresh(db, [NEWLY], date(2025, 3, 1), datetime(2025, 3, 1, 9))
    settings = SmtpSettings("127.0.0.1", port, "alerts@servicestat.example")
    sent = send_new(db, settings, data_dir=folder)
    # one alert (opm-rs) x its two subscribers and the subscriber of every agency
    assert sorted(r for r, _ in inbox.messages) == [("claims@opm.example",), ("cpo@omb.example",),
                                                   ("retirement@opm.example",)]
    assert {s for _, s in inbox.messages} == {"ServiceStat alert (medium): Retirement Services"}
    assert len(sent) == 3
    # again: nothing new to send
    assert send_new(db, settings, data_dir=folder) == []
    assert len(inbox.messages) == 3
    # a new alert of another agency: its subscriber and the subscriber of all, once each
    _breach(db, tmp_path, "va-vba", "FY2025 Q1,abandonment_rate,0.2,share,phone,500")
    refresh(db, [NEWLY], date(2025, 3, 1), datetime(2025, 3, 1, 10))
    send_new(db, settings, data_dir=folder)
    assert sorted(r for r, _ in inbox.messages[3:]) == [("benefits@va.example",), ("cpo@omb.example",)]
    assert send_new(db, settings, data_dir=folder) == []
    assert len(inbox.messages) == 5


def test_the_command_sends_through_the_environments_server(tmp_path, smtp):
    inbox, port = smtp
    folder = copy_data(tmp_path)  # SERVICESTAT_DATA names a whole declarations folder
    (folder / "subscriptions.yaml").write_text(SUBSCRIPTIONS, encoding="utf-8")
    db = initialise(tmp_path / "w.duckdb")
    _breach(db, tmp_path, "opm-rs", "FY2025 Q1,backlog,15000,count,,100")
    refresh(db, [NEWLY], date(2025, 3, 1))
    env = {"PATH": "/usr/bin:/bin", "SERVICESTAT_DATA": str(folder), "SERVICESTAT_SMTP_HOST": "127.0.0.1",
           "SERVICESTAT_SMTP_PORT": str(port), "SERVICESTAT_SMTP_FROM": "alerts@servicestat.example"}
    for expected in ("sent 3 message(s) about 1 new alert(s)", "sent 0 message(s) about 0 new alert(s)"):
        run = subprocess.run([sys.executable, "-m", "servicestat.cli", "alerts", "send", "--db", str(db)],
                             capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
        assert run.returncode == 0, run.stderr
        assert expected in run.stderr
    assert len(inbox.messages) == 3


@pytest.mark.parametrize(("env", "message"), [
    ({}, "SERVICESTAT_SMTP_HOST is not set"),
    ({"SERVICESTAT_SMTP_HOST": "h"}, "SERVICESTAT_SMTP_FROM is not set"),
    ({"SERVICESTAT_SMTP_HOST": "h", "SERVICESTAT_SMTP_FROM": "a@b.example", "SERVICESTAT_SMTP_PORT": "x"},
     "SERVICESTAT_SMTP_PORT must be a port number, not 'x'"),
    ({"SERVICESTAT_SMTP_HOST": "h", "SERVICESTAT_SMTP_FROM": "a@b.example", "SERVICESTAT_SMTP_USER": "u"},
     "set both SERVICESTAT_SMTP_USER and SERVICESTAT_SMTP_PASSWORD, or neither"),
])
def test_missing_or_bad_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(MailSettingsError, match=message):
        SmtpSettings.from_env(env)


def test_starttls_defaults_to_the_submission_port() -> None:
    got = SmtpSettings.from_env({"SERVICESTAT_SMTP_HOST": "mail.example",
                                 "SERVICESTAT_SMTP_FROM": "a@b.example", "SERVICESTAT_SMTP_STARTTLS": "true",
                                 "SERVICESTAT_SMTP_USER": "u", "SERVICESTAT_SMTP_PASSWORD": "p"})
    assert (got.port, got.starttls, got.user) == (587, True, "u")
