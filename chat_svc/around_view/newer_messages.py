"""``GET /rooms/<slug>/messages/newer?after=<id>``: the page of messages after ``id``, for a
room page that ends before the newest (the ``?around=`` view, or one opened far behind).

With HTMX it answers the messages to append and the next "load newer" control; the last
page's control says so (``data-at-newest``), and newer-messages.js then starts the live
stream from the last message the page holds, so nothing between the pages and the stream is
lost. Without JavaScript it is a page of its own, linked to the next.
"""

from __future__ import annotations

from quart import Blueprint, request
from quart.typing import ResponseReturnValue

from chat_svc.auth.viewers import signed_in, signed_in_viewer
from chat_svc.services import services_of
from chat_svc.web.forms import SignOutForm
from chat_svc.web.views.room_messages import visible_room_or_404
from service_kit.serving.error_pages import render_error
from service_kit.serving.strict_ids import parse_id
from service_kit.serving.web import render_page

newer_messages = Blueprint("newer_messages", __name__)


@newer_messages.get("/rooms/<slug>/messages/newer")
@signed_in
async def newer_room_messages(slug: str) -> ResponseReturnValue:
    room = await visible_room_or_404(slug, member_only=False)
    after = parse_id(request.args.get("after"))
    if after is None:
        return await render_error(400, "Which messages? The link is missing a message number.")
    services = services_of()
    page_size = services.settings.page_size
    # ``around`` the next id reads up to page_size + 1 from it: one more tells whether the
    # page is the last (its older half is not wanted here).
    records = await services.reads.history.around(room.slug, after + 1, page_size)
    newer = [record for record in records if record.message_id > after]
    has_more = len(newer) > page_size
    newer = newer[:page_size]
    return await render_page(
        "newer.html",
        block="newer_fragment",
        room=room,
        messages=newer,
        newer_after=newer[-1].message_id if has_more else None,
        # The last page: where the live stream (or, without JS, the room page) goes on.
        at_newest=not has_more,
        sign_out_form=SignOutForm(None),
        viewer=signed_in_viewer(),
    )
