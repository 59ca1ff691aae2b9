"""An administrator removes a message by its link (``/settings/messages/remove``).

The link is what a member reports (or what the admin copies from a room they see). The
confirmation shows the text only when the administrator could read the room anyway: closed
rooms and direct conversations they are not in stay unread, and the removal still works.
The message then reads "Removed by an administrator" everywhere, live and on reload
(actions/message_edits.py publishes the change like the author's own deletion)."""

from __future__ import annotations

import re

from quart import Blueprint, abort, redirect, request
from quart.typing import ResponseReturnValue

from chat_svc.actions.message_edits import MessageBusyError
from chat_svc.administration.admin_gate import administrators_only, current_administrator
from chat_svc.administration.audit_log import audited
from chat_svc.models.messages import MessageRecord
from chat_svc.services import services_of
from chat_svc.web.forms import ActionForm
from chat_svc.web.views.room_directory import expired_form
from service_kit.serving.error_pages import render_error
from service_kit.serving.web import render_page

message_removal = Blueprint("message_removal", __name__)

REMOVE_PATH = "/settings/messages/remove"
LINK_MAX_CHARS = 500
# /rooms/<slug>?around=<id> (the "link to this message") or /rooms/<slug>#message-<id>.
MESSAGE_LINK = re.compile(r"/rooms/([a-z0-9-]+)[^#]*?(?:[?&]around=|#message-)(\d{1,18})\b")
NOT_A_MESSAGE = "That link does not lead to a message here. Paste the message's own link."


async def _message_of_link() -> MessageRecord | None:
    source = request.args if request.method == "GET" else await request.form
    found = MESSAGE_LINK.search(str(source.get("link", ""))[:LINK_MAX_CHARS])
    if found is None:
        return None
    # The history index, as edits read it: a message just posted may not be stored yet.
    message = await services_of().reads.history.message(found.group(1), int(found.group(2)))
    return None if message is None or message.deleted else message


@message_removal.get(REMOVE_PATH)
@administrators_only
async def confirm_removal() -> ResponseReturnValue:
    message = await _message_of_link()
    if message is None:
        return await render_error(404, NOT_A_MESSAGE, template="chat_error.html")
    admin = current_administrator()
    readable = await services_of().reads.access.visible_room(admin.user_id, message.room)
    return await render_page(
        "admin_remove_message.html",
        message=message,
        readable=readable is not None,
        link=request.args.get("link", ""),
        form=ActionForm(None),
    )


@message_removal.post(REMOVE_PATH)
@administrators_only
async def remove() -> ResponseReturnValue:
    if not ActionForm(await request.form).validate():
        return await expired_form()
    message = await _message_of_link()
    if message is None:
        abort(404)
    admin = current_administrator()
    target = f"{message.room} #{message.message_id} by {message.author_name}"
    async with audited(admin, "message:remove", message.author_id, target) as step:
        try:
            await services_of().actions.edits.delete(message, by_admin=True)
        except MessageBusyError:
            step.outcome = "failed"  # deleted or changing this very moment
    if step.outcome == "failed":
        abort(404)
    return redirect("/settings/people?done=message-removed", 303)
