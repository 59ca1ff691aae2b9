"""Error pages people can read: each status with a plain title and what to do, as a page or
as the fragment an HTMX request swaps in; the database or Redis being down answers 503."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from beanie.exceptions import CollectionWasNotInitialized
from pymongo.errors import ConnectionFailure, ExecutionTimeout
from quart import (
    Quart,
    Response,
    g,
    render_template,
    request,
)
from quart.typing import ResponseReturnValue
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from werkzeug.exceptions import HTTPException

from service_kit.logging_setup import ThrottledLog
from service_kit.serving.web import is_htmx
from service_kit.storage.document_store import DatabaseNotReadyError

log = logging.getLogger(__name__)


# Titles say what happened in plain words (no status jargon); the code stays in the response.
ERROR_TEXT: Mapping[int, tuple[str, str]] = {
    400: (
        "That did not work",
        "The request could not be understood. Please go back and try again.",
    ),
    403: ("Not allowed", "You are not allowed to do that."),
    404: ("Page not found", "There is nothing at this address."),
    405: ("That does not work here", "This address does not accept that kind of request."),
    413: ("Request too large", "What you sent is larger than this service accepts."),
    415: ("Unexpected form", "This service expects a normal web form."),
    429: ("Too many requests", "You are going a little fast. Please wait a moment and retry."),
    500: ("Something went wrong", "An unexpected error happened on our side. It is logged."),
    503: ("Temporarily unavailable", "A service we depend on is not answering. Retry soon."),
}


async def render_error(
    status: int,
    message: str | None = None,
    template: str = "errors/error.html",
    title: str | None = None,
    **context: Any,
) -> tuple[str, int]:
    """An HTML error page; services pass their own ``template`` to add actions and may
    replace the status's generic ``title`` with one that says what happened."""
    default_title, default_message = ERROR_TEXT.get(status, ERROR_TEXT[500])
    # Context processors see this and read nothing: the page that says the database is down
    # must not need the database (a 500 instead of the 503, measured with FerretDB killed).
    g.rendering_error_page = True
    body = await render_template(
        template,
        status=status,
        title=title or default_title,
        message=message or default_message,
        **context,
    )
    return body, status


def install_error_pages(app: Quart) -> None:
    """Every error is an HTML page with a clear explanation, never a traceback or JSON."""

    @app.errorhandler(HTTPException)
    async def _http_error(error: HTTPException) -> ResponseReturnValue:
        body, status = await render_error(error.code or 500)
        response = Response(body, status=status, content_type="text/html; charset=utf-8")
        allowed = error.get_response().headers.get("Allow")
        if allowed:
            response.headers["Allow"] = allowed
        return response

    database_log = ThrottledLog(log, DATABASE_LOG_SECONDS)

    @app.errorhandler(ConnectionFailure)  # unreachable, timed out, pool exhausted
    @app.errorhandler(ExecutionTimeout)
    @app.errorhandler(CollectionWasNotInitialized)
    @app.errorhandler(DatabaseNotReadyError)
    async def _database_unavailable(error: Exception) -> ResponseReturnValue:
        # A dead or restarting database: a clear 503, never a 500; nothing was stored.
        database_log.warning(
            "database unavailable on %s %s: %s", request.method, request.path, error
        )
        return await unavailable_response(DATABASE_DOWN_MESSAGE, RETRY_AFTER_SECONDS)

    busy_log = ThrottledLog(log, DATABASE_LOG_SECONDS)

    @app.errorhandler(RedisConnectionError)  # down, or every pooled connection busy
    @app.errorhandler(RedisTimeoutError)
    async def _busy(error: Exception) -> ResponseReturnValue:
        # Overload (or a Redis outage) degrades to "busy, retry": a 503 the HTMX form
        # retries once (web_templates/static/js/busy-retry.js), never a 500.
        busy_log.warning("redis unavailable on %s %s: %s", request.method, request.path, error)
        return await busy_response()

    @app.errorhandler(Exception)
    async def _unexpected(error: Exception) -> ResponseReturnValue:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return await render_error(500)


async def unavailable_response(message: str, retry_after: int) -> Response:
    """503 with ``Retry-After`` saying ``message``: the whole page, or for HTMX the message
    alone, swapped into the form (which keeps the text)."""
    if is_htmx():
        body = f'<p class="error" role="alert">{message}</p>'
    else:
        body, _ = await render_error(503, message)
    return Response(
        body,
        status=503,
        headers={"Retry-After": str(retry_after)},
        content_type="text/html; charset=utf-8",
    )


async def busy_response() -> Response:
    """503 with ``Retry-After``: the whole page, or for HTMX the fragment in the form."""
    if is_htmx():
        body = BUSY_FRAGMENT
    else:
        body, _ = await render_error(503, BUSY_MESSAGE, title="Busy")
    return Response(
        body,
        status=503,
        headers={"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)},
        content_type="text/html; charset=utf-8",
    )


DATABASE_LOG_SECONDS = 5.0
BUSY_RETRY_AFTER_SECONDS = 1
BUSY_MESSAGE = "We are busy right now, so what you just sent was not saved. Retry in a moment."
BUSY_FRAGMENT = f'<p class="error busy" role="alert">Busy, retrying. {BUSY_MESSAGE}</p>'
RETRY_AFTER_SECONDS = 5
DATABASE_DOWN_MESSAGE = (
    "Our database is not answering right now, so nothing you just sent was saved. "
    "Please retry in a few seconds."
)
