"""``POST /rooms/<slug>/typing``: the page's script says its person is typing
(live/typing_signals.py). Who is here needs no endpoint: the streams themselves are the
presence (live/presence.py)."""

from __future__ import annotations

from quart import Blueprint, request
from quart.typing import ResponseReturnValue

from chat_svc.auth.viewers import signed_in, signed_in_viewer
from chat_svc.services import services_of
from chat_svc.web.forms import ActionForm
from chat_svc.web.views.room_messages import visible_room_or_404

room_activity = Blueprint("room_activity", __name__)


@room_activity.post("/rooms/<slug>/typing")
@signed_in
async def typing(slug: str) -> ResponseReturnValue:
    room = await visible_room_or_404(slug, member_only=True)
    if not ActionForm(await request.form).validate():
        return "Your page expired: reload it.", 400
    await services_of().actions.typing.signal(room.slug, signed_in_viewer())
    return "", 204
