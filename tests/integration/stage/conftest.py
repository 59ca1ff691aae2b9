"""The ``--stage`` topology (3 NATS nodes with R3 streams, 2 chat replicas), once per module."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from devstack.processes import ProcessGroup
from devstack.supervisor import RestartPolicy, Supervisor
from devstack.topology import Topology, start_topology
from tests.support.http_accounts import HttpAccounts, Mailbox

log = logging.getLogger(__name__)

# The rehearsal sends far more requests from one address in a minute than a person would:
# the limits are raised so they measure delivery, not the rate limiter.
GENEROUS_LIMITS = {
    "AUTH_SIGN_UP_PER_IP": "1000",
    "AUTH_SIGN_UP_PER_EMAIL": "1000",
    "AUTH_SIGN_IN_PER_IP": "1000",
    "AUTH_FORGOT_PASSWORD_PER_IP": "1000",
    "AUTH_FORGOT_PASSWORD_PER_EMAIL": "1000",
    "AUTH_FORGOT_PASSWORD_PER_EMAIL_CLIENT": "1000",
    "CHAT_MESSAGE_RATE_COUNT": "1000",
    # The chaos test's 200 streams come from one address and a few sessions.
    "CHAT_STREAMS_PER_SESSION": "1000",
    "CHAT_STREAMS_PER_ADDRESS": "1000",
}


@contextmanager
def running_stage(
    tmp_path_factory: pytest.TempPathFactory,
    restart: RestartPolicy | None = None,
    s3: bool = False,
) -> Iterator[tuple[Topology, Supervisor | None]]:
    """The stage topology; with ``restart``, supervised as ``./run stage`` does; with ``s3``,
    files on SeaweedFS as ``./run stage`` keeps them."""
    # Every process shares one database: the topology's own FerretDB, or the MongoDB that
    # MONGODB_URL names (under a fresh name, dropped afterwards).
    database = f"stage_{uuid.uuid4().hex[:12]}"
    mongodb_url = os.environ.get("MONGODB_URL")
    work_dir = tmp_path_factory.mktemp("stage")
    # Children inherit the environment; it stays set for the module so a process restarted
    # (by a test or the supervisor) gets the same settings.
    with pytest.MonkeyPatch.context() as env:
        for name, value in GENEROUS_LIMITS.items():
            env.setenv(name, value)
        env.setenv("MONGODB_DATABASE", database)
        topology = start_topology(
            work_dir,
            ProcessGroup(log_dir=work_dir / "logs"),
            nats_nodes=3,
            chat_replicas=2,
            app_env="test",
            s3=s3,
        )
        supervisor = None
        if restart is not None:
            supervisor = Supervisor(topology.group, restart, say=log.info)
            supervisor.start_in_background()
        try:
            yield topology, supervisor
        finally:
            if supervisor is not None:
                supervisor.stop_background()
            topology.stop()
            if mongodb_url:
                _drop_database(mongodb_url, database)


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    with running_stage(tmp_path_factory) as (topology, _):
        yield topology


def _drop_database(url: str, base_name: str) -> None:
    from pymongo import MongoClient

    client: MongoClient[dict[str, object]] = MongoClient(url)
    try:
        for name in client.list_database_names():
            if name.startswith(base_name):
                client.drop_database(name)
    finally:
        client.close()


@pytest.fixture(scope="module")
def accounts(stage: Topology) -> HttpAccounts:
    return HttpAccounts(stage.auth_url, Mailbox(stage.mail_api_url))
