"""A room's page, sending a message to it and reading its older messages.

``POST /messages``, ``GET /messages?before=`` and ``GET /events`` (served in
``live/event_stream.py``) are general's, from before rooms, so old links and tools work.
"""

from __future__ import annotations

from quart import Blueprint, abort, redirect, request
from quart.typing import ResponseReturnValue
from quart_rate_limiter import RateLimitExceeded

from chat_svc.actions.post_intake import AlreadySentError, PostRefusedError
from chat_svc.actions.room_names import is_slug
from chat_svc.actions.send_once import valid_client_id
from chat_svc.auth.viewers import signed_in, signed_in_viewer
from chat_svc.files.uploading.message_uploads import is_file_post, post_with_files
from chat_svc.models.messages import GENERAL
from chat_svc.models.rooms import Room
from chat_svc.reads.sidebar import Sidebar
from chat_svc.room_administration.archived_rooms import refuse_archived
from chat_svc.services import services_of
from chat_svc.settings import ChatSettings
from chat_svc.web.cookies import READS_COOKIE, READS_FROM_SCREEN
from chat_svc.web.fast_paths.post_fast_path import post_error_of
from chat_svc.web.forms import ActionForm, MemberForm, MessageForm, SignOutForm
from chat_svc.web.room_view import load_room_page, room_snapshot
from service_kit.serving.error_pages import render_error
from service_kit.serving.strict_ids import parse_id
from service_kit.serving.web import is_htmx, render_page, run_after_response

CHAT_PAGE = "chat.html"


async def visible_room_or_404(slug: str, *, member_only: bool) -> Room:
    """The room, or the same 404 for an unknown room and one hidden from this person."""
    services = services_of()
    found = None
    if is_slug(slug):
        found = await services.reads.access.visible_room(signed_in_viewer().user_id, slug)
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
    services = services_of()
    viewer = signed_in_viewer()
    # The same reads for a hidden room as for a missing one, before the page state is loaded.
    access = services.reads.access
    found = await access.visible_room(viewer.user_id, slug) if is_slug(slug) else None
    if found is None:
        abort(404)
    room, _ = found
    context: dict[str, object] = {
        "room": room,
        "form": form,
        "sign_out_form": SignOutForm(None),
        "action_form": ActionForm(None),
        "member_form": member_form or MemberForm(None),
        "viewer": viewer,
        "max_chars": services.settings.message_max_chars,
        "action": f"/rooms/{room.slug}/messages",
        "heartbeat_seconds": services.settings.heartbeat_seconds,
    }
    if form_only and is_htmx():
        return await render_page(CHAT_PAGE, block="message_form", status=status, **context)
    around = request.args.get("around")
    around_id = parse_id(around) if around is not None else None
    if around is not None and around_id is None:
        return await render_error(400, "Around which message? The message number is not valid.")
    page = await load_room_page(
        services,
        viewer,
        room,
        run_after_response,
        around_id,
        screen_reads=request.cookies.get(READS_COOKIE) == READS_FROM_SCREEN,
    )
    if page is None:
        abort(404)
    context |= page.context()
    if not form_only and is_htmx():
        return await render_page(CHAT_PAGE, block="conversation", status=status, **context)
    return await services.pages.render(CHAT_PAGE, **context), status


async def load_sidebar(user_id: str, current_room: str | None = None) -> Sidebar:
    return (await room_snapshot(services_of(), user_id, current_room)).sidebar


async def post_once(slug: str, form: MessageForm) -> int:
    """Store the form's message unless its draft key was sent already; the message's id."""
    failed = post_error_of(request.scope)
    if failed is not None:  # attempted before Quart already (web/fast_paths/post_fast_path.py)
        raise failed
    client_id = valid_client_id(form.client_id.data)
    feed = services_of().actions.messages
    try:
        message = await feed.post(
            signed_in_viewer(),
            slug,
            str(form.body.data),
            client_id=client_id,
            reply_to=parse_id(form.reply_to.data),
        )
    except AlreadySentError as sent:
        return sent.message_id
    return message.message_id


def chat_blueprint(settings: ChatSettings) -> Blueprint:
    chat = Blueprint("chat", __name__)

    def new_message_form() -> MessageForm:
        return MessageForm(None, max_chars=settings.message_max_chars)

    @chat.get("/")
    @signed_in
    async def home() -> ResponseReturnValue:
        snapshot = await room_snapshot(services_of(), signed_in_viewer().user_id, None)
        return redirect(f"/rooms/{snapshot.sidebar.last_opened or GENERAL}", 303)

    @chat.get("/rooms/<slug>")
    @signed_in
    async def room_page(slug: str) -> ResponseReturnValue:
        # An HTMX GET refreshes only the conversation (a stream that fell too far behind).
        return await render_room(slug, new_message_form(), form_only=False)

    async def post_message(slug: str) -> ResponseReturnValue:
        if (await visible_room_or_404(slug, member_only=True)).archived:
            return await refuse_archived()  # chat_svc/room_administration/
        if is_file_post():  # files attached (chat_svc/files/)
            return await post_with_files(slug, render_room)
        form = MessageForm(await request.form, max_chars=settings.message_max_chars)
        if not form.validate():
            return await render_room(slug, form, status=422)
        try:
            # The sender's rate limit is checked in the post's one Redis round trip.
            message_id = await post_once(slug, form)
        except PostRefusedError as refused:
            raise RateLimitExceeded(refused.retry_after) from refused  # lib/rate_limit_pages
        if is_htmx():
            # The message itself arrives over the stream, like everyone else's.
            return await render_room(slug, new_message_form())
        # Without JavaScript: land on the new message (the log scrolls to the anchor).
        return redirect(f"/rooms/{slug}#message-{message_id}", 303)

    @chat.post("/rooms/<slug>/messages")
    @signed_in
    async def post_room_message(slug: str) -> ResponseReturnValue:
        return await post_message(slug)

    @chat.post("/messages")
    @signed_in
    async def post_general_message() -> ResponseReturnValue:
        return await post_message(GENERAL)

    async def older_messages(slug: str) -> ResponseReturnValue:
        room = await visible_room_or_404(slug, member_only=False)
        before = parse_id(request.args.get("before"))
        if before is None:
            return await render_error(400, "Which messages? The link is missing a message number.")
        page_size = settings.page_size
        history = services_of().reads.history
        older = await history.before(room.slug, before, page_size + 1)
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
