"""``POST /admin/bots/<bot id>/avatar``: an administrator gives a bot a picture (or takes it
away) with the same form field and the same making as a person's own (avatar_uploads)."""

from __future__ import annotations

from quart import Blueprint, abort, redirect, request
from quart.typing import ResponseReturnValue

from chat_svc.auth.viewers import signed_in
from chat_svc.avatars.avatar_images import AvatarRefusedError
from chat_svc.avatars.avatar_uploads import change_avatar
from chat_svc.bots.bot_pages import BOTS_PATH, admin_only
from chat_svc.bots.bot_records import select_bot
from chat_svc.services import services_of
from chat_svc.web.forms import ActionForm
from chat_svc.web.views.room_directory import expired_form
from service_kit.serving.error_pages import render_error

bot_avatars = Blueprint("bot_avatars", __name__)


@bot_avatars.post(f"{BOTS_PATH}/<bot_id>/avatar")
@signed_in
async def set_bot_avatar(bot_id: str) -> ResponseReturnValue:
    await admin_only()
    form = await request.form
    if not ActionForm(form).validate():
        return await expired_form()
    if await select_bot(bot_id) is None:
        abort(404)
    try:
        changed = await change_avatar(bot_id, remove=form.get("remove_avatar") == "y")
    except AvatarRefusedError as refused:
        return await render_error(422, str(refused))
    if changed:
        await services_of().people_names.announce(bot_id)
    return redirect(BOTS_PATH, 303)
