"""``POST /rooms/<slug>/read``: the page's read-marks.js reports the newest message that was
on screen while the page was visible, with every message before it seen too, so an unread
count or a mention badge clears only for what the person saw (issue 37, items 4 and 6).
Browsers that report set a cookie (web/cookies.py); the others read a page when served."""

from __future__ import annotations

from quart import Blueprint, request
from quart.typing import ResponseReturnValue

from chat_svc.auth.viewers import signed_in, signed_in_viewer
from chat_svc.services import services_of
from chat_svc.web.forms import ActionForm
from chat_svc.web.views.room_messages import visible_room_or_404
from service_kit.serving.strict_ids import parse_id

read_marks = Blueprint("read_marks", __name__)


@read_marks.post("/rooms/<slug>/read")
@signed_in
async def mark_read(slug: str) -> ResponseReturnValue:
    room = await visible_room_or_404(slug, member_only=True)
    form = await request.form
    if not ActionForm(form).validate():
        return "Your form expired. Please reload the page.", 400
    up_to = parse_id(form.get("up_to", ""))
    if up_to is None:
        return "up_to: a message id", 422
    services = services_of()
    newest = await services.reads.history.latest(room.slug, 1)
    # Never past the newest message: the next one must count as unread.
    read_up_to = min(up_to, newest[-1].message_id if newest else 0)
    await services.actions.memberships.read(room.slug, signed_in_viewer().user_id, read_up_to)
    return "", 204
