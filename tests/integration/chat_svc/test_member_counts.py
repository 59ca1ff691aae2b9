"""The room header's member count is a Valkey count kept on join and leave
(reads/member_counts.py): right after each, rebuilt from the database when missing, and a
page on a cold cache reads neither the room's memberships nor their names (scans on
FerretDB)."""

from __future__ import annotations

import re

from chat_svc.reads.member_counts import member_count_key
from chat_svc.services import ChatServices
from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import Person, sign_in
from tests.support.database_commands import database_commands


async def header_count(person: Person, slug: str) -> int:
    _, page = await person.get(f"/rooms/{slug}")
    found = re.search(r'<span class="member-count">(\d+)</span>', page)
    assert found is not None, page
    return int(found[1])


async def test_the_member_count_follows_joins_and_leaves_and_reads_no_memberships(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    with database_commands() as commands:
        async with make_chat_app().test_app() as test_app:
            ada, bob, eve = (sign_in(test_app, fake_auth, n) for n in ("Ada", "Bob", "Eve"))
            slug = await ada.create_room("Counted")
            alone = await header_count(ada, slug)
            await bob.post(f"/rooms/{slug}/join")
            await eve.post(f"/rooms/{slug}/join")
            three = await header_count(ada, slug)
            await eve.post(f"/rooms/{slug}/leave")
            two = await header_count(ada, slug)
            services: ChatServices = test_app.app.extensions["chat_services"]  # type: ignore[attr-defined]
            services.reads.members.forget_all()  # a cold cache, as on a fresh replica
            commands.armed = True
            cold = await header_count(ada, slug)
            commands.armed = False
            await services.reads.people.redis.delete(member_count_key(slug))  # a flush
            rebuilt = await header_count(ada, slug)
            await bob.post(f"/rooms/{slug}/leave")
            one = await header_count(ada, slug)
    assert (alone, three, two, cold, rebuilt, one) == (1, 3, 2, 2, 2, 1)
    scans = commands.sent[("find", "memberships")] + commands.sent[("find", "users")]
    assert scans == 0, commands.sent
