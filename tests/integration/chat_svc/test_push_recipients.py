"""Who a posted message is pushed to, read without a database scan per message (issue 28):
the room's members from the replica's list, each one's level and read position from their
copy in Valkey; the people whose copy is missing are read from the store in one query,
which brings their copies back."""

from __future__ import annotations

from redis.asyncio import Redis

from chat_svc.reads.person_rooms import person_key
from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sign_in
from tests.integration.chat_svc.test_web_push import chat_and_push, register
from tests.support.database_commands import database_commands


def membership_finds(filters: list[tuple[str, dict[str, object]]]) -> list[dict[str, object]]:
    return [found for collection, found in filters if collection == "memberships"]


async def test_pushes_read_no_membership_from_the_store_while_copies_are_warm(
    make_chat_app: AppFactory, fake_auth: FakeAuth, redis_client: Redis
) -> None:
    with database_commands() as commands:
        # No coalescing window: every message is pushed at once.
        async with chat_and_push(make_chat_app, push_coalesce_seconds=0) as (_, test_app, service):
            ada, bob, carol, erin = (
                sign_in(test_app, fake_auth, name) for name in ("Ada", "Bob", "Carol", "Erin")
            )
            slug = await ada.create_room("Pushed")
            for person in (bob, carol, erin):
                assert (await person.post(f"/rooms/{slug}/join"))[0] == 303
            for person in (ada, bob, carol, erin):
                assert await register(person, service.device(person.session.display_name)) == 201
            for person in (ada, bob, erin):
                chosen = await person.post(f"/rooms/{slug}/notifications", level="everything")
                assert chosen[0] == 303
            assert (await erin.post(f"/rooms/{slug}/leave"))[0] == 303
            await ada.say(slug, "warm-up")  # the replica reads the room's members once
            await service.wait_for("Bob")

            commands.armed = True
            await ada.say(slug, "lunch, @Carol?")
            await service.wait_for("Bob", 2)
            [carols] = await service.wait_for("Carol")
            commands.armed = False
            warm = membership_finds(commands.find_filters)

            await redis_client.delete(person_key(bob.user_id))  # Bob's copy is lost
            commands.find_filters.clear()
            commands.armed = True
            await ada.say(slug, "after the flush")
            bobs = await service.wait_for("Bob", 3)
            commands.armed = False
            cold = membership_finds(commands.find_filters)
            copied_again = await redis_client.exists(person_key(bob.user_id))

    assert warm == []
    assert cold == [{"user_id": {"$in": [bob.user_id]}}]
    assert copied_again
    assert [push["body"] for push in bobs] == ["warm-up", "lunch, @Carol?", "after the flush"]
    assert carols["body"] == "lunch, @Carol?"  # level mentions: only the mention
    assert len(service.received["Carol"]) == 1
    assert "Erin" not in service.attempts  # left the room
    assert "Ada" not in service.attempts  # the author, at level everything
