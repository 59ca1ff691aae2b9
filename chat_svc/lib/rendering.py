"""Renders a message once: the same markup for the page and for the live stream."""

from __future__ import annotations

from jinja2 import BaseLoader, Environment, select_autoescape

from chat_svc.lib.message_text import install_message_text
from chat_svc.lib.sse import frame
from chat_svc.models.messages import MessageRecord

MESSAGE_TEMPLATE = "_message.html"


class MessageRenderer:
    def __init__(self, loader: BaseLoader) -> None:
        # A synchronous environment of its own: Quart's is async-only, and this renders
        # inside the NATS callback where one plain call per message is all we want.
        environment = Environment(loader=loader, autoescape=select_autoescape(["html"]))
        install_message_text(environment.globals, environment.filters)
        self._template = environment.get_template(MESSAGE_TEMPLATE)

    def html(self, message: MessageRecord, *, replace: bool = False) -> str:
        return self._template.render(message=message, replace=replace).strip()

    def frame(self, message: MessageRecord, *, replace: bool = False) -> bytes:
        """``replace``: an edit or deletion the page swaps in for the message it shows."""
        html = self.html(message, replace=replace)
        return frame("message", html, event_id=message.stream_id)
