"""The poster first (chat_svc/live/posts_in_flight.py): while a post's publish waits for
JetStream's ack, the replica's own live copy of the message waits too, so the POST is
answered before that replica's fan-out begins; its streams still get the message."""

from __future__ import annotations

from chat_svc.services import services_of
from tests.integration.chat_svc.conftest import AppFactory, serve
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.test_room_streams import browser, next_ids, room_stream


async def test_a_post_is_acknowledged_before_its_replica_delivers_it_then_delivered(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada = fake_auth.sign_in("Ada")
    app = make_chat_app(posts_acknowledged_by="log")
    async with serve(app) as url, browser(url, ada) as tab:
        services = services_of(app)
        fanout, publisher = services.live.fanout, services.actions.messages.publisher
        # Deliveries counted the moment the real publish has its ack (one event loop: the
        # check runs before anything the ack woke up).
        delivered_at_ack: list[int] = []
        acknowledged = publisher.publish_acknowledged

        async def watched(subject: str, payload: bytes, event_id: str) -> None:
            await acknowledged(subject, payload, event_id)
            delivered_at_ack.append(fanout.delivered)

        publisher.publish_acknowledged = watched  # type: ignore[method-assign]
        async with room_stream(url, ada, "general") as (status, events):
            assert status == 200
            before = fanout.delivered
            await tab.say("general", "first")
            await tab.say("general", "second")
            first, second = await next_ids(events, 2)
        assert second == first + 1
        # Each ack came before this replica had delivered its message (the old order
        # delivered it first, then read the ack), and each message was delivered once after.
        assert delivered_at_ack == [before, before + 1]
        assert fanout.delivered == before + 2
