"""The tokens' part of start-up: ``ApiTokens`` on the app, and the durable consumer that
revokes a person's tokens with their sessions. Registered after chat's runtime (hooks run in
registration order), so the infrastructure is open."""

from __future__ import annotations

import asyncio
import contextlib

from quart import Quart, current_app

from chat_svc.tokens.person_revocations import DURABLE, revoke_with_the_person
from chat_svc.tokens.token_checks import ApiTokens
from service_kit.lifecycle import infrastructure_of
from service_kit.messaging.jetstream import DurableConsumer
from service_kit.stopping import stop_with_the_app

_KEY = "chat_api_tokens"


def manage_tokens(app: Quart) -> None:
    @app.before_serving
    async def _open() -> None:
        infrastructure = infrastructure_of(app)
        tokens = ApiTokens(infrastructure.redis)
        app.extensions[_KEY] = tokens
        revocations = DurableConsumer(
            infrastructure.js, infrastructure.topology, DURABLE, revoke_with_the_person(tokens)
        )
        task = asyncio.create_task(revocations.run(), name="token revocations")
        stop_with_the_app(app, revocations.stop)
        app.extensions[f"{_KEY}_revocations"] = (revocations, task)

    @app.after_serving
    async def _close() -> None:
        found = app.extensions.pop(f"{_KEY}_revocations", None)
        if found is None:
            return
        revocations, task = found
        revocations.stop()
        with contextlib.suppress(Exception):
            await task


def tokens_of(app: Quart | None = None) -> ApiTokens:
    tokens: ApiTokens = (app if app is not None else current_app).extensions[_KEY]
    return tokens
