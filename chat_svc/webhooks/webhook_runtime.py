"""The webhook consumer's part of start-up, after chat's runtime (its services exist)."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
from quart import Quart

from chat_svc.services import services_of
from chat_svc.settings import ChatSettings
from chat_svc.webhooks.webhook_calls import WebhookCalls
from chat_svc.webhooks.webhook_deliveries import DURABLE, WebhookConsumer, _no_handler
from service_kit.lifecycle import infrastructure_of
from service_kit.outbound.public_targets import TargetPolicy
from service_kit.stopping import stop_with_the_app

_KEY = "chat_webhooks"


def target_policy(settings: ChatSettings) -> TargetPolicy:
    """Loopback only when a setting allows it, and never in production."""
    return TargetPolicy(
        allow_loopback=settings.webhook_allow_loopback and not settings.is_production
    )


def manage_webhooks(app: Quart, settings: ChatSettings) -> None:
    @app.before_serving
    async def _open() -> None:
        infrastructure, services = infrastructure_of(app), services_of(app)
        # No redirects: a redirect could lead past the outbound filter.
        http = httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False)
        calls = WebhookCalls(
            http, services.actions.messages, target_policy(settings), settings.message_max_chars
        )
        consumer = WebhookConsumer(
            infrastructure.js,
            infrastructure.topology,
            DURABLE,
            _no_handler,
            calls=calls,
            redis=infrastructure.redis,
            members_of=services.reads.members.of,
            retry_seconds=settings.webhook_retry_seconds,
            backoff_cap_seconds=settings.webhook_backoff_cap_seconds,
        )
        stop_with_the_app(app, consumer.stop)
        app.extensions[_KEY] = (consumer, asyncio.create_task(consumer.run()), http)

    @app.after_serving
    async def _close() -> None:
        found = app.extensions.pop(_KEY, None)
        if found is None:
            return
        consumer, task, http = found
        consumer.stop()
        with contextlib.suppress(Exception):
            await task
        await http.aclose()


def webhook_consumer_of(app: Quart) -> WebhookConsumer:
    consumer: WebhookConsumer = app.extensions[_KEY][0]
    return consumer
