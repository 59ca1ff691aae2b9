"""What every Quart service shares on the web side.

Templates come from the service's own folder first, then ``web_templates/`` (layouts,
macros, error pages); static files (pinned htmx, the stylesheet) from ``web_templates/static``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from beanie.exceptions import CollectionWasNotInitialized
from flask.templating import _default_template_ctx_processor as flask_sync_processor
from jinja2 import ChoiceLoader, FileSystemLoader
from jinja2_fragments.quart import render_block
from pymongo.errors import ConnectionFailure, ExecutionTimeout
from quart import Blueprint, Quart, Response, redirect, render_template, request, url_for
from quart.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException
from wtforms import Form

from service_kit.document_store import DatabaseNotReadyError
from service_kit.infrastructure import ReadinessCheck
from service_kit.logging_setup import ThrottledLog

log = logging.getLogger(__name__)

WEB_TEMPLATES = Path(__file__).resolve().parent.parent / "web_templates"
STATIC_FOLDER = WEB_TEMPLATES / "static"
MAX_REQUEST_BYTES = 64 * 1024  # forms are small; anything larger is refused with 413

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


def create_base_app(import_name: str, service_templates: Path) -> Quart:
    app = Quart(import_name, static_folder=str(STATIC_FOLDER), static_url_path="/static")
    app.jinja_loader = ChoiceLoader(
        [FileSystemLoader(str(service_templates)), FileSystemLoader(str(WEB_TEMPLATES))]
    )
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.jinja_env.globals["service_name"] = import_name.split(".")[0]
    app.jinja_env.globals["first_invalid_field_id"] = first_invalid_field_id

    @app.get("/favicon.ico")
    async def _favicon() -> ResponseReturnValue:
        # Pages link the SVG icon; this answers tools that ask for /favicon.ico regardless.
        return redirect(url_for("static", filename="favicon.svg"), 301)

    @app.before_serving
    async def _render_without_thread_hops() -> None:
        drop_sync_template_processors(app)

    return app


def drop_sync_template_processors(app: Quart) -> None:
    """Blueprints inherit Flask's synchronous default template context processor, which
    Quart runs in a worker thread on every render (~15% of a page's CPU under load). The
    app's own async processor already adds ``g``, ``request`` and ``session``. Runs at
    start-up, once every blueprint is registered."""
    for processors in app.template_context_processors.values():
        processors[:] = [p for p in processors if p is not flask_sync_processor]


def first_invalid_field_id(form: Form) -> str | None:
    """The id of the form's first field in error, in the order the form declares them:
    the field to focus after a failed submit (the CSRF token is no field a person fixes)."""
    for field in form:
        if field.errors and field.type != "CSRFTokenField":
            return str(field.id)
    return None


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


async def render_page(
    template: str, block: str | None = None, status: int = 200, **context: Any
) -> ResponseReturnValue:
    """Render the whole page, or only ``block`` when HTMX asked for a fragment."""
    if block is not None and is_htmx():
        return await render_block(template, block, **context), status
    return await render_template(template, **context), status


def safe_next_path(candidate: str | None, default: str = "/") -> str:
    """Only a path on this site: never another origin (``//host``, ``/\\host``, ``https:``)."""
    if (
        not candidate
        or len(candidate) > 512
        or not candidate.startswith("/")
        or candidate.startswith(("//", "/\\"))
        or any(ch in candidate for ch in "\r\n\\")
    ):
        return default
    return candidate


def content_security_policy(form_action_origins: Iterable[str] = ()) -> str:
    form_action = " ".join(["'self'", *form_action_origins])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            f"form-action {form_action}",
            "frame-ancestors 'none'",
        ]
    )


def install_security_headers(app: Quart, form_action_origins: Iterable[str] = ()) -> None:
    policy = content_security_policy(form_action_origins)

    @app.after_request
    async def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if is_htmx():
            response.vary.add("HX-Request")
        return response


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
        if is_htmx():
            body = DATABASE_DOWN_FRAGMENT
        else:
            body, _ = await render_error(503, DATABASE_DOWN_MESSAGE)
        return Response(
            body,
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            content_type="text/html; charset=utf-8",
        )

    @app.errorhandler(Exception)
    async def _unexpected(error: Exception) -> ResponseReturnValue:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return await render_error(500)


DATABASE_LOG_SECONDS = 5.0
RETRY_AFTER_SECONDS = 5
DATABASE_DOWN_MESSAGE = (
    "Our database is not answering right now, so nothing you just sent was saved. "
    "Please retry in a few seconds."
)
DATABASE_DOWN_FRAGMENT = f'<p class="error" role="alert">{DATABASE_DOWN_MESSAGE}</p>'


def health_blueprint(
    checks: Mapping[str, ReadinessCheck] | None = None, timeout: float = 2.0
) -> Blueprint:
    """``/healthz``: the process answers. ``/readyz``: every dependency answers in time.

    ``checks`` may be filled in after start-up (connections open in ``before_serving``).
    """
    blueprint = Blueprint("health", __name__)
    registered: dict[str, ReadinessCheck] = dict(checks or {})
    blueprint.checks = registered  # type: ignore[attr-defined]

    @blueprint.get("/healthz")
    async def healthz() -> ResponseReturnValue:
        return {"status": "ok"}

    @blueprint.get("/readyz")
    async def readyz() -> ResponseReturnValue:
        results: dict[str, str] = {}
        for name, check in registered.items():
            try:
                await asyncio.wait_for(check(), timeout)
                results[name] = "ok"
            except Exception as error:
                results[name] = f"failing: {type(error).__name__}: {error}"[:200]
        ready = bool(registered) and all(v == "ok" for v in results.values())
        return {"status": "ready" if ready else "not ready", "checks": results}, (
            200 if ready else 503
        )

    return blueprint
