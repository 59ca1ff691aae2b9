"""``POST /rooms/<slug>/messages/<id>/reactions`` (field ``emoji``) toggles the caller's
reaction: 303 back to the room, or (HTMX or the page's script) the message's reactions as
they now are. ``GET`` of the same URL is the picker without JavaScript: the message, a form
per reaction, the person's most used emoji and a field for any other.

The message markup is one copy for every viewer (live frames, the page's cache), so it can
hold no CSRF token: its reactions are links to this page, and reactions.js posts them with
the page's own token instead."""

from __future__ import annotations

from datetime import timedelta

from quart import Blueprint, abort, current_app, redirect, render_template, request
from quart.typing import ResponseReturnValue
from quart_rate_limiter import rate_limit
from wtforms import StringField

from chat_svc.auth.viewers import signed_in, signed_in_viewer
from chat_svc.models.messages import MessageRecord
from chat_svc.reactions.emoji_choice import DEFAULT_CHOICES, NotAnEmojiError, emoji_of
from chat_svc.reactions.reaction_toggles import (
    MAX_DIFFERENT,
    ReactionToggles,
    TooManyReactionsError,
)
from chat_svc.room_administration.archived_rooms import abort_if_archived
from chat_svc.services import services_of
from chat_svc.settings import ChatSettings
from chat_svc.web.forms import ActionForm, SignOutForm
from chat_svc.web.rate_limits import viewer_key
from chat_svc.web.views.room_messages import visible_room_or_404
from service_kit.serving.web import is_htmx, render_page

REACTIONS_PATH = "/rooms/<slug>/messages/<id:message_id>/reactions"
TOO_MANY = f"A message can have at most {MAX_DIFFERENT} different reactions."
_EXTENSION = "reaction_toggles"


class ReactionForm(ActionForm):
    emoji = StringField("Any emoji, or its short name like :tada:")


def reaction_toggles() -> ReactionToggles:
    """One per app (its flushes are tasks of this process), built on first use."""
    toggles = current_app.extensions.get(_EXTENSION)
    if toggles is None:
        toggles = current_app.extensions[_EXTENSION] = ReactionToggles(
            services_of().actions.messages
        )
    return toggles


async def message_or_404(slug: str, message_id: int) -> MessageRecord:
    """A message still there in a room the viewer is a member of (the same 404 for the
    rest)."""
    room = await visible_room_or_404(slug, member_only=True)
    await abort_if_archived(room)  # read-only (chat_svc/room_administration/)
    # The history index: the store scans on FerretDB, and a message just posted may not be
    # stored yet (history_writer/).
    message = await services_of().reads.history.message(room.slug, message_id)
    if message is None or message.deleted:
        abort(404)
    return message


def reactions_blueprint(settings: ChatSettings) -> Blueprint:
    reactions = Blueprint("reactions", __name__)

    async def picker(
        message: MessageRecord, form: ReactionForm, status: int = 200
    ) -> ResponseReturnValue:
        viewer = signed_in_viewer()
        used = await reaction_toggles().most_used(viewer.user_id)
        choices = list(dict.fromkeys([*used, *DEFAULT_CHOICES]))[: len(DEFAULT_CHOICES)]
        if is_htmx() and status == 200:  # reactions.js: the choices alone, under the message
            return await render_template("_reaction_choices.html", message=message, choices=choices)
        return await render_page(
            "reaction_picker.html",
            status=status,
            message=message,
            form=form,
            choices=choices,
            sign_out_form=SignOutForm(None),
            viewer=viewer,
        )

    @reactions.get(REACTIONS_PATH)
    @signed_in
    async def show_picker(slug: str, message_id: int) -> ResponseReturnValue:
        return await picker(await message_or_404(slug, message_id), ReactionForm(None))

    @reactions.post(REACTIONS_PATH)
    @rate_limit(
        settings.reaction_rate_count,
        timedelta(seconds=settings.reaction_rate_period_seconds),
        key_function=viewer_key,
    )
    @signed_in
    async def toggle(slug: str, message_id: int) -> ResponseReturnValue:
        message = await message_or_404(slug, message_id)
        form = ReactionForm(await request.form)
        if not form.validate():
            return await picker(message, form, status=422)
        try:
            emoji = emoji_of(str(form.emoji.data or ""))
            message = await reaction_toggles().toggle(signed_in_viewer(), message, emoji)
        except (NotAnEmojiError, TooManyReactionsError) as refused:
            form.emoji.errors = [str(refused) if isinstance(refused, NotAnEmojiError) else TOO_MANY]
            return await picker(message, form, status=422)
        if is_htmx():
            return await render_template("_reactions.html", message=message, reactions_always=True)
        await reaction_toggles().settled(message.room, message.message_id)
        return redirect(f"/rooms/{message.room}#message-{message.message_id}", 303)

    return reactions
