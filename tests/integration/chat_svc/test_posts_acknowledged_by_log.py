"""Posts acknowledged by the log (issue 28, ``CHAT_POSTS_ACKNOWLEDGED_BY=log``): the post
answers once JetStream stored it, the durable ``chat_svc_history`` stores it, its edits and
its deletion, each once, even when they are all logged before the writer runs; a post
JetStream does not take answers 503 and leaves nothing behind."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import UTC, datetime

from nats.js import JetStreamContext
from quart import Quart
from redis.asyncio import Redis

from chat_svc.events import MessageChanged, MessagePosted, RoomChanged
from chat_svc.history_writer.batch_writes import write_batch
from chat_svc.history_writer.history_consumer import DURABLE, HistoryWriter
from chat_svc.history_writer.writer_installation import KEY, NOT_LOGGED_MESSAGE
from chat_svc.history_writer.writer_lag import WriterLag
from chat_svc.models.message_shape import ReplyQuote
from chat_svc.models.messages import ChatMessage, MessageRecord, event_of, select_message
from chat_svc.services import services_of
from service_kit.lifecycle import infrastructure_of
from service_kit.messaging.jetstream import DEAD_LETTER_PREFIX
from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sign_in
from tests.integration.chat_svc.test_message_edits import cached_text
from tests.support.history_stored import stored_when_written

BY_LOG = {"posts_acknowledged_by": "log"}


def ids_on(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-message-id="(\d+)"', page)]


async def stored_count(room: str, message_id: int) -> int:
    collection = ChatMessage.get_pymongo_collection()
    return await collection.count_documents({"room": room, "message_id": message_id})


def start_a_writer(app: Quart) -> tuple[HistoryWriter, asyncio.Task[None]]:
    """Another history writer on the app's connections, telling its Valkey index."""
    infrastructure = infrastructure_of(app)
    lag = WriterLag(infrastructure.js, "CHAT_EVENTS", DURABLE, 3600.0)
    cache = services_of(app).actions.messages.cache
    writer = HistoryWriter(infrastructure.js, infrastructure.topology, lag, cache)
    return writer, asyncio.create_task(writer.run())


async def test_posts_edits_and_deletions_logged_before_the_writer_runs_are_stored_once(
    make_chat_app: AppFactory, fake_auth: FakeAuth, redis_client: Redis
) -> None:
    app = make_chat_app(**BY_LOG)
    async with app.test_app() as test_app:
        running = app.extensions[KEY]  # the writer stops: everything waits in the log
        running.writer.stop()
        await running.task
        ada = sign_in(test_app, fake_auth, "Ada")
        await ada.say("general", "Teh plan")
        await ada.say("general", "to be removed")
        await ada.say("general", "kept as said")
        _, page = await ada.get("/rooms/general")
        first, second, third = ids_on(page)[-3:]
        assert "Teh plan" in page and "kept as said" in page  # shown at once, from the cache
        base = "/rooms/general/messages"
        assert (await ada.post(f"{base}/{first}/edit", body="The plan"))[0] == 303
        assert (await ada.post(f"{base}/{second}/delete"))[0] == 303
        _, page = await ada.get("/rooms/general")
        assert "The plan" in page and "Teh plan" not in page and "to be removed" not in page
        assert await select_message("general", first) is None  # only the log has them yet
        await redis_client.flushall()  # the history index is rebuilt from a database behind
        history = services_of(app).reads.history
        await history.latest("general", 10)
        await history.wait_rebuilt()

        writer, task = start_a_writer(app)
        try:
            edited = await stored_when_written("general", first, lambda m: m.body == "The plan")
            deleted = await stored_when_written("general", second, lambda m: m.deleted)
            kept = await stored_when_written("general", third)
        finally:
            writer.stop()
            await task
        assert edited.edited_at is not None and deleted.body == "" and kept.body == "kept as said"
        assert [await stored_count("general", i) for i in (first, second, third)] == [1, 1, 1]
        # The writer told the rebuilt index what it wrote: nothing logged is missing there.
        indexed = {m.message_id: m for m in await history.latest("general", 10)}
        assert indexed[first].body == "The plan" and indexed[second].deleted
        assert indexed[third].body == "kept as said"


async def test_the_writer_keeps_the_newest_version_whatever_order_copies_come_in(
    make_chat_app: AppFactory,
) -> None:
    async with make_chat_app(**BY_LOG).test_app():
        room = f"order-{uuid.uuid4().hex[:8]}"
        now = datetime.now(UTC).replace(microsecond=0)
        post = MessageRecord(
            room=room, message_id=1, author_id="a", author_name="A", body="v1", posted_at=now
        )
        quote = ReplyQuote(message_id=1, author_id="a", author_name="A")
        reply = post.model_copy(update={"message_id": 2, "body": "re", "reply": quote})
        v2 = post.model_copy(update={"body": "v2", "event_id": 3, "edited_at": now})
        v3 = post.model_copy(update={"body": "v3", "event_id": 4, "edited_at": now})
        posted = event_of(post, MessagePosted)
        # The newest change first (another replica wrote it), then the post, twice, the reply
        # twice (counted once), and the older change last.
        await write_batch([event_of(v3, MessageChanged), posted, posted])
        await write_batch([event_of(reply, MessagePosted), event_of(reply, MessagePosted)])
        await write_batch([event_of(v2, MessageChanged), posted])
        stored = await select_message(room, 1)
        assert stored is not None and stored.body == "v3" and stored.reply_count == 1
        assert await stored_count(room, 1) == 1
        await write_batch([RoomChanged(room=room, change="deleted")])
        assert await select_message(room, 1) is None and await select_message(room, 2) is None


async def test_a_post_jetstream_does_not_take_answers_503_and_leaves_nothing_behind(
    make_chat_app: AppFactory, fake_auth: FakeAuth, jetstream: JetStreamContext
) -> None:
    app = make_chat_app(**BY_LOG)
    async with app.test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        await ada.say("general", "before the log went away")
        readiness = json.loads((await ada.get("/readyz"))[1])
        assert readiness["status"] == "ready"
        assert set(readiness["reports"]["history_writer"]) == {
            "lag_seconds",
            "alert",
            "pending",
            "unacknowledged",
            "stream_bytes",
            "store_bytes",
            "store_limit_bytes",
            "store_full",
            "store_alert",
        }
        await jetstream.delete_stream("CHAT_EVENTS")  # as the admin: nothing takes a post
        status, body, _ = await ada.post("/rooms/general/messages", body="never logged")
        assert status == 503 and NOT_LOGGED_MESSAGE.split(",")[0] in body
        assert "never logged" not in await cached_text(app, "general")
        _, page = await ada.get("/rooms/general")
        assert "never logged" not in page and "before the log went away" in page


async def test_a_malformed_event_is_dead_lettered_and_the_writer_goes_on(
    make_chat_app: AppFactory, fake_auth: FakeAuth, jetstream: JetStreamContext
) -> None:
    subject = MessagePosted.subject_for("general")
    async with make_chat_app(**BY_LOG).test_app() as test_app:
        await jetstream.publish(subject, b"{not json")
        ada = sign_in(test_app, fake_auth, "Ada")
        await ada.say("general", "after the bad one")
        _, page = await ada.get("/rooms/general")
        stored = await stored_when_written("general", ids_on(page)[-1])
        # Every durable on the subject dead-letters its own copy: the writer's is among them.
        copies = await jetstream.pull_subscribe(
            f"{DEAD_LETTER_PREFIX}.{subject}", stream="DEAD_LETTERS"
        )
        dead = {
            (m.headers or {}).get("Dead-Letter-Consumer"): m
            for m in await copies.fetch(10, timeout=5)
        }
    assert stored.body == "after the bad one"  # the batch went on past it
    assert dead[DURABLE].data == b"{not json"
    assert (dead[DURABLE].headers or {})["Dead-Letter-Reason"].startswith("malformed")


async def test_what_is_posted_while_the_writer_lingers_is_written_in_one_batch(
    make_chat_app: AppFactory, jetstream: JetStreamContext
) -> None:
    """With ``CHAT_HISTORY_WRITER_LINGER_SECONDS`` the writer waits that long after a batch
    that caught up: nine posts logged within it go to the database together, not one by one."""
    app = make_chat_app(**BY_LOG, history_writer_linger_seconds=0.1)
    async with app.test_app():
        writer = app.extensions[KEY].writer
        room = f"linger-{uuid.uuid4().hex[:8]}"
        now = datetime.now(UTC).replace(microsecond=0)

        async def log_post(message_id: int) -> None:
            post = MessageRecord(
                room=room, message_id=message_id, author_id="a", author_name="A",
                body=f"post {message_id}", posted_at=now,
            )  # fmt: skip
            await jetstream.publish(
                MessagePosted.subject_for(room), event_of(post, MessagePosted).to_bytes()
            )

        await log_post(1)
        await stored_when_written(room, 1)
        batches_before = writer.batches
        for message_id in range(2, 11):  # about 50 ms in all, within the linger
            await log_post(message_id)
            await asyncio.sleep(0.005)
        await stored_when_written(room, 10)
        stored = [await stored_count(room, i) for i in range(1, 11)]
    assert stored == [1] * 10
    # One batch each without the linger; the linger may end while they are logged (two).
    assert writer.batches - batches_before <= 3


async def test_a_post_written_with_its_rooms_deletion_stays_out_of_the_history_index(
    make_chat_app: AppFactory, jetstream: JetStreamContext
) -> None:
    """A post and its room's deletion in one batch (the writer lingered): the database and
    Valkey's index both end without it, so a new room that takes the slug starts empty."""
    app = make_chat_app(**BY_LOG)
    async with app.test_app():
        running = app.extensions[KEY]  # stopped: the two events wait in the log together
        running.writer.stop()
        await running.task
        room = f"gone-{uuid.uuid4().hex[:8]}"
        post = MessageRecord(
            room=room, message_id=1, author_id="a", author_name="A", body="old words",
            posted_at=datetime.now(UTC).replace(microsecond=0),
        )  # fmt: skip
        await jetstream.publish(
            MessagePosted.subject_for(room), event_of(post, MessagePosted).to_bytes()
        )
        await jetstream.publish(
            RoomChanged.SUBJECT, RoomChanged(room=room, change="deleted").to_bytes()
        )
        marker = post.model_copy(update={"room": f"after-{room}"})  # stored: the rest was
        await jetstream.publish(
            MessagePosted.subject_for(marker.room), event_of(marker, MessagePosted).to_bytes()
        )
        writer, task = start_a_writer(app)
        try:
            await stored_when_written(marker.room, 1)
        finally:
            writer.stop()
            await task  # its last batch told the index, then stopped
        assert await services_of(app).actions.messages.cache.latest(room, 10) == []
        assert await select_message(room, 1) is None
