"""An archived room is read-only: its page still shows the history to its members, but
posts and joins are refused with this page, and the API's writes and incoming webhooks with
this problem (409: the room is in a state that refuses it)."""

from __future__ import annotations

from quart.typing import ResponseReturnValue

from chat_svc.api.problems import ApiProblem
from service_kit.serving.error_pages import render_error

ARCHIVED = "This room is archived: it is read-only. An administrator can restore it."


async def refuse_archived() -> ResponseReturnValue:
    return await render_error(409, ARCHIVED, template="chat_error.html")


def refuse_archived_api() -> ApiProblem:
    return ApiProblem(409, "room_archived", ARCHIVED)
