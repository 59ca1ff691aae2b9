"""Declare the JetStream streams and durable consumers (nats/jetstream.json): the one
privileged NATS step.

Run by an operator (``just nats-setup``), by the dev stack and the tests before any service
starts, and by compose's one-shot ``nats-setup`` job. It connects as the ``setup`` user, the
only non-admin user that may create or update streams and consumers; the services may only
check them (service_kit/messaging/stream_guard.py, durable_guard.py) and pull from their
own durables.
Re-running it brings every stream and durable back to the declared config, which also
removes sources, republish or subject transforms someone added and puts a broadened filter
back; a durable whose ack, deliver or replay policy was changed cannot be put back in place
(NATS keeps those for a consumer's life), and the step says so and stops.

Reads ``NATS_URL``, ``NATS_STREAM_REPLICAS``, ``NATS_SETUP_PASSWORD`` and ``APP_ENV`` (the
development password is refused in production).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Self

from nats.js import JetStreamContext
from nats.js.errors import APIError, NotFoundError
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service_kit.messaging.durable_guard import DurableConfigError, verify_durables
from service_kit.messaging.jetstream import Topology, connect_nats, ensure_streams, load_topology
from service_kit.messaging.nats_credentials import SETUP_USER, client_options, dev_nats_password
from service_kit.messaging.nats_passwords import nats_password_problem
from service_kit.messaging.stream_guard import StreamConfigError, verify_streams
from service_kit.settings import DEV_SECRET_MARKER, AppEnv, InsecureSettingsError

log = logging.getLogger(__name__)

# How NATS refuses a durable update it does not allow ("ack policy can not be updated").
CONSUMER_CREATE_ERROR = 10012


class StreamSetupSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    app_env: AppEnv = Field(AppEnv.DEVELOPMENT, validation_alias="APP_ENV")
    nats_url: str = Field("nats://127.0.0.1:4222", validation_alias="NATS_URL")
    nats_stream_replicas: int = Field(1, ge=1, le=5, validation_alias="NATS_STREAM_REPLICAS")
    password: str = Field(dev_nats_password(SETUP_USER), validation_alias="NATS_SETUP_PASSWORD")

    @field_validator("password")
    @classmethod
    def _password_the_server_reads_as_given(cls, password: str) -> str:
        problem = nats_password_problem(password)
        if problem:
            raise ValueError(problem)
        return password

    @model_validator(mode="after")
    def _refuse_dev_password_in_production(self) -> Self:
        if self.app_env is AppEnv.PRODUCTION and self.password.startswith(DEV_SECRET_MARKER):
            raise InsecureSettingsError("APP_ENV=production needs NATS_SETUP_PASSWORD")
        return self


async def declare_streams_and_durables(
    settings: StreamSetupSettings, *, patience: float = 30.0
) -> None:
    """Create or update every stream and durable, then check them as the services will.

    NATS, or a cluster's JetStream leader, may still be coming up: retried for ``patience``
    seconds. A stream or durable that cannot be brought to the declared config is not
    retried (``StreamConfigError``, ``DurableConfigError``).
    """
    topology = load_topology(replicas=settings.nats_stream_replicas)
    deadline = asyncio.get_running_loop().time() + patience
    while True:
        try:
            await _declare_once(settings, topology)
            return
        except StreamConfigError:
            raise
        except Exception as error:
            if asyncio.get_running_loop().time() > deadline:
                raise
            log.warning("streams and durables not declared yet, trying again: %s", error)
            await asyncio.sleep(1.0)


async def _declare_once(settings: StreamSetupSettings, topology: Topology) -> None:
    nc = await connect_nats(
        settings.nats_url,
        "stream_setup",
        allow_reconnect=False,
        **client_options(SETUP_USER, settings.password),
    )
    try:
        js = nc.jetstream(timeout=10.0)
        await ensure_streams(js, topology)
        await ensure_durables(js, topology)
        await verify_streams(js, topology, patience=0)
        await verify_durables(js, topology, topology.consumers, patience=0)
        log.info("streams declared: %s", ", ".join(str(s.name) for s in topology.streams))
        log.info("durable consumers declared: %s", ", ".join(topology.consumers))
    finally:
        await nc.close()


async def ensure_durables(js: JetStreamContext, topology: Topology) -> None:
    """Create each durable consumer, or bring an existing one to the declared config.

    The whole declared config is always sent: NATS replaces a durable's editable fields
    (filters, ack wait, limits, description) in place. It keeps the ack, deliver and replay
    policy and the pull mode for a durable's life; a durable that differs there raises
    ``DurableConfigError`` (an operator deletes it, then declares it again).
    """
    for durable, (stream, config) in topology.consumers.items():
        try:
            await js.consumer_info(stream, durable)
        except NotFoundError:
            await js.add_consumer(stream, config)
            log.info("created durable consumer", extra={"durable": durable, "stream": stream})
            continue
        try:
            await js.add_consumer(stream, config)
        except APIError as error:
            if error.err_code != CONSUMER_CREATE_ERROR:
                raise  # the cluster not ready, say: tried again
            raise DurableConfigError(
                f"durable consumer {durable} on stream {stream} cannot be brought back to its "
                f"declared config in place: NATS says {error.description!r} (it keeps a "
                "durable's ack, deliver and replay policy and pull mode for its life). Delete "
                f"it as the NATS admin (nats consumer rm {stream} {durable}), then run the set-up "
                "step again: the new durable delivers the stream's stored events again."
            ) from error


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(declare_streams_and_durables(StreamSetupSettings()))


if __name__ == "__main__":
    main()
