"""``GET /rooms/<slug>/add-suggestions?q=``: the people a member of a closed room may add
whose name starts with what they typed in "Add someone by name", as the same kind of
``<ul role="listbox">`` the @ mentions use (web_templates/static/js/add-person-picker.js).

The candidates are everyone the people page shows (active), less the room's members, read
by a range of the people directory's folded names (people_directory/name_search.py); the
page gets names and public account tags, never account ids or addresses. Each option
carries the text the field receives: the name, with its tag when someone else has that
name too (person_choice.py then adds exactly that one)."""

from __future__ import annotations

from collections import Counter

from quart import Blueprint, abort, request
from quart.typing import ResponseReturnValue

from chat_svc.actions.mentions import suggest_members
from chat_svc.auth.viewers import signed_in
from chat_svc.models.messages import account_handle
from chat_svc.people_directory.directory_index import PersonCard
from chat_svc.people_directory.name_search import people_named, people_starting_with
from chat_svc.people_directory.person_lookup import everyone_cards
from chat_svc.services import services_of
from chat_svc.web.views.mention_suggestions import QUERY_MAX_CHARS, SUGGESTIONS
from chat_svc.web.views.room_messages import visible_room_or_404
from service_kit.serving.web import render_page

add_suggestions = Blueprint("add_suggestions", __name__)


@add_suggestions.get("/rooms/<slug>/add-suggestions")
@signed_in
async def people_to_add(slug: str) -> ResponseReturnValue:
    room = await visible_room_or_404(slug, member_only=True)
    if room.kind != "closed":
        abort(404)  # only closed rooms take people in by name
    typed = (request.args.get("q") or "").strip()[:QUERY_MAX_CHARS]
    members = {user_id for user_id, _ in await services_of().reads.members.of(room.slug)}
    found, shared = await _suggested(typed, members)
    options = [
        (name, account_handle(user_id), shared[name.casefold()] > 1) for user_id, name in found
    ]
    return await render_page("_add_suggestions.html", people=options)


async def _suggested(typed: str, members: set[str]) -> tuple[list[tuple[str, str]], Counter[str]]:
    """(user id, name) of the people to suggest, and how many active people have each
    (case-folded) name."""

    def wanted(card: PersonCard) -> bool:
        return not card.deactivated and card.user_id not in members

    found = await people_starting_with(typed, wanted, SUGGESTIONS)
    namesakes = found and await people_named(card.display_name for card in found)
    if found is not None and namesakes is not None:
        shared = Counter(p.display_name.casefold() for p in namesakes if not p.deactivated)
        return [(card.user_id, card.display_name) for card in found], shared
    # The directory cannot say (Valkey down): every person, from the store.
    people = [(p.user_id, p.display_name) for p in await everyone_cards() if not p.deactivated]
    others = [person for person in people if person[0] not in members]
    return suggest_members(others, typed, SUGGESTIONS), Counter(n.casefold() for _, n in people)
