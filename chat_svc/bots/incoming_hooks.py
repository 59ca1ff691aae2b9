"""``POST /hooks/<room>/<secret>``: an incoming webhook posts its body as the bot. A plain
text body is the message; a JSON body gives it as ``text`` (Slack's and Mattermost's name)
or ``body``. The secret is a token bound to its room (chat_svc/tokens/), so a rotated one
stops on every replica at once. The answers are problem details, like the API's (409
``room_archived`` when the room is archived: read-only)."""

from __future__ import annotations

import json

from quart import Blueprint, Response, request
from quart.typing import ResponseReturnValue

from chat_svc.actions.room_names import is_slug
from chat_svc.api.api_messages import checked_body
from chat_svc.api.problems import ApiProblem, install_problems
from chat_svc.bots.posted_text import posted_text
from chat_svc.room_administration.archived_rooms import refuse_archived_api
from chat_svc.services import services_of
from chat_svc.tokens.token_runtime import tokens_of

incoming_hooks = Blueprint("incoming_hooks", __name__)
install_problems(incoming_hooks)


@incoming_hooks.post("/hooks/<room>/<secret>")
async def incoming(room: str, secret: str) -> ResponseReturnValue:
    bot = await tokens_of().holder_of(secret, bound_to=room) if is_slug(room) else None
    if bot is None:
        raise ApiProblem(404, "hook_not_found")
    text = posted_text(await request.body, request.content_type or "")
    if text is None:
        raise ApiProblem(422, "no_text", 'Send UTF-8 plain text, or JSON with "text".')
    services = services_of()
    found = await services.reads.access.room(room)
    if found is None:  # deleted since the hook was made
        raise ApiProblem(404, "hook_not_found")
    if found.archived:
        raise refuse_archived_api()
    body = checked_body(text, services.settings.message_max_chars)
    message = await services.actions.messages.post(bot, room, body)
    return Response(
        json.dumps({"id": message.message_id}), status=201, content_type="application/json"
    )
