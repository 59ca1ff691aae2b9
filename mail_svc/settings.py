from __future__ import annotations

from typing import Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from service_kit.messaging.nats_credentials import dev_nats_password
from service_kit.messaging.processed_events import DEFAULT_TTL_SECONDS
from service_kit.people.sealed_links import DEV_LINK_SEAL_KEY
from service_kit.settings import ServiceSettings


class MailSettings(ServiceSettings):
    """mail_svc settings, from ``MAIL_*`` variables (shared infrastructure unprefixed)."""

    model_config = SettingsConfigDict(env_prefix="MAIL_")

    # mail_svc is a worker; this port serves only /healthz, /readyz and /metrics.
    host: str = "127.0.0.1"
    port: int = 8003
    nats_user: str = "mail"
    nats_password: str = Field(dev_nats_password("mail"))
    # Opens the set-password and reset links auth_svc seals into events (same key there).
    link_seal_key: str = Field(DEV_LINK_SEAL_KEY, validation_alias="LINK_SEAL_KEY")

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_timeout_seconds: float = Field(10.0, gt=0)

    sender: str = "Chat <no-reply@chat.localhost>"
    product_name: str = "Chat"
    subject_sign_up_requested: str = "Set your password for Chat"
    subject_sign_up_existing_account: str = "Someone tried to sign up with your address"
    subject_user_signed_in: str = "New sign-in to your Chat account"
    subject_password_reset_requested: str = "Reset your Chat password"  # noqa: S105 - a subject
    subject_password_changed: str = "Your Chat password was changed"  # noqa: S105 - a subject
    # {who} and {where} are filled from the mentions (email_catalog.mention_subject).
    subject_mention_digest: str = "{who} mentioned you in {where}"

    # Nak delays by delivery attempt. Their sum is how long an SMTP outage can last before
    # messages are dead-lettered (about an hour here); an operator can replay them after.
    retry_backoff_seconds: tuple[float, ...] = (
        2.0,
        5.0,
        15.0,
        30.0,
        60.0,
        120.0,
        300.0,
        900.0,
        1800.0,
    )
    # None: the consumer's declared max_deliver (nats/jetstream.json). Never set it higher.
    max_attempts: int | None = Field(None, ge=1)
    # Messages fetched at once are sent one by one; batch x SMTP timeout stays under the
    # consumer's ack_wait (60 s) so a slow server does not cause redeliveries mid-batch.
    fetch_batch: int = Field(4, ge=1, le=100)
    # Sent event ids are remembered longer than AUTH_EVENTS keeps messages (7 days).
    sent_ids_ttl_seconds: int = Field(DEFAULT_TTL_SECONDS + 24 * 3600, gt=0)

    @field_validator("smtp_username", "smtp_password", mode="before")
    @classmethod
    def _blank_means_unset(cls, value: object) -> object:
        # compose passes `${SMTP_USERNAME:-}`: an empty variable means "no login".
        return None if value == "" else value

    @model_validator(mode="after")
    def _one_tls_mode(self) -> Self:
        if self.smtp_tls and self.smtp_starttls:
            raise ValueError("choose MAIL_SMTP_TLS (implicit TLS) or MAIL_SMTP_STARTTLS, not both")
        if (self.smtp_username is None) != (self.smtp_password is None):
            raise ValueError("MAIL_SMTP_USERNAME and MAIL_SMTP_PASSWORD go together")
        return self
