"""Reads of one person by id, and of everyone, answered from the people directory's cards
(chat_svc/people_directory/person_lookup.py): on FerretDB each read of ``users`` scans."""

from __future__ import annotations

from redis.asyncio import Redis

from chat_svc.models.users import ChatUser, set_deactivated, set_role
from chat_svc.people_directory.directory_index import READY, PeopleDirectory, card_key
from chat_svc.profiles.profile_records import Profile
from chat_svc.tokens.token_checks import ApiTokens
from service_kit.people.roles import ADMIN
from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import Person, person_handle, sign_in
from tests.support.database_commands import CommandCounter, database_commands

USERS_READ = ("find", "users")


async def test_token_checks_the_api_people_list_and_profiles_read_no_person_from_the_store(
    make_chat_app: AppFactory, fake_auth: FakeAuth, redis_client: Redis
) -> None:
    with database_commands() as counter:
        app = make_chat_app()
        async with app.test_app() as test_app:
            ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
            for person in (ada, bob):
                await person.get("/rooms/general")  # chat knows them now
            await set_role(ada.user_id, ADMIN)
            await redis_client.delete(READY)  # built at start-up: rebuilt now, with the _ids
            _, people_page = await ada.get("/people")  # the directory is built (one scan)
            bobs_handle = person_handle(people_page, "Bob")
            token = (await ApiTokens(redis_client).issue(ada.user_id, "CI")).token
            api = test_app.test_client()
            bearer = {"Authorization": f"Bearer {token}"}

            counter.armed = True
            me = await api.get("/api/v1/me", headers=bearer)  # not cached yet: a full check
            assert me.status_code == 200 and (await me.get_json())["name"] == "Ada"
            listed = await api.get("/api/v1/people", headers=bearer)
            people = (await listed.get_json())["people"]
            assert [person["name"] for person in people] == ["Ada", "Bob"]
            one = await api.get(f"/api/v1/people/{people[1]['id']}", headers=bearer)
            assert (await one.get_json())["name"] == "Bob"
            status, profile = await ada.get(f"/people/{bobs_handle}")
            assert status == 200 and "Bob" in profile
            status, _, _ = await ada.post("/dm", person=bobs_handle)
            assert status == 303
            counter.armed = False
            assert USERS_READ not in counter.sent, counter.sent
            directory = PeopleDirectory(
                redis_client, ChatUser.get_pymongo_collection, Profile.get_pymongo_collection
            )
            by_one = await directory.everyone(chunk=1)  # a script call per person
            assert by_one == await directory.everyone() and len(by_one) == 2

            # The administrators' gate reads the stored record, found by its _id alone; a
            # card written since the rebuild (no _id) learns it from the first read.
            assert await _admin_reads_of_users(ada, counter) == [["_id"]]
            await redis_client.hdel(card_key(ada.user_id), "document")
            assert await _admin_reads_of_users(ada, counter) == [["user_id"]]
            assert await _admin_reads_of_users(ada, counter) == [["_id"]]


async def _admin_reads_of_users(admin: Person, counter: CommandCounter) -> list[list[str]]:
    """The fields each read of ``users`` filtered by, behind one admin page."""
    counter.find_filters.clear()
    counter.armed = True
    status, page = await admin.get("/settings/people")
    counter.armed = False
    assert status == 200 and "Bob" in page
    return [list(query) for collection, query in counter.find_filters if collection == "users"]


async def test_a_deactivated_persons_token_is_refused_from_the_moment_the_card_says_so(
    make_chat_app: AppFactory, fake_auth: FakeAuth, redis_client: Redis
) -> None:
    app = make_chat_app()
    async with app.test_app() as test_app:
        bob = sign_in(test_app, fake_auth, "Bob")
        await bob.get("/rooms/general")
        token = (await ApiTokens(redis_client).issue(bob.user_id, "CI")).token
        await set_deactivated(bob.user_id, True)  # no revocation has reached the token yet
        me = await test_app.test_client().get(
            "/api/v1/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert me.status_code == 401
