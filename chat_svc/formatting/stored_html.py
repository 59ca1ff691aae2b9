"""The body templates show: the HTML stored with the message, or for a message stored before
formatting existed, rendered now (the same function the post used, so it reads the same)."""

from __future__ import annotations

from markupsafe import Markup

from chat_svc.formatting.markdown_render import message_html
from chat_svc.models.messages import MessageRecord


def formatted_body(message: MessageRecord) -> Markup:
    # Trusted: render_markdown's output went through the sanitiser before it was stored.
    return Markup(message.body_html or message_html(message.body, message.mentions))  # noqa: S704
