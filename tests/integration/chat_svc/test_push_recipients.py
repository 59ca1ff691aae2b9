"""Who a posted message is pushed to, read without a database scan per message (issue 28):
the room's members from the replica's list, each one's level and read position from their
copy in Valkey; the people whose copy is missing are read from the store in one query,
which brings their copies back."""

from __future__ import annotations

from typing import cast

from redis.asyncio import Redis

from chat_svc.push.levels.every_message_members import (
    EveryMessageMembers,
    every_message_key,
    select_every_message_ids,
)
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


def people_read(finds: list[dict[str, object]]) -> list[set[str]]:
    """The people whose copies were rebuilt by each membership read (MemberPlaces)."""
    return [set(cast(dict[str, list[str]], f["user_id"])["$in"]) for f in finds if "user_id" in f]


async def test_a_message_reads_only_the_copies_of_members_at_everything_and_the_mentioned(
    make_chat_app: AppFactory, fake_auth: FakeAuth, redis_client: Redis
) -> None:
    with database_commands() as commands:
        async with chat_and_push(make_chat_app, push_coalesce_seconds=0) as (_, test_app, service):
            ada, bob, carol, dan, erin, fay = (
                sign_in(test_app, fake_auth, name)
                for name in ("Ada", "Bob", "Carol", "Dan", "Erin", "Fay")
            )
            slug = await ada.create_room("Large")
            for person in (bob, carol, dan, erin, fay):
                assert (await person.post(f"/rooms/{slug}/join"))[0] == 303
            for person in (bob, carol, dan):
                assert await register(person, service.device(person.session.display_name)) == 201
            assert (await bob.post(f"/rooms/{slug}/notifications", level="everything"))[0] == 303
            await ada.say(slug, "warm-up")  # the member list and the room's set are read
            await service.wait_for("Bob")
            quiet = (dan, erin, fay)  # level mentions, not mentioned: their copies are not read
            await redis_client.delete(*[person_key(p.user_id) for p in (bob, carol, *quiet)])

            commands.armed = True
            await ada.say(slug, "lunch, @Carol?")
            await service.wait_for("Bob", 2)
            await service.wait_for("Carol")
            commands.armed = False
            lunch = membership_finds(commands.find_filters)
            copied_again = [await redis_client.exists(person_key(p.user_id)) for p in quiet]

            # Carol to everything and back is honoured at the next message.
            assert (await carol.post(f"/rooms/{slug}/notifications", level="everything"))[0] == 303
            await ada.say(slug, "one")
            await service.wait_for("Carol", 2)
            assert (await carol.post(f"/rooms/{slug}/notifications", level="mentions"))[0] == 303
            await ada.say(slug, "two")
            await service.wait_for("Bob", 4)

            # The room's set lost (a flush, an expiry): ONE read of the store rebuilds it.
            await redis_client.delete(every_message_key(slug))
            commands.find_filters.clear()
            commands.armed = True
            await ada.say(slug, "after the flush")
            await service.wait_for("Bob", 5)
            commands.armed = False
            rebuilt = membership_finds(commands.find_filters)
            after_flush = await EveryMessageMembers(redis_client).of(slug)

            dm = await ada.open_dm(dan)  # a direct room: every message, at no level
            await ada.say(dm, "direct")
            [dans] = await service.wait_for("Dan")

    assert people_read(lunch) == [{bob.user_id, carol.user_id}]  # not Dan's, Erin's, Fay's
    assert rebuilt == [{"room": slug, "notification_level": "everything"}]
    assert after_flush == {bob.user_id}
    assert copied_again == [0, 0, 0]
    assert [p["body"] for p in service.received["Carol"]] == ["lunch, @Carol?", "one"]
    assert [p["body"] for p in service.received["Bob"]] == [
        "warm-up", "lunch, @Carol?", "one", "two", "after the flush"
    ]  # fmt: skip
    assert dans["body"] == "direct" and len(service.received["Dan"]) == 1


async def test_a_rebuild_that_read_the_store_before_a_level_change_keeps_nothing_stale(
    make_chat_app: AppFactory, fake_auth: FakeAuth, redis_client: Redis
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        slug = await ada.create_room("Racing")
        assert (await bob.post(f"/rooms/{slug}/join"))[0] == 303
        every_message = EveryMessageMembers(redis_client)
        before_the_change = await select_every_message_ids(slug)  # a rebuild's read
        assert (await bob.post(f"/rooms/{slug}/notifications", level="everything"))[0] == 303
        stale_kept = await every_message.store_rebuilt(slug, "", before_the_change)
        with_bob = await every_message.of(slug)  # read again from the store
        assert (await bob.post(f"/rooms/{slug}/notifications", level="nothing"))[0] == 303
        without_bob = await every_message.of(slug)

    assert before_the_change == [] and not stale_kept
    assert with_bob == {bob.user_id}
    assert without_bob == frozenset()
