"""``GET /rooms/<slug>/members?q=``: the room's members whose name starts with what follows
the ``@`` being typed, as an ``<ul role="listbox">`` the message box's script shows
(web_templates/static/js/mention-lookup.js). Only for the room's members: anyone else
gets the same 404 as for a room that does not exist. Writing ``@Display Name`` by hand
works as well (actions/mentions.py recognises it when the message is posted)."""

from __future__ import annotations

from quart import Blueprint, request
from quart.typing import ResponseReturnValue

from chat_svc.actions.mentions import suggest_members
from chat_svc.auth.viewers import signed_in, signed_in_viewer
from chat_svc.models.messages import account_handle
from chat_svc.services import services_of
from chat_svc.web.views.room_messages import visible_room_or_404
from service_kit.serving.web import render_page

SUGGESTIONS = 8
QUERY_MAX_CHARS = 80

mention_suggestions = Blueprint("mention_suggestions", __name__)


@mention_suggestions.get("/rooms/<slug>/members")
@signed_in
async def room_members(slug: str) -> ResponseReturnValue:
    room = await visible_room_or_404(slug, member_only=True)
    typed = (request.args.get("q") or "")[:QUERY_MAX_CHARS]
    viewer = signed_in_viewer()
    others = [m for m in await services_of().reads.members.of(room.slug) if m[0] != viewer.user_id]
    # Account ids stay on the server: the page gets names and the public account tag.
    found = [
        (name, account_handle(user_id))
        for user_id, name in suggest_members(others, typed, SUGGESTIONS)
    ]
    return await render_page("_mention_suggestions.html", members=found)
