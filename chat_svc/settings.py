from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from service_kit.messaging.nats_credentials import dev_nats_password
from service_kit.settings import InsecureSettingsError, ServiceSettings, dev_secret


class ChatSettings(ServiceSettings):
    """chat_svc settings, from ``CHAT_*`` variables (shared infrastructure unprefixed)."""

    model_config = SettingsConfigDict(env_prefix="CHAT_")

    host: str = "127.0.0.1"
    port: int = 8002
    public_url: str = "http://127.0.0.1:8002"
    # Where browsers are sent to sign in, and where chat calls auth server-to-server.
    auth_public_url: str = "http://127.0.0.1:8001"
    auth_internal_url: str = "http://127.0.0.1:8001"
    secret_key: str = Field(dev_secret("chat-secret-key"))
    nats_user: str = "chat"
    nats_password: str = Field(dev_nats_password("chat"))

    # A valid token-check answer is reused this long; a SessionRevoked event drops it at once.
    token_cache_seconds: float = Field(5.0, ge=0)
    auth_timeout_seconds: float = Field(3.0, gt=0)

    message_max_chars: int = Field(2000, ge=1)
    # Messages on a room page and per older page: 30 fill a laptop's log (issue 30: at least
    # 18 one-line messages visible at 1280x800) with some left to scroll back through.
    page_size: int = Field(30, ge=1)
    # The common room page is served before Quart (web/fast_paths/room_page_fast_path.py);
    # off: Quart only.
    page_fast_path: bool = True
    # The common message post is handled before Quart (web/fast_paths/post_fast_path.py);
    # off: Quart only.
    post_fast_path: bool = True
    # The author may edit a message this long after posting it (delete: any time).
    message_edit_minutes: float = Field(15.0, ge=0)
    # Redis keeps this many of the newest messages: the page and most resumes read only Redis.
    latest_cache_size: int = Field(200, ge=10)
    # Where older messages, the messages around one and unread counts are read
    # (reads/history/), and a room's member ids (member_index/): "valkey" keeps them in
    # Valkey (the embedded database's indexes serve no query), "database" reads the store's
    # indexes (MongoDB).
    history_index: Literal["valkey", "database"] = "valkey"
    # When a post is acknowledged (chat_svc/history_writer/): "log" once JetStream stored its
    # MessagePosted (the durable chat_svc_history writes the database behind it, so a
    # database outage does not stop posting), "database" after the insert (as before).
    posts_acknowledged_by: Literal["log", "database"] = "log"
    # /readyz reports the history writer's lag; past this, an error is logged every minute.
    # CHAT_EVENTS keeps events 26 h: the promised outage is 24 h (docs/deploy.md).
    history_lag_alert_seconds: float = Field(3600.0, gt=0)
    # After a batch that caught up, the writer may wait this long so that what is posted
    # meanwhile goes to the database in one insert (~6x less database work per message at
    # 100 msg/s, bench/history_batches.py). Off by default: the database then trails the log
    # by as much more, and nothing measured end to end gained from it (docs/performance.md).
    history_writer_linger_seconds: float = Field(0.0, ge=0, le=1)
    # A reconnecting client missing more than this many messages reloads the list instead.
    max_resume_backlog: int = Field(200, ge=1)

    # Frames waiting for one client; past this the client is too slow and is dropped.
    client_buffer_frames: int = Field(512, ge=8)
    # Live streams on one replica: a session keeps its newest N, an address holds at most M.
    streams_per_session: int = Field(10, ge=1)
    streams_per_address: int = Field(100, ge=1)
    heartbeat_seconds: float = Field(15.0, gt=0)
    # A stream is written to at most once per this window while messages keep coming: more
    # messages per write, less CPU per delivery when busy, at most this much more latency
    # (live/flusher.py). 0: every loop pass.
    stream_batch_seconds: float = Field(0.02, ge=0, le=1)
    # Read positions of ending streams are stored together, one batch per this interval
    # (stream_storms/read_position_writer.py): a thousand streams ending cost one write.
    read_position_pass_seconds: float = Field(0.5, ge=0, le=10)
    # How long a replica holds a live message whose predecessor id has not arrived yet.
    reorder_window_seconds: float = Field(0.5, gt=0, le=10)

    # Search (chat_svc/search/): the index's directory, shared by the replicas of one host
    # ("": one per database under the temp directory); searches per person per period.
    search_index_dir: str = ""
    search_rate_count: int = Field(60, ge=1)
    search_rate_period_seconds: float = Field(60.0, gt=0)

    message_rate_count: int = Field(20, ge=1)
    message_rate_period_seconds: float = Field(10.0, gt=0)

    # Mention e-mails (notifications/mention_digests.py): a mention still unread this long
    # after it was posted is mailed, in one e-mail per person listing every unread mention
    # since the last one, at most one such e-mail per person per interval.
    # The scan looks for due mentions.
    mention_email_delay_seconds: float = Field(600.0, ge=0)
    mention_email_min_interval_seconds: float = Field(1800.0, ge=0)
    mention_email_scan_seconds: float = Field(15.0, gt=0)

    # Web Push (chat_svc/push/): the VAPID private key (base64url of the raw 32 bytes or of
    # DER; the public key is derived; `./run dev` keeps one under .devstack/). Empty outside
    # production: derived from the secret key (push/vapid_keys.py). Loopback: dev and tests.
    web_push_vapid_private_key: str = Field("", validation_alias="WEB_PUSH_VAPID_PRIVATE_KEY")
    web_push_allow_loopback: bool = Field(False, validation_alias="WEB_PUSH_ALLOW_LOOPBACK")
    web_push_contact: str = "mailto:push@example.invalid"
    # No open stream for this long: away, so pushed to; at most one push per room this often.
    push_away_seconds: float = Field(60.0, ge=0)
    push_coalesce_seconds: float = Field(30.0, ge=0)
    push_concurrency: int = Field(32, ge=1)

    @model_validator(mode="after")
    def _web_push_ready_for_production(self) -> Self:
        if self.is_production and not self.web_push_vapid_private_key:
            raise InsecureSettingsError("APP_ENV=production needs WEB_PUSH_VAPID_PRIVATE_KEY")
        if self.is_production and self.web_push_allow_loopback:
            raise InsecureSettingsError("WEB_PUSH_ALLOW_LOOPBACK is for dev and tests only")
        return self

    @property
    def cookies_secure(self) -> bool:
        """Secure cookies everywhere but on a developer's plain-HTTP laptop."""
        return self.is_production or self.public_url.startswith("https://")

    # Outgoing webhooks (chat_svc/webhooks/): loopback targets only in dev and tests (never
    # in production), each call's timeout, and how long a failing one is retried (with
    # backoff up to the cap) before it is dead-lettered: the 24 h. CHAT_EVENTS keeps
    # events 26 h, so the last retry (up to a cap after the window) still finds its event.
    webhook_allow_loopback: bool = False
    webhook_timeout_seconds: float = Field(5.0, gt=0)
    webhook_retry_seconds: float = Field(86_400.0, gt=0, le=86_400)
    webhook_backoff_cap_seconds: float = Field(3600.0, gt=0, le=7_200)

    # Creating rooms, per person: plenty for people, nothing for a script making hundreds.
    room_rate_count: int = Field(10, ge=1)
    room_rate_period_seconds: float = Field(3600.0, gt=0)
    # Adding people to closed rooms, per person: a team's worth, not a directory crawl.
    member_rate_count: int = Field(60, ge=1)
    member_rate_period_seconds: float = Field(3600.0, gt=0)
    # Reactions, per person (chat_svc/reactions/): quick clicking, not a script's flood.
    reaction_rate_count: int = Field(60, ge=1)
    reaction_rate_period_seconds: float = Field(60.0, gt=0)
