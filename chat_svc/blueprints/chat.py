"""A room's page, sending a message to it and reading its older messages.

``POST /messages``, ``GET /messages?before=`` and ``GET /events`` (served in
``lib/event_stream.py``) are general's, from before rooms, so old links and tools work.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from markupsafe import Markup
from quart import Blueprint, abort, redirect, request
from quart.typing import ResponseReturnValue
from quart_rate_limiter import rate_limit

from chat_svc.lib.access import signed_in, signed_in_viewer
from chat_svc.lib.forms import ActionForm, MemberForm, MessageForm, SignOutForm
from chat_svc.lib.membership_changes import open_room
from chat_svc.lib.message_feed import CACHE_ERRORS
from chat_svc.lib.presence import here_html
from chat_svc.lib.rate_limits import viewer_key
from chat_svc.lib.room_names import is_slug
from chat_svc.lib.runtime import ChatRuntime, runtime_of
from chat_svc.lib.send_once import claim_send, record_sent, release_send, valid_client_id
from chat_svc.lib.sidebar import load_sidebar
from chat_svc.models.memberships import select_last_opened_room
from chat_svc.models.messages import (
    GENERAL,
    MessageRecord,
    select_messages_before,
)
from chat_svc.models.rooms import Room
from chat_svc.settings import ChatSettings
from service_kit.lifecycle import infrastructure_of
from service_kit.strict_ids import parse_id
from service_kit.web import is_htmx, render_error, render_page

CHAT_PAGE = "chat.html"

log = logging.getLogger(__name__)


async def visible_room_or_404(slug: str, *, member_only: bool) -> Room:
    """The room, or the same 404 for an unknown room and one hidden from this person."""
    runtime = runtime_of()
    found = None
    if is_slug(slug):
        found = await runtime.access.visible_room(signed_in_viewer().user_id, slug)
    if found is None or (member_only and not found[1]):
        abort(404)
    return found[0]


async def render_room(
    slug: str,
    form: MessageForm,
    status: int = 200,
    form_only: bool = True,
    member_form: MemberForm | None = None,
) -> ResponseReturnValue:
    """The room page, or just its message form (an HTMX post) or its conversation (an
    HTMX refresh after the stream fell too far behind)."""
    runtime = runtime_of()
    viewer = signed_in_viewer()
    room = await runtime.access.room(slug) if is_slug(slug) else None
    if room is None:
        abort(404)
    context: dict[str, object] = {
        "room": room,
        "form": form,
        "sign_out_form": SignOutForm(None),
        "action_form": ActionForm(None),
        "member_form": member_form or MemberForm(None),
        "viewer": viewer,
        "max_chars": runtime.settings.message_max_chars,
        "action": f"/rooms/{room.slug}/messages",
        "heartbeat_seconds": runtime.settings.heartbeat_seconds,
    }
    if form_only and is_htmx():
        return await render_page(CHAT_PAGE, block="message_form", status=status, **context)
    sidebar = await load_sidebar(viewer.user_id, room.slug)
    membership = sidebar.membership
    if membership is None and room.kind != "open":
        abort(404)
    messages = await runtime.feed.latest(room.slug, runtime.settings.page_size)
    newest = messages[-1].message_id if messages else 0
    first_unread = None
    if membership is not None:
        read_up_to = membership.last_read_message_id
        # One's own messages are never news: the divider goes above someone else's.
        first_unread = next(
            (
                m.message_id
                for m in messages
                if m.message_id > read_up_to and m.author_id != viewer.user_id
            ),
            None,
        )
        if read_up_to < newest or sidebar.last_opened != room.slug:
            await open_room(runtime.live.nats, room.slug, viewer.user_id, newest)
    context |= conversation_context(messages, runtime.settings.page_size) | {
        "here": await here_now(runtime, room.slug),
        "sidebar": sidebar,
        "member": membership is not None,
        "first_unread": first_unread,
    }
    block = "conversation" if not form_only else None
    return await render_page(CHAT_PAGE, block=block, status=status, **context)


async def here_now(runtime: ChatRuntime, slug: str) -> Markup | None:
    """Who has the room open, as the page first shows it (the stream keeps it current)."""
    try:
        return here_html(await runtime.presence.names(slug))
    except CACHE_ERRORS as error:
        log.warning("who is here unknown: %s", error)
        return None


def conversation_context(messages: list[MessageRecord], page_size: int) -> dict[str, object]:
    return {
        "messages": messages,
        "last_id": messages[-1].message_id if messages else 0,
        # A full page may have older messages before it; a short one cannot.
        "older_before": messages[0].message_id if len(messages) >= page_size else None,
    }


async def post_once(slug: str, form: MessageForm) -> int | None:
    """Store the form's message unless its draft key was sent already; the message's id
    (None while a first send of the same draft is still under way)."""
    viewer = signed_in_viewer()
    body = str(form.body.data)
    client_id = valid_client_id(form.client_id.data)
    feed = runtime_of().feed
    if client_id is None:
        return (await feed.post(viewer, slug, body)).message_id
    redis = infrastructure_of().redis
    claim = await claim_send(redis, viewer.user_id, client_id)
    if not claim.first:
        return claim.message_id
    try:
        message = await feed.post(viewer, slug, body)
    except BaseException:
        await release_send(redis, viewer.user_id, client_id)
        raise
    await record_sent(redis, viewer.user_id, client_id, message.message_id)
    return message.message_id


def chat_blueprint(settings: ChatSettings) -> Blueprint:
    chat = Blueprint("chat", __name__)
    message_rate = rate_limit(
        settings.message_rate_count,
        timedelta(seconds=settings.message_rate_period_seconds),
        key_function=viewer_key,
    )

    def new_message_form() -> MessageForm:
        return MessageForm(None, max_chars=settings.message_max_chars)

    @chat.get("/")
    @signed_in
    async def home() -> ResponseReturnValue:
        last_opened = await select_last_opened_room(signed_in_viewer().user_id)
        return redirect(f"/rooms/{last_opened or GENERAL}", 303)

    @chat.get("/rooms/<slug>")
    @signed_in
    async def room_page(slug: str) -> ResponseReturnValue:
        # An HTMX GET refreshes only the conversation (a stream that fell too far behind).
        return await render_room(slug, new_message_form(), form_only=False)

    async def post_message(slug: str) -> ResponseReturnValue:
        await visible_room_or_404(slug, member_only=True)
        form = MessageForm(await request.form, max_chars=settings.message_max_chars)
        if not form.validate():
            return await render_room(slug, form, status=422)
        message_id = await post_once(slug, form)
        if is_htmx():
            # The message itself arrives over the stream, like everyone else's.
            return await render_room(slug, new_message_form())
        # Without JavaScript: land on the new message (the log scrolls to the anchor).
        anchor = f"#message-{message_id}" if message_id else ""
        return redirect(f"/rooms/{slug}{anchor}", 303)

    @chat.post("/rooms/<slug>/messages")
    @message_rate
    @signed_in
    async def post_room_message(slug: str) -> ResponseReturnValue:
        return await post_message(slug)

    @chat.post("/messages")
    @message_rate
    @signed_in
    async def post_general_message() -> ResponseReturnValue:
        return await post_message(GENERAL)

    async def older_messages(slug: str) -> ResponseReturnValue:
        room = await visible_room_or_404(slug, member_only=False)
        before = parse_id(request.args.get("before"))
        if before is None:
            return await render_error(400, "Which messages? The link is missing a message number.")
        page_size = settings.page_size
        older = await select_messages_before(room.slug, before, page_size + 1)
        has_more = len(older) > page_size
        older = older[-page_size:]
        return await render_page(
            "older.html",
            block="older_fragment",
            room=room,
            messages=older,
            older_before=older[0].message_id if has_more else None,
            sign_out_form=SignOutForm(None),
            viewer=signed_in_viewer(),
        )

    @chat.get("/rooms/<slug>/messages")
    @signed_in
    async def older_room_messages(slug: str) -> ResponseReturnValue:
        return await older_messages(slug)

    @chat.get("/messages")
    @signed_in
    async def older_general_messages() -> ResponseReturnValue:
        return await older_messages(GENERAL)

    return chat
