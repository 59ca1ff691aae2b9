"""``POST /rooms/<slug>/notifications`` (field ``level``): a room's notification level,
from the room header's menu or from /settings/notifications (``return_to=settings``);
a 303 back to where the form was, so it works without JavaScript."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, redirect, request
from quart.typing import ResponseReturnValue

from chat_svc.auth.viewers import signed_in, signed_in_viewer
from chat_svc.push.devices.preferences import select_hide_text
from chat_svc.push.levels.level_changes import choose_level
from chat_svc.push.levels.levels import LEVEL_LABELS, parse_level, select_room_levels
from chat_svc.services import services_of
from chat_svc.web.forms import ActionForm
from chat_svc.web.views.room_directory import expired_form
from chat_svc.web.views.room_messages import visible_room_or_404
from service_kit.lifecycle import infrastructure_of
from service_kit.serving.error_pages import render_error

notification_levels = Blueprint("notification_levels", __name__)

SETTINGS_PATH = "/settings/notifications"


@notification_levels.post("/rooms/<slug>/notifications")
@signed_in
async def save_room_level(slug: str) -> ResponseReturnValue:
    room = await visible_room_or_404(slug, member_only=True)
    form = await request.form
    if not ActionForm(form).validate():
        return await expired_form()
    level = parse_level(form.get("level"))
    if level is None:
        return await render_error(422, "Choose every message, mentions only or nothing.")
    if room.kind == "direct":
        return await render_error(422, "Direct messages always notify.")
    people = services_of().reads.people
    await choose_level(
        infrastructure_of().nats, people, room.slug, signed_in_viewer().user_id, level
    )
    if form.get("return_to") == "settings":
        return redirect(f"{SETTINGS_PATH}?saved=1#room-levels", 303)
    return redirect(f"/rooms/{room.slug}", 303)


async def push_settings_context(user_id: str) -> dict[str, Any]:
    """What /settings/notifications shows of this feature (_room_levels.html)."""
    return {
        "room_levels": await select_room_levels(user_id),
        "level_labels": LEVEL_LABELS,
        "hide_push_text": await select_hide_text(user_id),
    }
