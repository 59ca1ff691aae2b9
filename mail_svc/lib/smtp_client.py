"""Sends messages with aiosmtplib using the configured host, TLS mode, credentials, timeout."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from mail_svc.settings import MailSettings

# Readiness answers within the health blueprint's own 2 s budget.
PING_TIMEOUT_SECONDS = 1.5


class PermanentSmtpError(Exception):
    """The server refused this message for good (5xx on the recipient or the content)."""


def is_permanent(error: aiosmtplib.SMTPException) -> bool:
    """Only refusals that retrying this message cannot fix; server, login and network
    trouble is retried, since an operator can fix those without losing the message."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return all(refusal.code >= 500 for refusal in error.recipients)
    if isinstance(error, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError):
        return error.code >= 500
    return False


@dataclass(frozen=True)
class SmtpClient:
    settings: MailSettings

    def _connection(self, timeout: float) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.settings.smtp_host,
            port=self.settings.smtp_port,
            username=self.settings.smtp_username,
            password=self.settings.smtp_password,
            use_tls=self.settings.smtp_tls,
            start_tls=self.settings.smtp_starttls,
            timeout=timeout,
        )

    async def send(self, message: EmailMessage) -> None:
        """Returns once the server accepted the message; raises otherwise.

        The whole transaction, not only each command, ends within the SMTP timeout: that is
        how long a "sending" record can belong to a live attempt (mail_delivery.py).
        """
        timeout = self.settings.smtp_timeout_seconds
        try:
            async with asyncio.timeout(timeout), self._connection(timeout) as connection:
                await connection.send_message(message)
        except aiosmtplib.SMTPException as error:
            if is_permanent(error):
                raise PermanentSmtpError(str(error)) from error
            raise

    async def ping(self) -> None:
        """Connect (with TLS and login as configured) and say NOOP: raises if unreachable."""
        async with self._connection(
            min(self.settings.smtp_timeout_seconds, PING_TIMEOUT_SECONDS)
        ) as connection:
            await connection.noop()
