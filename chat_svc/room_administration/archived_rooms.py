"""An archived room is read-only: its page still shows the history to its members, but
posts, joins, edits, deletions and reactions are refused with this page, and the API's
writes and incoming webhooks with this problem (409: the room is in a state that refuses
it)."""

from __future__ import annotations

from quart import Response, abort
from quart.typing import ResponseReturnValue

from chat_svc.api.problems import ApiProblem
from chat_svc.models.rooms import Room
from service_kit.serving.error_pages import render_error

ARCHIVED = "This room is archived: it is read-only. An administrator can restore it."


async def refuse_archived() -> ResponseReturnValue:
    return await render_error(409, ARCHIVED, template="chat_error.html")


async def abort_if_archived(room: Room) -> None:
    """For the pages' helpers that find a message or fail (they return no response)."""
    if room.archived:
        body, status = await render_error(409, ARCHIVED, template="chat_error.html")
        abort(Response(body, status, content_type="text/html; charset=utf-8"))


def refuse_archived_api() -> ApiProblem:
    return ApiProblem(409, "room_archived", ARCHIVED)
