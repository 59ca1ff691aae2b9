"""Renders a message once: the same markup for the page and for the live stream; and the
room page through a synchronous environment."""

from __future__ import annotations

from typing import Any

from jinja2 import BaseLoader, Environment, Undefined, select_autoescape
from quart import Quart, current_app

from chat_svc.live.sse_frames import MessageFrame, frame
from chat_svc.models.messages import MessageRecord
from chat_svc.web.message_text import install_message_text

MESSAGE_TEMPLATE = "_message.html"


class MessageRenderer:
    def __init__(self, loader: BaseLoader, extra_globals: dict[str, Any] | None = None) -> None:
        # A synchronous environment of its own: Quart's is async-only, and this renders
        # inside the NATS callback where one plain call per message is all we want.
        environment = Environment(loader=loader, autoescape=select_autoescape(["html"]))
        install_message_text(environment.globals, environment.filters)
        environment.globals.update(extra_globals or {})
        self._template = environment.get_template(MESSAGE_TEMPLATE)

    def html(self, message: MessageRecord, *, replace: bool = False) -> str:
        return self._template.render(message=message, replace=replace).strip()

    def frame(self, message: MessageRecord, *, replace: bool = False) -> bytes:
        """``replace``: an edit or deletion the page swaps in for the message it shows."""
        html = self.html(message, replace=replace)
        rendered = MessageFrame(frame("message", html, event_id=message.stream_id))
        rendered.record, rendered.replaces = message, replace
        return rendered


def sync_environment(app: Quart, undefined: type[Undefined] = Undefined) -> Environment:
    """A synchronous copy of the app's Jinja environment: the same loader, globals, filters,
    tests and policies, and Quart's own autoescape rule (by file name: .html escapes)."""
    source = app.jinja_env
    environment = Environment(
        loader=source.loader,
        autoescape=source.autoescape,  # noqa: S701
        auto_reload=source.auto_reload,
        undefined=undefined,
    )
    environment.globals.update(source.globals)
    environment.filters.update(source.filters)
    environment.tests.update(source.tests)
    environment.policies.update(source.policies)
    return environment


class PageRenderer:
    """Whole pages through a synchronous copy of the app's Jinja environment.

    Quart's environment is async-only: every block, include and macro call of a page then
    becomes a coroutine, which was most of the room page's rendering time (py-spy: a
    quarter of its samples). Nothing in our templates awaits anything, so the same
    templates, globals, filters and context processors render in one plain call here.
    Built once the app is configured (at start-up)."""

    def __init__(self, app: Quart) -> None:
        self._environment = sync_environment(app)

    async def render(self, template: str, **context: Any) -> str:
        await current_app.update_template_context(context)  # g, request, session, ...
        return self._environment.get_template(template).render(context)
