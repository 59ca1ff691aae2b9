"""The people list at any size (chat_svc/people_directory/): pages by name from Valkey,
rebuilt from chat's copy of the people when Valkey lost it, following every change."""

from __future__ import annotations

import re
from html import unescape

from redis.asyncio import Redis

from chat_svc.models.users import ChatUser, set_deactivated, set_display_name
from chat_svc.people_directory.directory_index import READY
from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import Person, sign_in
from tests.support.database_commands import database_commands

NAME = re.compile(r'<span class="person-name">([^<]+)</span>')
MORE = re.compile(r'href="(/people\?after=[^"]+)" rel="next"')
STORED = 230  # past two pages of 100


async def _every_page(viewer: Person) -> tuple[list[str], int]:
    """The names on every page, following "More people"; and how many pages."""
    names: list[str] = []
    path: str | None = "/people"
    pages = 0
    while path is not None:
        status, html = await viewer.get(unescape(path))
        assert status == 200
        names += [unescape(name) for name in NAME.findall(html)]
        pages += 1
        more = MORE.search(html)
        path = more.group(1) if more else None
    return names, pages


async def test_the_people_list_pages_by_name_from_the_index_and_follows_changes(
    make_chat_app: AppFactory, fake_auth: FakeAuth, redis_client: Redis
) -> None:
    with database_commands() as counter:
        app = make_chat_app()
        async with app.test_app() as test_app:
            ada = sign_in(test_app, fake_auth, "Ada")
            await ada.get("/rooms/general")  # chat knows her now
            # People stored before the index existed (as after a Valkey flush).
            await ChatUser.get_pymongo_collection().insert_many(
                {"user_id": f"p{n:03}", "email": f"p{n}@example.com", "display_name": f"P {n:03}"}
                for n in range(STORED)
            )
            await redis_client.delete(READY)
            names, pages = await _every_page(ada)
            assert names == sorted(names) and len(names) == len(set(names)) == STORED + 1
            assert pages == 3

            await set_display_name("p005", "Zed")  # renamed: moves to the end
            await set_deactivated("p007", True)  # leaves the list
            counter.armed = True
            names, _ = await _every_page(ada)
            counter.armed = False
            assert names[-1] == "Zed" and "P 005" not in names and "P 007" not in names
            assert len(names) == STORED
            assert ("find", "users") not in counter.sent, "the index answers every page"
