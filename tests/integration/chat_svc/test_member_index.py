"""Issue 28, follow-up: a room's member ids from a Valkey set per room (member_index/),
not a read of the memberships (a scan on FerretDB), right through joins, leaves,
deactivation, a flush and a lost index, and a join that lands while the index is rebuilt."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from chat_svc.member_index.member_sets import (
    READY,
    ROOMS,
    MemberSets,
    member_set_changed,
    member_set_key,
)
from chat_svc.models.memberships import Membership, upsert_membership
from chat_svc.models.users import set_deactivated
from chat_svc.reads.room_members import Members
from chat_svc.services import services_of
from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sign_in
from tests.support.database_commands import database_commands

CROWD = 3000  # memberships stored: the rebuild's read takes long enough to land a join in


def names(members: Members) -> list[str]:
    return [name for _, name in members]


def member_reads(find_filters: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The reads of memberships by room (the old list) or of all (the index's rebuild)."""
    return [f for name, f in find_filters if name == "memberships" and set(f) <= {"room"}]


async def test_member_lists_follow_joins_leaves_deactivation_a_flush_and_a_lost_index(
    make_chat_app: AppFactory, fake_auth: FakeAuth, redis_client: Redis
) -> None:
    with database_commands() as counter:
        app = make_chat_app()
        async with app.test_app() as test_app:
            ada, bob, eve = (sign_in(test_app, fake_auth, name) for name in ("Ada", "Bob", "Eve"))
            for person in (bob, eve):
                await person.csrf()
            slug = await ada.create_room("Plans", visibility="closed")
            for name in ("Bob", "Eve"):
                await ada.post(f"/rooms/{slug}/members", name=name)
            members = services_of(app).reads.members
            counter.armed = True
            members.forget_all()
            joined = await members.of(slug)
            await eve.post(f"/rooms/{slug}/leave")
            members.forget_all()
            left = await members.of(slug)
            await set_deactivated(bob.user_id, True)
            members.forget_all()
            deactivated = await members.of(slug)
            warm_reads = member_reads(counter.find_filters)
            await redis_client.flushall()
            members.forget_all()
            flushed = await members.of(slug), await members.of("general")
            flush_reads = member_reads(counter.find_filters)[len(warm_reads) :]
            # A write that failed deletes READY: sets left stale are replaced, not trusted.
            await redis_client.delete(READY)
            await redis_client.sadd(member_set_key(slug), "ghost")
            await redis_client.sadd(member_set_key("gone"), "ghost")  # everyone left since
            await redis_client.sadd(ROOMS, "gone")
            members.forget_all()
            relost = await members.of(slug)
            counter.armed = False
            gone = await redis_client.exists(member_set_key("gone"))
    assert names(joined) == ["Ada", "Bob", "Eve"]
    assert names(left) == ["Ada", "Bob"] and names(deactivated) == ["Ada"]
    assert warm_reads == [{}], counter.find_filters  # the first build; old code: a read a list
    assert names(flushed[0]) == ["Ada"] and names(flushed[1]) == ["Ada", "Eve"]
    assert flush_reads == [{}]  # every room rebuilt from one read
    assert names(relost) == ["Ada"] and not gone


async def test_a_join_while_the_index_is_rebuilt_is_kept(
    make_chat_app: AppFactory, redis_client: Redis
) -> None:
    async with make_chat_app().test_app():
        joined_at = datetime.now(UTC)
        await Membership.get_pymongo_collection().insert_many(
            {"room": "crowd", "user_id": f"p{n}", "title": "Crowd", "kind": "open",
             "joined_at": joined_at}
            for n in range(CROWD)
        )  # fmt: skip
        sets = MemberSets(redis_client)
        rebuilding = asyncio.create_task(sets.member_ids("crowd"))
        while not await _watching(redis_client):  # the rebuild has begun to read the store
            await asyncio.sleep(0.001)
        await upsert_membership("crowd", "late", "Crowd", "open", 0)
        await member_set_changed(redis_client, "crowd", "late", joined=True)
        first = await rebuilding
        kept = await sets.member_ids("crowd")
    assert len(first) >= CROWD
    assert len(kept) == CROWD + 1 and "late" in kept


async def _watching(redis: Redis) -> bool:
    clients = await redis.client_list()
    return any(int(client.get("watch", 0)) > 0 for client in clients)
