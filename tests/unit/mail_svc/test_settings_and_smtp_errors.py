"""Settings refuse contradictory SMTP options; only refusals of the message are permanent."""

from __future__ import annotations

import aiosmtplib
import pytest
from pydantic import ValidationError

from mail_svc.lib.smtp_client import is_permanent
from mail_svc.settings import MailSettings
from service_kit.settings import AppEnv


def test_implicit_tls_and_starttls_together_are_refused() -> None:
    with pytest.raises(ValidationError, match="not both"):
        MailSettings(app_env=AppEnv.TEST, smtp_tls=True, smtp_starttls=True)


def test_username_without_password_is_refused() -> None:
    with pytest.raises(ValidationError, match="go together"):
        MailSettings(app_env=AppEnv.TEST, smtp_username="mailer")


def test_settings_read_the_mail_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAIL_SMTP_PORT", "2525")
    monkeypatch.setenv("MAIL_SUBJECT_SIGN_UP_REQUESTED", "Welcome!")
    monkeypatch.setenv("MAIL_SENDER", "Team <team@example.org>")
    settings = MailSettings()
    assert settings.smtp_port == 2525
    assert settings.subject_sign_up_requested == "Welcome!"
    assert settings.sender == "Team <team@example.org>"


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (aiosmtplib.SMTPRecipientRefused(550, "no such user", "a@example.com"), True),
        (aiosmtplib.SMTPRecipientRefused(450, "mailbox busy", "a@example.com"), False),
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(550, "no", "a@example.com")]
            ),
            True,
        ),
        (aiosmtplib.SMTPDataError(554, "rejected as spam"), True),
        (aiosmtplib.SMTPDataError(451, "try again later"), False),
        (aiosmtplib.SMTPAuthenticationError(535, "bad credentials"), False),
        (aiosmtplib.SMTPConnectError("refused"), False),
        (aiosmtplib.SMTPReadTimeoutError("slow"), False),
    ],
)
def test_only_refusals_of_the_message_itself_are_permanent(
    error: aiosmtplib.SMTPException, permanent: bool
) -> None:
    assert is_permanent(error) is permanent


def test_blank_smtp_credentials_mean_no_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAIL_SMTP_USERNAME", "")
    monkeypatch.setenv("MAIL_SMTP_PASSWORD", "")
    settings = MailSettings()
    assert settings.smtp_username is None
    assert settings.smtp_password is None
