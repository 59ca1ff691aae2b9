"""The chat page, sending a message and reading older ones."""

from __future__ import annotations

from datetime import timedelta

from jinja2_fragments.quart import render_block
from quart import Blueprint, Response, redirect, request
from quart.typing import ResponseReturnValue
from quart_rate_limiter import RateLimitExceeded, rate_limit

from chat_svc.lib.access import signed_in, signed_in_viewer
from chat_svc.lib.forms import MessageForm, SignOutForm
from chat_svc.lib.rate_limits import viewer_key
from chat_svc.lib.runtime import runtime_of
from chat_svc.models.messages import MessageRecord, select_messages_before
from chat_svc.settings import ChatSettings
from service_kit.strict_ids import parse_id
from service_kit.web import is_htmx, render_error, render_page

CHAT_PAGE = "chat.html"


async def render_chat(
    form: MessageForm, status: int = 200, form_only: bool = True
) -> ResponseReturnValue:
    """The chat page, or just its form block for an HTMX form post."""
    runtime = runtime_of()
    context: dict[str, object] = {
        "form": form,
        "sign_out_form": SignOutForm(None),
        "viewer": signed_in_viewer(),
        "max_chars": runtime.settings.message_max_chars,
    }
    if form_only and is_htmx():
        return await render_page(CHAT_PAGE, block="message_form", status=status, **context)
    messages = await runtime.feed.latest(runtime.settings.page_size)
    context |= conversation_context(messages, runtime.settings.page_size)
    block = "conversation" if not form_only else None
    return await render_page(CHAT_PAGE, block=block, status=status, **context)


def conversation_context(messages: list[MessageRecord], page_size: int) -> dict[str, object]:
    return {
        "messages": messages,
        "last_id": messages[-1].message_id if messages else 0,
        # A full page may have older messages before it; a short one cannot.
        "older_before": messages[0].message_id if len(messages) >= page_size else None,
    }


def chat_blueprint(settings: ChatSettings) -> Blueprint:
    chat = Blueprint("chat", __name__)

    @chat.get("/")
    @signed_in
    async def page() -> ResponseReturnValue:
        # An HTMX GET refreshes only the conversation (a stream that fell too far behind).
        return await render_chat(
            MessageForm(None, max_chars=settings.message_max_chars), form_only=False
        )

    @chat.post("/messages")
    @rate_limit(
        settings.message_rate_count,
        timedelta(seconds=settings.message_rate_period_seconds),
        key_function=viewer_key,
    )
    @signed_in
    async def post_message() -> ResponseReturnValue:
        form = MessageForm(await request.form, max_chars=settings.message_max_chars)
        if not form.validate():
            return await render_chat(form, status=422)
        await runtime_of().feed.post(signed_in_viewer(), str(form.body.data))
        if is_htmx():
            # The message itself arrives over the stream, like everyone else's.
            return await render_chat(MessageForm(None, max_chars=settings.message_max_chars))
        return redirect("/", 303)

    @chat.get("/messages")
    @signed_in
    async def older_messages() -> ResponseReturnValue:
        before = parse_id(request.args.get("before"))
        if before is None:
            return await render_error(400, "Which messages? The link is missing a message number.")
        page_size = settings.page_size
        older = await select_messages_before(before, page_size + 1)
        has_more = len(older) > page_size
        older = older[-page_size:]
        return await render_page(
            "older.html",
            block="older_fragment",
            messages=older,
            older_before=older[0].message_id if has_more else None,
            sign_out_form=SignOutForm(None),
            viewer=signed_in_viewer(),
        )

    @chat.errorhandler(RateLimitExceeded)
    async def too_many_messages(error: RateLimitExceeded) -> ResponseReturnValue:
        message = (
            f"You are sending messages quickly. Please wait {error.retry_after} "
            f"second{'s' if error.retry_after != 1 else ''} and send it again."
        )
        headers = {"Retry-After": str(error.retry_after)}
        if is_htmx() and request.path == "/messages":
            form = MessageForm(await request.form, max_chars=settings.message_max_chars)
            form.form_errors.append(message)
            fragment = await render_block(CHAT_PAGE, "message_form", form=form)
            return Response(fragment, status=429, headers=headers)
        body, status = await render_error(429, message, template="chat_error.html")
        return Response(body, status=status, headers=headers)

    return chat
