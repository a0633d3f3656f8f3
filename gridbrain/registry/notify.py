"""The data steward's digest: one message per import run that left records in quarantine
(the seed: "by e-mail"), through SMTP when configured, else the log."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Protocol

from gridbrain.config import Settings

log = logging.getLogger(__name__)


class Notifier(Protocol):
    def digest(self, subject: str, body: str) -> None: ...


class LogNotifier:
    """When no SMTP server is configured the digest goes to the log."""

    def digest(self, subject: str, body: str) -> None:
        log.warning("%s\n%s", subject, body)


class SmtpNotifier:
    """One e-mail per import run to the data steward (GRIDBRAIN_SMTP_HOST, GRIDBRAIN_STEWARD_EMAIL)."""

    def __init__(self, host: str, port: int, sender: str, to: str) -> None:
        self.host, self.port, self.sender, self.to = host, port, sender, to

    def digest(self, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["Subject"], msg["From"], msg["To"] = subject, self.sender, self.to
        msg.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
            smtp.send_message(msg)


def default_notifier(settings: Settings | None = None) -> Notifier:
    """E-mail when GRIDBRAIN_SMTP_HOST and GRIDBRAIN_STEWARD_EMAIL are set, else the log."""
    s = settings or Settings()  # read afresh: the environment may have changed since start-up
    if s.smtp_host and s.steward_email:
        return SmtpNotifier(s.smtp_host, s.smtp_port, s.smtp_from, s.steward_email)
    return LogNotifier()
