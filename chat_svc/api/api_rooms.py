"""``/api/v1/me``, rooms (the caller's, one, create) and people (list, get): the reads and
actions the pages use."""

from __future__ import annotations

from datetime import timedelta

from quart import Blueprint
from quart_rate_limiter import rate_limit
from quart_schema import validate_request, validate_response

from chat_svc.actions.room_names import clean_name, is_slug
from chat_svc.api.api_schemas import ApiAnswer, Me, PeopleList, PersonOut, RoomIn, RoomList, RoomOut
from chat_svc.api.bearer_auth import api_caller, api_rate_key, caller
from chat_svc.api.problems import ApiProblem
from chat_svc.models.messages import author_tag
from chat_svc.models.rooms import NameTakenError, Room
from chat_svc.people_directory.person_lookup import everyone_cards
from chat_svc.services import services_of
from chat_svc.settings import ChatSettings
from service_kit.people.display_names import name_problem


async def visible_room(slug: str) -> tuple[Room, bool]:
    """The room and whether the caller is a member; the same 404 for a missing room and a
    hidden one (as the pages)."""
    found = (
        await services_of().reads.access.visible_room(caller().user_id, slug)
        if is_slug(slug)
        else None
    )
    if found is None:
        raise ApiProblem(404, "room_not_found")
    return found


def add_room_routes(api: Blueprint, settings: ChatSettings) -> None:
    @api.get("/me")
    @api_caller
    @validate_response(Me)
    async def me() -> ApiAnswer:
        """The token's holder."""
        viewer = caller()
        return Me(id=author_tag(viewer.user_id), name=viewer.display_name, email=viewer.email)

    @api.get("/rooms")
    @api_caller
    @validate_response(RoomList)
    async def list_rooms() -> ApiAnswer:
        """The rooms the caller is a member of.

        Direct rooms are titled with the other person."""
        places = (await services_of().reads.people.copy_of(caller().user_id)).places
        return RoomList(rooms=[RoomOut.of_place(place) for place in places.values()])

    @api.get("/rooms/<slug>")
    @api_caller
    @validate_response(RoomOut)
    async def get_room(slug: str) -> ApiAnswer:
        """One room the caller can see.

        Open rooms, and closed and direct ones the caller is in; any other is 404."""
        room, member = await visible_room(slug)
        return RoomOut.of_room(room, member)

    @api.post("/rooms")
    @api_caller
    @rate_limit(
        settings.room_rate_count,
        timedelta(seconds=settings.room_rate_period_seconds),
        key_function=api_rate_key,
    )
    @validate_request(RoomIn)
    @validate_response(RoomOut, 201)
    async def create_room(data: RoomIn) -> ApiAnswer:
        """Create a room, the caller its first member.

        409 ``room_name_taken`` when the caller can already see a room of that name."""
        name = clean_name(data.name)
        problem = name_problem(name) if name else "Give the room a name."
        if problem:
            raise ApiProblem(422, "invalid_room_name", problem)
        try:
            room = await services_of().actions.room_creation.create(name, data.visibility, caller())
        except NameTakenError as taken:
            raise ApiProblem(
                409, "room_name_taken", f"There is already a room called {name!r}."
            ) from taken
        return RoomOut.of_room(room, True), 201

    @api.get("/people")
    @api_caller
    @validate_response(PeopleList)
    async def list_people() -> ApiAnswer:
        """Everyone who can chat, by name."""
        people = await everyone_cards()
        return PeopleList(people=[PersonOut.of(person) for person in people])

    @api.get("/people/<person_id>")
    @api_caller
    @validate_response(PersonOut)
    async def get_person(person_id: str) -> ApiAnswer:
        """One person, by the ``id`` the API shows.

        Never their account id: old direct rooms' slugs derive from account ids
        (actions/direct_rooms.py)."""
        found = [
            person for person in await everyone_cards() if author_tag(person.user_id) == person_id
        ]
        if not found:
            raise ApiProblem(404, "person_not_found")
        return PersonOut.of(found[0])
