"""Services check the streams they use; they never declare them.

The streams are declared by a privileged step (``service_kit.messaging.stream_setup``) with its own
NATS user; the service users may not create, update or delete streams (nats/accounts.conf).
A stream someone reconfigured behind our back (sources, a mirror, republish or a subject
transform copy events out of it or forge them into it) stops a service at start-up instead
of being served: see docs/security.md ("NATS permissions").
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

if TYPE_CHECKING:  # jetstream.py checks durables (durable_guard.py) before binding them
    from service_kit.messaging.jetstream import Topology

log = logging.getLogger(__name__)

# What the declared config says, compared field by field with what the server holds.
DECLARED_FIELDS = ("subjects", "description", "max_age", "duplicate_window", "num_replicas")


class StreamConfigError(RuntimeError):
    """A stream exists but not as declared: the service refuses to start."""


class StreamMissingError(RuntimeError):
    """A stream was not declared in time: the setup step has not run."""


Info = TypeVar("Info")


def config_differences(declared: StreamConfig, found: StreamConfig) -> list[str]:
    """What about ``found`` is not exactly ``declared``; empty when it is."""
    problems = [
        f"{name} is {getattr(found, name)!r}"
        for name in ("mirror", "sources", "republish", "subject_transform")
        if getattr(found, name)
    ]
    for name in DECLARED_FIELDS:
        want, have = getattr(declared, name), getattr(found, name)
        if not same_value(want, have):
            problems.append(f"{name} is {have!r}, declared {want!r}")
    return problems


def same_value(want: Any, have: Any) -> bool:
    """Equal, with numbers compared as the server answers them (durations as floats)."""
    if isinstance(want, float | int) and isinstance(have, float | int):
        return math.isclose(want, have)
    return bool(want == have)


async def verify_streams(
    js: JetStreamContext, topology: Topology, *, patience: float = 30.0
) -> None:
    """Wait (up to ``patience`` seconds) until every stream exists, then check its config.

    Raises ``StreamConfigError`` at once for a stream that is not as declared.
    """
    deadline = asyncio.get_running_loop().time() + patience
    for declared in topology.streams:
        assert declared.name is not None
        info = await wait_until_declared(
            partial(js.stream_info, declared.name),
            f"stream {declared.name}",
            deadline,
            StreamMissingError,
        )
        problems = config_differences(declared, info.config)
        if problems:
            raise StreamConfigError(
                f"stream {declared.name} is not configured as declared in nats/jetstream.json "
                f"({'; '.join(problems)}); refusing to start. Inspect it as the NATS admin, "
                "then run the stream set-up step."
            )


async def wait_until_declared(
    lookup: Callable[[], Awaitable[Info]],
    what: str,
    deadline: float,
    missing: type[Exception],
) -> Info:
    """``lookup()``'s answer once ``what`` exists; ``missing`` after ``deadline`` (loop time)."""
    while True:
        try:
            return await lookup()
        except NotFoundError as error:
            if asyncio.get_running_loop().time() > deadline:
                raise missing(
                    f"{what} does not exist: run the set-up step "
                    "(just nats-setup, python -m service_kit.messaging.stream_setup)"
                ) from error
            log.warning("waiting for %s to be declared", what)
            await asyncio.sleep(1.0)
