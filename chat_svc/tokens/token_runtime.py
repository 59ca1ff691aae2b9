"""The tokens' part of start-up: ``ApiTokens`` on the app, and the subscriptions that
revoke a person's tokens with their sessions. Registered after chat's runtime (hooks run in
registration order), so the infrastructure is open."""

from __future__ import annotations

import contextlib

from quart import Quart, current_app

from chat_svc.tokens.person_revocations import follow_person_revocations
from chat_svc.tokens.token_checks import ApiTokens
from service_kit.lifecycle import infrastructure_of

_KEY = "chat_api_tokens"


def manage_tokens(app: Quart) -> None:
    @app.before_serving
    async def _open() -> None:
        infrastructure = infrastructure_of(app)
        tokens = ApiTokens(infrastructure.redis)
        app.extensions[_KEY] = tokens
        app.extensions[f"{_KEY}_subscriptions"] = await follow_person_revocations(
            infrastructure.nats, tokens
        )

    @app.after_serving
    async def _close() -> None:
        for subscription in app.extensions.pop(f"{_KEY}_subscriptions", []):
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()


def tokens_of(app: Quart | None = None) -> ApiTokens:
    tokens: ApiTokens = (app if app is not None else current_app).extensions[_KEY]
    return tokens
