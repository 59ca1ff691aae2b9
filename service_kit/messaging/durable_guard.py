"""Services bind their durable consumers; they never create or shape them.

The durables of nats/jetstream.json are declared by the privileged set-up step
(``service_kit.messaging.stream_setup``), like the streams; a service user may only read its own
durables' config, pull from them and ack (nats/accounts.conf). A durable someone reshaped
(a broader filter would hand a service another's events; a push subject would copy them
out) stops the service at start-up instead of being served: see docs/security.md
("NATS permissions").
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig

from service_kit.messaging.stream_guard import (
    StreamConfigError,
    StreamMissingError,
    same_value,
    wait_until_declared,
)

if TYPE_CHECKING:
    from service_kit.messaging.jetstream import Topology

# Compared with the declaration (the server's defaults for ack, deliver and replay policy
# are nats-py's, which the declaration states anyway).
DECLARED_FIELDS = (
    "description",
    "deliver_policy",
    "ack_policy",
    "replay_policy",
    "ack_wait",
    "max_deliver",
    "max_ack_pending",
)
# Never declared: each would change what the service gets (push delivery copies events to a
# subject, headers only drops the payload, backoff overrides ack_wait, an inactivity
# threshold deletes the durable, a start sequence or time skips events).
UNSET_FIELDS = (
    "deliver_subject",
    "deliver_group",
    "headers_only",
    "backoff",
    "inactive_threshold",
    "opt_start_seq",
    "opt_start_time",
)


class DurableConfigError(StreamConfigError):
    """A durable exists but not as declared: the service refuses to start."""


class DurableMissingError(StreamMissingError):
    """A durable was not declared in time: the set-up step has not run."""


def filters_of(config: ConsumerConfig) -> list[str]:
    """The subjects a consumer delivers, however they were given (one or a list)."""
    subjects = list(config.filter_subjects or [])
    if config.filter_subject:
        subjects.append(config.filter_subject)
    return sorted(subjects)


def durable_differences(declared: ConsumerConfig, found: ConsumerConfig) -> list[str]:
    """What about ``found`` is not exactly ``declared``; empty when it is."""
    problems = []
    if filters_of(found) != filters_of(declared):
        problems.append(f"filter subjects are {filters_of(found)}, declared {filters_of(declared)}")
    problems += [
        f"{name} is {getattr(found, name)!r}" for name in UNSET_FIELDS if getattr(found, name)
    ]
    for name in DECLARED_FIELDS:
        want, have = getattr(declared, name), getattr(found, name)
        if not same_value(want, have):
            problems.append(f"{name} is {have!r}, declared {want!r}")
    return problems


async def verify_durables(
    js: JetStreamContext, topology: Topology, durables: Iterable[str], *, patience: float = 30.0
) -> None:
    """Wait (up to ``patience`` seconds) until each durable exists, then check its config.

    Raises ``DurableConfigError`` at once for a durable that is not as declared.
    """
    deadline = asyncio.get_running_loop().time() + patience
    for durable in durables:
        stream, declared = topology.consumers[durable]
        info = await wait_until_declared(
            partial(js.consumer_info, stream, durable),
            f"durable consumer {durable} on stream {stream}",
            deadline,
            DurableMissingError,
        )
        problems = durable_differences(declared, info.config)
        if problems:
            raise DurableConfigError(
                f"durable consumer {durable} on stream {stream} is not configured as declared "
                f"in nats/jetstream.json ({'; '.join(problems)}); refusing to start. Inspect "
                "it as the NATS admin, then run the set-up step."
            )
