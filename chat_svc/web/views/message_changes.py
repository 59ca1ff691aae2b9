"""Editing and deleting one's own message: ``/rooms/<slug>/messages/<id>/edit`` and
``…/delete``. Without JavaScript a page with the form (GET) and a 303 back to the room
(POST); with it (HTMX) the form alone, swapped into the message, and the message as it now
is. Anyone else's message, or one that does not exist, answers the same 404.
"""

from __future__ import annotations

from quart import Blueprint, abort, redirect, render_template, request
from quart.typing import ResponseReturnValue

from chat_svc.actions.message_edits import (
    EditWindowClosedError,
    MessageBusyError,
    MessageEdits,
    edit_window,
)
from chat_svc.auth.viewers import signed_in, signed_in_viewer
from chat_svc.models.messages import MessageRecord
from chat_svc.room_administration.archived_rooms import abort_if_archived
from chat_svc.services import services_of
from chat_svc.settings import ChatSettings
from chat_svc.web.forms import ActionForm, MessageForm, SignOutForm
from chat_svc.web.views.room_messages import visible_room_or_404
from service_kit.serving.error_pages import render_error
from service_kit.serving.web import is_htmx, render_page

CHANGE_PAGE = "message_change.html"
MESSAGE_PATH = "/rooms/<slug>/messages/<id:message_id>"


def message_actions_blueprint(settings: ChatSettings) -> Blueprint:
    actions = Blueprint("message_actions", __name__)
    edit_open = edit_window(settings.message_edit_minutes)

    def edits() -> MessageEdits:
        return services_of().actions.edits

    async def own_message_or_404(slug: str, message_id: int) -> MessageRecord:
        room = await visible_room_or_404(slug, member_only=True)
        await abort_if_archived(room)  # chat_svc/room_administration/
        message = await edits().own_message(signed_in_viewer(), room.slug, message_id)
        if message is None:
            abort(404)
        return message

    async def change_page(
        message: MessageRecord, form: MessageForm | ActionForm, deleting: bool, status: int = 200
    ) -> ResponseReturnValue:
        return await render_page(
            CHANGE_PAGE,
            block="change_form",
            status=status,
            message=message,
            form=form,
            deleting=deleting,
            sign_out_form=SignOutForm(None),
            viewer=signed_in_viewer(),
        )

    async def changed(message: MessageRecord) -> ResponseReturnValue:
        if is_htmx():
            # The message as it now is, in place of the form (the stream brings it too).
            html = await render_template(
                "_message.html", message=message, viewer=signed_in_viewer()
            )
            headers = {"HX-Retarget": f"#message-{message.message_id}", "HX-Reswap": "outerHTML"}
            return html, 200, headers
        return redirect(f"/rooms/{message.room}#message-{message.message_id}", 303)

    async def too_late() -> ResponseReturnValue:
        minutes = f"{settings.message_edit_minutes:g}"
        return await render_error(
            403, f"Messages can be edited for {minutes} minutes after posting."
        )

    @actions.get(f"{MESSAGE_PATH}/edit")
    @signed_in
    async def edit_form(slug: str, message_id: int) -> ResponseReturnValue:
        message = await own_message_or_404(slug, message_id)
        if not edit_open(message):
            return await too_late()  # a page loaded earlier still links the form
        form = MessageForm(None, max_chars=settings.message_max_chars)
        form.body.data = message.body
        return await change_page(message, form, deleting=False)

    @actions.post(f"{MESSAGE_PATH}/edit")
    @signed_in
    async def edit(slug: str, message_id: int) -> ResponseReturnValue:
        message = await own_message_or_404(slug, message_id)
        form = MessageForm(await request.form, max_chars=settings.message_max_chars)
        if not form.validate():
            return await change_page(message, form, deleting=False, status=422)
        try:
            message = await edits().edit(message, str(form.body.data))
        except EditWindowClosedError:
            return await too_late()
        except MessageBusyError:
            abort(404)  # deleted meanwhile (or by another tab this very moment)
        return await changed(message)

    @actions.get(f"{MESSAGE_PATH}/delete")
    @signed_in
    async def delete_form(slug: str, message_id: int) -> ResponseReturnValue:
        message = await own_message_or_404(slug, message_id)
        return await change_page(message, ActionForm(None), deleting=True)

    @actions.post(f"{MESSAGE_PATH}/delete")
    @signed_in
    async def delete(slug: str, message_id: int) -> ResponseReturnValue:
        message = await own_message_or_404(slug, message_id)
        form = ActionForm(await request.form)
        if not form.validate():
            return await change_page(message, form, deleting=True, status=422)
        try:
            message = await edits().delete(message)
        except MessageBusyError:
            abort(404)
        return await changed(message)

    return actions
