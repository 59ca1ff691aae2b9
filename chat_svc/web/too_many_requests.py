"""Friendly 429s: the form with its draft and the wait (HTMX), or a page saying how long."""

from __future__ import annotations

from jinja2_fragments.quart import render_block
from quart import Quart, Response, request
from quart.typing import ResponseReturnValue
from quart_rate_limiter import RateLimitExceeded

from chat_svc.settings import ChatSettings
from chat_svc.web.forms import MessageForm, RoomForm
from service_kit.serving.error_pages import render_error
from service_kit.serving.web import is_htmx


def _wait(seconds: int) -> str:
    if seconds >= 120:
        minutes = -(-seconds // 60)
        return f"{minutes} minutes"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def install_rate_limit_pages(app: Quart, settings: ChatSettings) -> None:
    @app.errorhandler(RateLimitExceeded)
    async def _too_many(error: RateLimitExceeded) -> ResponseReturnValue:
        seconds = error.retry_after if isinstance(error.retry_after, int) else 60
        headers = {"Retry-After": str(seconds)}
        wait = _wait(seconds)
        if request.path == "/rooms":
            message = (
                f"You have created many rooms in a short time. Please wait {wait} "
                "before creating another."
            )
            if is_htmx():
                room_form = RoomForm(await request.form)
                room_form.form_errors.append(message)
                fragment = await render_block("rooms.html", "room_form", room_form=room_form)
                return Response(fragment, status=429, headers=headers)
        elif request.path.endswith("/members"):
            message = f"You have added many people in a short time. Please wait {wait}."
        else:
            message = f"You are sending messages quickly. Please wait {wait} and send it again."
            if is_htmx() and request.path.endswith("/messages"):
                form = MessageForm(await request.form, max_chars=settings.message_max_chars)
                form.form_errors.append(message)
                action = request.path
                fragment = await render_block("chat.html", "message_form", form=form, action=action)
                return Response(fragment, status=429, headers=headers)
        body, status = await render_error(429, message, template="chat_error.html")
        return Response(body, status=status, headers=headers)
