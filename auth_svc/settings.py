from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from service_kit.messaging.nats_credentials import dev_nats_password
from service_kit.people.sealed_links import DEV_LINK_SEAL_KEY
from service_kit.settings import ServiceSettings, dev_secret


@dataclass(frozen=True)
class AttemptLimit:
    """One limit on real attempts against an account (lib/attempt_limits.py counts them)."""

    name: str
    per_client: int  # attempts on one account from one client address, per window
    per_account: int  # attempts on one account from every address together
    window_seconds: int
    account_window_seconds: int | None = None  # the ceiling's window; None: window_seconds

    @property
    def account_window(self) -> int:
        return self.account_window_seconds or self.window_seconds


class SignUpMode(StrEnum):
    """Who may sign up alone (auth_svc/joining/sign_up_policy.py)."""

    OPEN = "open"  # anyone
    INVITE = "invite"  # only through the join link (or an empty install's first account)
    DOMAINS = "domains"  # addresses in AUTH_SIGN_UP_DOMAINS, and the join link


class AuthSettings(ServiceSettings):
    """auth_svc settings, from ``AUTH_*`` variables (shared infrastructure unprefixed)."""

    model_config = SettingsConfigDict(env_prefix="AUTH_")

    host: str = "127.0.0.1"
    port: int = 8001
    # Links in e-mails and redirects are built from these, never from request headers.
    public_url: str = "http://127.0.0.1:8001"
    chat_public_url: str = "http://127.0.0.1:8002"
    secret_key: str = Field(dev_secret("auth-secret-key"))
    nats_user: str = "auth"
    nats_password: str = Field(dev_nats_password("auth"))
    # Seals set-password and reset links in events; mail_svc holds the same key.
    link_seal_key: str = Field(DEV_LINK_SEAL_KEY, validation_alias="LINK_SEAL_KEY")
    # The internal API (chat_svc's token checks) listens here, never on the public port;
    # unset serves it nowhere (tests reach it through the app). lib/internal_listener.py
    internal_host: str = "127.0.0.1"
    internal_port: int | None = Field(None, ge=1, le=65535)
    internal_requests_per_second: int = Field(500, gt=0)

    # Where sign-in, token checks and reset links look accounts up (auth_svc/lookups/):
    # "valkey" holds them in Valkey, rebuilt from the database (the embedded FerretDB, whose
    # indexes serve no query); "database" reads the store's indexes (MongoDB, compose).
    lookup_index: Literal["valkey", "database"] = "valkey"

    # Unset: invite in production, open elsewhere (effective_sign_up_mode).
    sign_up_mode: SignUpMode | None = None
    # Comma-separated domains whose addresses may sign up alone in "domains" mode.
    sign_up_domains: str = ""

    # Tokens mailed to people (seconds).
    verification_token_ttl: int = Field(24 * 3600, gt=0)
    reset_token_ttl: int = Field(3600, gt=0)
    # Sessions: idle and absolute lifetimes (seconds); hand-off codes live this long.
    session_idle_ttl: int = Field(12 * 3600, gt=0)
    session_absolute_ttl: int = Field(14 * 24 * 3600, gt=0)
    handoff_code_ttl: int = Field(60, gt=0)

    # Rate limits: attempts per window, per client address and per e-mail address.
    rate_limit_window: int = Field(60, gt=0)
    sign_in_per_ip: int = Field(20, gt=0)
    # Per account, only real attempts count (CSRF and form valid): failed sign-ins and reset
    # requests from one client address, under a much higher ceiling for all addresses.
    sign_in_per_account_client: int = Field(5, gt=0)
    sign_in_per_account: int = Field(100, gt=0)
    # ... counted over an hour (ASVS V2.2.1: at most 100 failures an hour on one account).
    sign_in_account_window: int = Field(3600, gt=0)
    sign_up_per_ip: int = Field(10, gt=0)
    sign_up_per_email: int = Field(3, gt=0)
    forgot_password_per_ip: int = Field(10, gt=0)
    forgot_password_per_email_client: int = Field(3, gt=0)
    forgot_password_per_email: int = Field(10, gt=0)

    @property
    def sign_in_limit(self) -> AttemptLimit:
        return AttemptLimit(
            "sign-in",
            self.sign_in_per_account_client,
            self.sign_in_per_account,
            self.rate_limit_window,
            self.sign_in_account_window,
        )

    @property
    def sign_up_limit(self) -> AttemptLimit:
        # Mails to one address, whoever asks: the same number per client and in all.
        per_email = self.sign_up_per_email
        return AttemptLimit("sign-up", per_email, per_email, self.rate_limit_window)

    @property
    def forgot_password_limit(self) -> AttemptLimit:
        return AttemptLimit(
            "forgot-password",
            self.forgot_password_per_email_client,
            self.forgot_password_per_email,
            self.rate_limit_window,
        )

    # argon2id, OWASP's first recommended profile: 19 MiB, 2 passes, 1 lane.
    argon2_memory_cost: int = Field(19456, ge=8)
    argon2_time_cost: int = Field(2, ge=1)
    argon2_parallelism: int = Field(1, ge=1)

    @model_validator(mode="after")
    def _internal_api_has_a_listener_in_production(self) -> Self:
        if self.is_production and self.internal_port is None:
            raise ValueError(
                "APP_ENV=production requires AUTH_INTERNAL_PORT: chat_svc checks every "
                "session through the internal API, which is served only on that port"
            )
        return self

    @model_validator(mode="after")
    def _domains_mode_names_its_domains(self) -> Self:
        if self.sign_up_mode is SignUpMode.DOMAINS and not self.sign_up_domain_set:
            raise ValueError("AUTH_SIGN_UP_MODE=domains requires AUTH_SIGN_UP_DOMAINS")
        return self

    @property
    def effective_sign_up_mode(self) -> SignUpMode:
        if self.sign_up_mode is not None:
            return self.sign_up_mode
        return SignUpMode.INVITE if self.is_production else SignUpMode.OPEN

    @property
    def sign_up_domain_set(self) -> frozenset[str]:
        names = (name.strip().lstrip("@").casefold() for name in self.sign_up_domains.split(","))
        return frozenset(name for name in names if name)

    @property
    def cookies_secure(self) -> bool:
        """Secure cookies everywhere but on a developer's plain-HTTP laptop."""
        return self.public_url.startswith("https://") or self.is_production
