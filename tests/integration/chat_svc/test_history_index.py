"""The history interface's behaviour (reads/history/), the same for both implementations:
Valkey's sorted sets (the embedded database's default) and the store's own indexes
(production on MongoDB). Messages, edits and deletions go through the app; the reads are
checked against what was written, then again once Valkey has lost everything."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from redis.asyncio import Redis

from chat_svc.auth.auth_client import Viewer
from chat_svc.models.messages import MessageRecord, Unread
from chat_svc.reads.history.in_valkey import ValkeyHistory
from chat_svc.reads.latest_cache import ready_key
from chat_svc.services import services_of
from tests.integration.chat_svc.conftest import AppFactory, message_ids_in
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sign_in
from tests.support.history_stored import stored_when_written

POSTS = 30


def ids(records: Sequence[MessageRecord]) -> list[int]:
    return [record.message_id for record in records]


@pytest.mark.parametrize("kind", ["valkey", "database"])
async def test_reads_match_what_was_written_before_and_after_valkey_is_flushed(
    kind: str, make_chat_app: AppFactory, fake_auth: FakeAuth, redis_client: Redis
) -> None:
    async with make_chat_app(history_index=kind).test_app() as test_app:
        ada, grace = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Grace")
        await ada.csrf()
        assert (await grace.get("/rooms/general"))[0] == 200  # Grace has read up to here
        services = services_of(test_app.app)  # type: ignore[attr-defined]
        feed, history = services.actions.messages, services.reads.history
        author = Viewer("s-ada", ada.user_id, "ada@example.com", "Ada")
        posted = [
            await feed.post(
                author,
                "general",
                f"note {n}" + (" @Grace" if n % 5 == 0 else ""),
                rate_limited=False,
            )
            for n in range(POSTS)
        ]
        written = [m.message_id for m in posted]
        edits = services.actions.edits
        await edits.edit(posted[3], "now for @Grace")  # gains a mention
        deleted = await edits.delete(posted[5])  # loses one, and no longer counts as unread
        grace_read = written[0] - 1

        async def check() -> None:
            assert ids(await history.latest("general", 10)) == written[-10:]
            assert ids(await history.before("general", written[20], 10)) == written[10:20]
            assert ids(await history.before("general", written[3], 10)) == written[:3]
            assert ids(await history.around("general", written[15], 3)) == written[12:19]
            assert ids(await history.around("general", written[1], 3)) == written[:5]
            older = await history.before("general", written[7], 10)
            assert older[3].body == "now for @Grace" and older[3].event_id is not None
            assert older[5].deleted and older[5].body == ""
            counts = await history.unread({"general": grace_read}, grace.user_id)
            # Mentions: 0, 10, 15, 20, 25 and the edited 3 (5 was deleted).
            assert counts == {"general": Unread(POSTS - 1, written[-1], 6)}  # 5 was deleted
            assert await history.unread({"general": written[-1]}, grace.user_id) == {}
            assert await history.newest_event_id("general") == deleted.stream_id

        if kind == "database":  # it reads the database, which trails the log (history_writer/)
            await stored_when_written("general", deleted.message_id, lambda m: m.deleted)
        await check()  # Valkey's index: at once, before the writer stored them
        await stored_when_written("general", deleted.message_id, lambda m: m.deleted)
        await redis_client.flushall()  # the index is lost: the database answers meanwhile
        await check()
        await history.wait_rebuilt()  # the index is whole again
        if isinstance(history, ValkeyHistory):
            assert await redis_client.exists(ready_key("general"))
        await check()


async def test_the_page_around_a_message_and_older_pages_at_depth(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app(page_size=5).test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        await ada.csrf()
        services = services_of(test_app.app)  # type: ignore[attr-defined]
        author = Viewer("s-ada", ada.user_id, "ada@example.com", "Ada")
        written = [
            (
                await services.actions.messages.post(author, "general", f"n{n}", rate_limited=False)
            ).message_id
            for n in range(20)
        ]
        status, html = await ada.get(f"/rooms/general?around={written[8]}")
        assert status == 200, html
        assert message_ids_in(html) == written[3:14]
        highlighted = re.findall(r'<li[^>]*class="message[^"]*highlighted[^"]*"[^>]*>', html)
        assert len(highlighted) == 1 and f'data-message-id="{written[8]}"' in highlighted[0]
        assert f"?before={written[3]}" in html  # older ones load from there
        assert "Jump to the newest messages" in html
        status, older = await ada.get(f"/rooms/general/messages?before={written[3]}")
        assert status == 200 and message_ids_in(older) == written[:3]
        status, _ = await ada.get("/rooms/general?around=not-a-number")
        assert status == 400
