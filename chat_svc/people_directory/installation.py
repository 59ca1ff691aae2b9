"""The people directory for the app's lifetime, installed process-wide once Valkey is open
(as beanie binds the models): chat's person writes (models/users.py) write through it
wherever they run."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from quart import Quart
from redis.exceptions import RedisError

from chat_svc.people_directory.directory_index import PeopleDirectory, PersonCard
from service_kit.lifecycle import infrastructure_of
from service_kit.people.roles import ADMIN

log = logging.getLogger(__name__)

PAGE_SIZE = 100
T = TypeVar("T")
_installed: list[PeopleDirectory] = []


def install_people_directory(app: Quart) -> None:
    # before/after_serving, not while_serving: Quart makes a while_serving generator once, at
    # registration, so an app served a second time (tests do) found it spent and failed to start.
    @app.before_serving
    async def _install() -> None:
        from chat_svc.models.users import ChatUser  # its module writes through this one
        from chat_svc.profiles.profile_records import Profile

        redis = infrastructure_of(app).redis
        people, profiles = ChatUser.get_pymongo_collection, Profile.get_pymongo_collection
        directory = PeopleDirectory(redis, people, profiles)
        _installed[:] = [directory]

    @app.after_serving
    async def _uninstall() -> None:
        _installed.clear()


async def person_changed(
    user_id: str,
    display_name: str | None = None,
    role: str | None = None,
    deactivated: bool | None = None,
    email: str | None = None,
    document_id: str | None = None,
    avatar: str | None = None,
) -> None:
    """Write-through of a person's change the store just applied (none before start-up)."""
    for directory in _installed:
        await directory.changed(
            user_id, display_name, role, deactivated, email, document_id, avatar
        )


async def ask_directory(read: Callable[[PeopleDirectory], Awaitable[T]]) -> T | None:
    """The directory's answer; None with no directory or Valkey down (the caller reads the
    store)."""
    if not _installed:
        return None
    try:
        return await read(_installed[0])
    except (RedisError, OSError) as error:
        log.warning("people directory unavailable, reading the store: %s", error)
        return None


async def people_page(after: str) -> tuple[list[PersonCard], str] | None:
    """A page of active people after ``after``; None when the directory cannot say."""
    return await ask_directory(lambda directory: directory.page(after, PAGE_SIZE))


async def card_of(user_id: str) -> tuple[bool, PersonCard | None]:
    """(answered, the person's card); not answered with no directory, Valkey down or the
    index incomplete (the caller reads the store: person_lookup.py)."""
    return await ask_directory(lambda directory: directory.card(user_id)) or (False, None)


async def everyone_by_card() -> list[PersonCard] | None:
    """Every person by name, deactivated too; None when the directory cannot say."""
    return await ask_directory(lambda directory: directory.everyone())


async def cards_of_people(user_ids: list[str]) -> dict[str, PersonCard] | None:
    """The card of each of these people the directory holds; None when it cannot say."""
    return await ask_directory(lambda directory: directory.cards_of(user_ids))


async def administrators_by_card() -> set[str]:
    """The ids of the active administrators the cards name (none when the directory cannot
    say): candidates for the caller to check in the store."""
    return await ask_directory(lambda directory: directory.administrators()) or set()


async def is_administrator_by_card(user_id: str) -> bool | None:
    """Whether the person is an active administrator, as the directory's card says; None
    when it cannot say (the caller reads the store: administration/admin_gate.py)."""
    answered, card = await card_of(user_id)
    if not answered:
        return None
    return card is not None and card.role == ADMIN and not card.deactivated
