"""Renders a message once: the same markup for the page and for the live stream."""

from __future__ import annotations

from jinja2 import Environment

from chat_svc.lib.sse import frame
from chat_svc.models.messages import MessageRecord

MESSAGE_TEMPLATE = "_message.html"


class MessageRenderer:
    def __init__(self, environment: Environment) -> None:
        self._template = environment.get_template(MESSAGE_TEMPLATE)

    def html(self, message: MessageRecord) -> str:
        return self._template.render(message=message).strip()

    def frame(self, message: MessageRecord) -> bytes:
        return frame("message", self.html(message), event_id=message.message_id)
