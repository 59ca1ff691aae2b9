"""Who connects to NATS: one user per service, with the permissions in nats/accounts.conf.

Each service reads its own user and password from the environment (``AUTH_NATS_PASSWORD``,
``CHAT_NATS_PASSWORD``, ``MAIL_NATS_PASSWORD``); the server reads the same passwords from
``NATS_AUTH_PASSWORD``, ``NATS_CHAT_PASSWORD``, ``NATS_MAIL_PASSWORD``,
``NATS_SETUP_PASSWORD`` (the stream set-up step, which reads it too) and
``NATS_ADMIN_PASSWORD`` (operators and tests). The development defaults below start with
``dev-only-`` and are refused in production like every other placeholder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from service_kit.messaging.nats_passwords import SERVER_READABLE_RULE, nats_password_problem
from service_kit.settings import dev_secret

SERVICE_USERS = ("auth", "chat", "mail")
# Declares the streams and durable consumers (service_kit/messaging/stream_setup.py), which
# no service user may do.
SETUP_USER = "setup"
ADMIN_USER = "admin"


def dev_nats_password(user: str) -> str:
    return dev_secret(f"nats-{user}")


def server_environment(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The variables nats/accounts.conf reads, from the environment or the dev defaults."""
    users = (*SERVICE_USERS, SETUP_USER, ADMIN_USER)
    names = {user: f"NATS_{user.upper()}_PASSWORD" for user in users}
    passwords = {name: environ.get(name, dev_nats_password(user)) for user, name in names.items()}
    unreadable = sorted(name for name, value in passwords.items() if nats_password_problem(value))
    if unreadable:
        raise ValueError(f"{', '.join(unreadable)}: {SERVER_READABLE_RULE}")
    return passwords


def client_options(user: str, password: str) -> dict[str, Any]:
    """Connect options for ``user``. Replies (JetStream API answers, pulled messages) come
    to an inbox prefix only this user may subscribe to: with the shared ``_INBOX.>`` any
    client could read another's pulled messages."""
    if not user:
        return {}
    return {"user": user, "password": password, "inbox_prefix": f"_INBOX_{user}"}


def dev_admin_options() -> dict[str, Any]:
    """Tests, benchmarks and the dev tools connect as the admin with the dev password."""
    password = server_environment()[f"NATS_{ADMIN_USER.upper()}_PASSWORD"]
    return client_options(ADMIN_USER, password)
