"""The AUTH_EVENTS stream (kept a week, on disk, readable by operators) holds nothing that
opens an account: set-password and reset links travel sealed for mail_svc alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from nats.js import JetStreamContext
from quart.typing import TestClientProtocol as Client

from service_kit.events import PasswordResetRequested, SignUpRequested
from service_kit.people.sealed_links import LinkSeal, SealBrokenError, link_in, seal_event
from tests.integration.auth_svc.conftest import link_of, submit, token_from, wait_for_events
from tests.support.stored_events import stored_messages


async def raw_messages(js: JetStreamContext, subject: str) -> list[bytes]:
    return [message.data for message in await stored_messages(js, "AUTH_EVENTS", subject)]


async def test_set_password_and_reset_links_are_not_in_the_stream_in_clear(
    client: Client, jetstream: JetStreamContext
) -> None:
    await submit(client, "/sign-up", email="ada@example.com", display_name="Ada")
    [requested] = await wait_for_events(jetstream, SignUpRequested.SUBJECT)
    [sign_up_bytes] = await raw_messages(jetstream, SignUpRequested.SUBJECT)
    assert b"token=" not in sign_up_bytes and b"set-password" not in sign_up_bytes
    assert isinstance(requested, SignUpRequested)
    link = link_of(requested)  # mail_svc, holding the key, can open it
    token = token_from(link)
    set_password = f"/set-password?token={token}"
    assert (await client.get(set_password)).status_code == 200  # the sealed link works
    pw = "correct horse battery"
    await submit(client, set_password, password=pw, confirm_password=pw)
    await submit(client, "/forgot-password", email="ada@example.com")
    await wait_for_events(jetstream, PasswordResetRequested.SUBJECT)

    stored = b"".join(
        await raw_messages(jetstream, SignUpRequested.SUBJECT)
        + await raw_messages(jetstream, PasswordResetRequested.SUBJECT)
    )
    assert stored, "no events were read"
    assert token.encode() not in stored
    assert b"token=" not in stored and b"set-password" not in stored
    assert b"reset-password" not in stored


async def test_a_sealed_link_opens_only_for_its_own_event_and_key() -> None:
    seal = LinkSeal("a key shared by auth and mail only, 32+ bytes long")
    event = seal_event(
        seal,
        PasswordResetRequested,
        email="ada@example.com",
        display_name="Ada",
        link="https://chat.example/auth/reset-password?token=abc",
        expires_at=datetime.now(UTC),
    )
    assert link_in(event, seal).endswith("token=abc")
    with pytest.raises(SealBrokenError):
        link_in(event, LinkSeal("another key entirely, also 32+ bytes long"))
    moved = event.model_copy(update={"email": "mallory@example.com"})
    with pytest.raises(SealBrokenError):
        link_in(moved, seal)  # a sealed link copied into an event for another address
