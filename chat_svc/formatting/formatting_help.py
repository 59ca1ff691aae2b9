"""``GET /help/formatting``: what a message may be written with, each example shown as typed
and as it reads (rendered by the same function posts use, so the page cannot drift)."""

from __future__ import annotations

from quart import Blueprint
from quart.typing import ResponseReturnValue

from chat_svc.formatting.markdown_render import render_markdown
from service_kit.serving.web import render_page

formatting_help = Blueprint("formatting_help", __name__)

EXAMPLES = (
    "**bold**, _italic_, ~~struck through~~",
    "`inline code`",
    '```python\ndef greet(name):\n    return f"Hello, {name}"\n```',
    "> a quoted line",
    "- a list\n- of items",
    "1. first\n2. second",
    "[a link](https://example.com) or just https://example.com",
    "@Display Name mentions a member of the room (not inside code)",
)


@formatting_help.get("/help/formatting")
async def show_formatting_help() -> ResponseReturnValue:
    examples = [(source, render_markdown(source)) for source in EXAMPLES]
    return await render_page("formatting_help.html", examples=examples)
