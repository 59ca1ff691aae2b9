"""Every replica hears each written line and hands it to its open pages of the room, as
the ``member-line`` event chat.html's log swaps in like a message (no unread count: it is
not a message)."""

from __future__ import annotations

import contextlib
import logging

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from pydantic import ValidationError
from quart import Quart

from chat_svc.live.sse_frames import frame
from chat_svc.member_lines.line_events import MemberLineWritten
from chat_svc.member_lines.line_markup import line_html
from chat_svc.services import services_of
from service_kit.lifecycle import infrastructure_of

log = logging.getLogger(__name__)

_KEY = "chat_member_lines"


def manage_member_lines(app: Quart) -> None:
    @app.before_serving
    async def _open() -> None:
        fanout = services_of(app).live.fanout

        async def on_line(msg: Msg) -> None:
            try:
                event = MemberLineWritten.model_validate_json(msg.data)
            except ValidationError as error:
                log.error("malformed MemberLineWritten dropped: %s", error)
                return
            fanout.send_to_room(event.room, frame("member-line", line_html(event.text, event.at)))

        nats = infrastructure_of(app).nats
        subscription = await nats.subscribe(MemberLineWritten.SUBJECT, cb=on_line)
        app.extensions[_KEY] = subscription

    @app.after_serving
    async def _close() -> None:
        subscription: Subscription | None = app.extensions.pop(_KEY, None)
        if subscription is not None:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
