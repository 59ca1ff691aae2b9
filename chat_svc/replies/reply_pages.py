"""``GET /rooms/<slug>/messages/<id>/replies``: the original and its replies in order (a
filtered view of the room, not a thread with its own unread state); and
``GET /rooms/<slug>/messages/<id>/reply``: the quote and a message form carrying
``reply_to``, how a reply is written without JavaScript."""

from __future__ import annotations

from quart import Blueprint, abort
from quart.typing import ResponseReturnValue

from chat_svc.auth.viewers import signed_in, signed_in_viewer
from chat_svc.models.messages import ChatMessage, MessageRecord, record_of
from chat_svc.replies.reply_quotes import reply_target
from chat_svc.services import services_of
from chat_svc.web.forms import MessageForm, SignOutForm
from chat_svc.web.views.room_messages import visible_room_or_404
from service_kit.serving.web import render_page

MESSAGE_PATH = "/rooms/<slug>/messages/<id:message_id>"
# One screen of replies is what a chat answer gets; past that the room's own view serves.
REPLIES_SHOWN = 200

reply_pages = Blueprint("reply_pages", __name__)


async def select_with_replies(room: str, message_id: int) -> list[MessageRecord]:
    found = (
        await ChatMessage.find(
            {"room": room, "$or": [{"message_id": message_id}, {"reply.message_id": message_id}]}
        )
        .sort("+message_id")
        .limit(REPLIES_SHOWN + 1)
        .to_list()
    )
    return [record_of(document) for document in found]


@reply_pages.get(f"{MESSAGE_PATH}/replies")
@signed_in
async def show_replies(slug: str, message_id: int) -> ResponseReturnValue:
    room = await visible_room_or_404(slug, member_only=False)
    messages = await select_with_replies(room.slug, message_id)
    if not messages or messages[0].message_id != message_id:
        abort(404)
    return await render_page(
        "replies.html",
        room=room,
        original=messages[0],
        messages=messages,
        sign_out_form=SignOutForm(None),
        viewer=signed_in_viewer(),
    )


@reply_pages.get(f"{MESSAGE_PATH}/reply")
@signed_in
async def reply_form(slug: str, message_id: int) -> ResponseReturnValue:
    room = await visible_room_or_404(slug, member_only=True)
    # The history index: a message just posted may not be stored yet (history_writer/).
    history = services_of().reads.history
    quote = await reply_target(room.slug, message_id, history.message)
    original = await history.message(room.slug, message_id)
    if quote is None or original is None:
        abort(404)
    form = MessageForm(None, max_chars=services_of().settings.message_max_chars)
    form.reply_to.data = str(message_id)
    return await render_page(
        "reply_form.html",
        room=room,
        original=original,
        form=form,
        sign_out_form=SignOutForm(None),
        viewer=signed_in_viewer(),
    )
