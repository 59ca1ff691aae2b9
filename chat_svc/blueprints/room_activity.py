"""``POST /rooms/<slug>/typing``: the page's script says its person is typing
(lib/typing_signals.py). Who is here needs no endpoint: the streams themselves are the
presence (lib/presence.py)."""

from __future__ import annotations

from quart import Blueprint, request
from quart.typing import ResponseReturnValue

from chat_svc.blueprints.chat import visible_room_or_404
from chat_svc.lib.access import signed_in, signed_in_viewer
from chat_svc.lib.forms import ActionForm
from chat_svc.lib.runtime import runtime_of
from chat_svc.lib.typing_signals import signal_typing

room_activity = Blueprint("room_activity", __name__)


@room_activity.post("/rooms/<slug>/typing")
@signed_in
async def typing(slug: str) -> ResponseReturnValue:
    room = await visible_room_or_404(slug, member_only=True)
    if not ActionForm(await request.form).validate():
        return "Your page expired: reload it.", 400
    runtime = runtime_of()
    await signal_typing(runtime.live.nats, runtime.feed.cache.redis, room.slug, signed_in_viewer())
    return "", 204
