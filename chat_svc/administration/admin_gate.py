"""Every administrative route checks the asker's role on every request, from the store
(no cache: a role change or deactivation counts on every replica at the next request; the
people directory only tells where the record is: people_directory/person_lookup.py).
Anyone else, signed in or not, gets the 404 of a page that does not exist."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import ParamSpec

from quart import abort, g
from quart.typing import ResponseReturnValue

from chat_svc.auth.viewers import current_viewer
from chat_svc.models.users import ChatUser
from chat_svc.people_directory.person_lookup import find_stored_person
from service_kit.people.roles import ADMIN

P = ParamSpec("P")


async def is_administrator(user_id: str) -> bool:
    person = await find_stored_person(user_id)
    return person is not None and person.role == ADMIN and not person.deactivated


def administrators_only(
    view: Callable[P, Awaitable[ResponseReturnValue]],
) -> Callable[P, Awaitable[ResponseReturnValue]]:
    @wraps(view)
    async def guarded(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        viewer = await current_viewer()
        person = await find_stored_person(viewer.user_id) if viewer is not None else None
        if person is None or person.role != ADMIN or person.deactivated:
            abort(404)
        g.administrator = person
        return await view(*args, **kwargs)

    return guarded


def current_administrator() -> ChatUser:
    """The administrator inside a view guarded by ``administrators_only``."""
    person: ChatUser = g.administrator
    return person
