"""A deleted message never counts as unread (issue 37, item 17), with either history index.
The store's count (a lost Valkey copy, or past the cache) leaves them out the same way
(models/messages.py ``count_unread_messages``)."""

from __future__ import annotations

import re

import pytest

from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sidebar_counts, sign_in


@pytest.mark.parametrize("kind", ["valkey", "database"])
async def test_a_deleted_message_is_not_unread(
    make_chat_app: AppFactory, fake_auth: FakeAuth, kind: str
) -> None:
    async with make_chat_app(history_index=kind).test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        await ada.get("/rooms/general")  # a member who has read everything so far
        for text in ("one", "two, deleted", "three"):
            await bob.say("general", text)
        _, page = await bob.get("/rooms/general")
        deleted = re.findall(r'data-message-id="(\d+)"', page)[-2]
        assert (await bob.post(f"/rooms/general/messages/{deleted}/delete"))[0] == 303
        _, elsewhere = await ada.get("/people")
    assert sidebar_counts(elsewhere)["general"] == 2


async def test_a_message_deleted_before_it_was_seen_leaves_no_placeholder(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        await ada.get("/rooms/general")
        await bob.say("general", "sent by mistake")
        await bob.say("general", "the real one")
        _, page = await bob.get("/rooms/general")
        mistake = re.findall(r'data-message-id="(\d+)"', page)[-2]
        assert (await bob.post(f"/rooms/general/messages/{mistake}/delete"))[0] == 303
        _, bobs = await bob.get("/rooms/general")  # he saw it: the placeholder stays
        _, adas = await ada.get("/rooms/general")  # she never did
    assert "Message deleted" in bobs
    assert "Message deleted" not in adas and "the real one" in adas
    assert f'data-message-id="{mistake}"' not in adas
