"""The connections a service holds for its lifetime: NATS/JetStream, Redis, document store."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from beanie import Document
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from redis.asyncio import Redis

from service_kit.messaging.durable_guard import verify_durables
from service_kit.messaging.jetstream import (
    ReconnectListener,
    Topology,
    connect_nats,
    load_topology,
)
from service_kit.messaging.nats_credentials import client_options
from service_kit.messaging.stream_guard import verify_streams
from service_kit.settings import ServiceSettings
from service_kit.storage.document_store import DocumentStore, open_document_store
from service_kit.storage.redis_pool import bounded_redis

log = logging.getLogger(__name__)

ReadinessCheck = Callable[[], Awaitable[object]]
DATABASE_STARTUP_WAIT_SECONDS = 5.0


@dataclass
class Infrastructure:
    nats: NATS
    js: JetStreamContext
    redis: Redis
    store: DocumentStore | None
    topology: Topology
    # Run after every NATS reconnect (see connect_nats); services append their own.
    reconnect_listeners: list[ReconnectListener]

    @classmethod
    async def open(
        cls,
        settings: ServiceSettings,
        service: str,
        models: Sequence[type[Document]] = (),
        *,
        durables: Sequence[str] = (),
        startup_timeout: float = 30.0,
    ) -> Infrastructure:
        """``durables``: the durable consumers the service will bind, checked like the
        streams (service_kit/messaging/durable_guard.py)."""
        started = asyncio.get_running_loop().time()
        reconnect_listeners: list[ReconnectListener] = []
        nc = await _wait_for_nats(
            settings.nats_url,
            service,
            startup_timeout,
            reconnect_listeners,
            client_options(settings.nats_user, settings.nats_password),
        )
        js = nc.jetstream()
        topology = load_topology(replicas=settings.nats_stream_replicas)
        # Declared by the privileged set-up step, never by a service: checked, and the
        # service refuses to start on a stream or durable that is not exactly as declared.
        try:
            await verify_streams(js, topology, patience=startup_timeout)
            left = startup_timeout - (asyncio.get_running_loop().time() - started)
            await verify_durables(js, topology, durables, patience=max(left, 0.0))
        except BaseException:
            await nc.close()  # refused: nothing of this start-up stays open
            raise
        redis = bounded_redis(
            settings.redis_url,
            settings.redis_max_connections,
            settings.redis_pool_timeout,
            health_check_interval=30,
        )
        store = None
        if models:
            store = open_document_store(
                settings.mongodb_url, settings.mongodb_database, models, service
            )
            # Usually the database answers at once and the service starts ready; if it is
            # down, start anyway (readyz says so) and let the store set itself up later.
            with contextlib.suppress(TimeoutError):
                await store.wait_ready(DATABASE_STARTUP_WAIT_SECONDS)
        return cls(
            nats=nc,
            js=js,
            redis=redis,
            store=store,
            topology=topology,
            reconnect_listeners=reconnect_listeners,
        )

    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        checks: dict[str, ReadinessCheck] = {
            "nats": self._check_nats,
            "redis": self.redis.ping,
        }
        if self.store is not None:
            checks["database"] = self.store.ping
        return checks

    async def _check_nats(self) -> None:
        if not self.nats.is_connected:
            raise ConnectionError("not connected")
        await self.js.account_info()

    async def close(self) -> None:
        await self.nats.drain()
        await self.redis.aclose()
        if self.store is not None:
            await self.store.close()


async def _wait_for_nats(
    url: str,
    service: str,
    patience: float,
    reconnect_listeners: list[ReconnectListener],
    credentials: dict[str, Any],
) -> NATS:
    deadline = asyncio.get_running_loop().time() + patience
    while True:
        try:
            return await connect_nats(
                url, service, reconnect_listeners, allow_reconnect=True, **credentials
            )
        except Exception as error:
            if asyncio.get_running_loop().time() > deadline:
                raise ConnectionError(f"NATS at {url} did not answer within {patience}s") from error
            log.warning("waiting for NATS at %s: %s", url, error)
            await asyncio.sleep(1.0)
