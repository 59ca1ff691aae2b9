"""What every Quart service shares on the web side.

Templates come from the service's own folder first, then ``web_templates/`` (layouts,
macros, error pages); static files (pinned htmx, the stylesheet) from ``web_templates/static``.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from beanie.exceptions import CollectionWasNotInitialized
from flask.templating import _default_template_ctx_processor as flask_sync_processor
from jinja2 import ChoiceLoader, FileSystemLoader
from jinja2_fragments.quart import render_block
from pymongo.errors import ConnectionFailure, ExecutionTimeout
from quart import (
    Blueprint,
    Quart,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from quart.typing import ResponseReturnValue
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from werkzeug.exceptions import HTTPException
from wtforms import Form

from service_kit.infrastructure import ReadinessCheck
from service_kit.logging_setup import ThrottledLog
from service_kit.serving.layered_app import ASGICall, LayeredQuart
from service_kit.serving.raw_asgi import Receive, Scope, Send
from service_kit.serving.strict_ids import IdConverter
from service_kit.storage.document_store import DatabaseNotReadyError

log = logging.getLogger(__name__)

WEB_TEMPLATES = Path(__file__).resolve().parents[2] / "web_templates"
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


def create_base_app(import_name: str, service_templates: Path) -> LayeredQuart:
    app = LayeredQuart(import_name, static_folder=str(STATIC_FOLDER), static_url_path="/static")
    app.jinja_loader = ChoiceLoader(
        [FileSystemLoader(str(service_templates)), FileSystemLoader(str(WEB_TEMPLATES))]
    )
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.url_map.converters["id"] = IdConverter  # every id in a path: <id:name>, never <int:>
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
    app's own async processor already adds ``g``, ``request`` and ``session``. Other
    synchronous processors (quart-auth's ``current_user``) only read the request, so they
    run on the loop instead of hopping to a thread. Runs at start-up, once every blueprint
    is registered."""
    for processors in app.template_context_processors.values():
        processors[:] = [
            p if inspect.iscoroutinefunction(p) else _on_the_loop(p)
            for p in processors
            if p is not flask_sync_processor
        ]


def _on_the_loop(processor: Callable[[], Any]) -> Callable[[], Awaitable[dict[str, Any]]]:
    async def run() -> dict[str, Any]:
        context: dict[str, Any] = processor()
        return context

    return run


def first_invalid_field_id(form: Form) -> str | None:
    """The id of the form's first field in error, in the order the form declares them:
    the field to focus after a failed submit (the CSRF token is no field a person fixes)."""
    for field in form:
        if field.errors and field.type != "CSRFTokenField":
            return str(field.id)
    return None


AFTER_RESPONSE = "service_kit.after_response"
AfterResponseJob = tuple[Callable[..., Awaitable[None]], tuple[Any, ...]]


def run_after_response(job: Callable[..., Awaitable[None]], *args: Any) -> None:
    """Start ``job(*args)`` once this request's response has been handed to the server.

    Work that must not show in the response time (forgot-password's account look-up) goes
    here; it runs as a background task with the app context. Without
    the ``AfterResponse`` layer it starts at once, in the background.
    """
    jobs = request.scope.get(AFTER_RESPONSE)
    if isinstance(jobs, list):
        jobs.append((job, args))
    else:
        current_app.add_background_task(job, *args)


class AfterResponse:
    """Jobs from ``run_after_response`` start after the last byte is sent, as background
    tasks of ``quart`` (with its app context)."""

    def __init__(self, app: ASGICall, *, quart: Quart) -> None:
        self.app = app
        self.quart = quart

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        jobs: list[AfterResponseJob] = []
        scope[AFTER_RESPONSE] = jobs
        await self.app(scope, receive, send)
        for job, args in jobs:
            self.quart.add_background_task(job, *args)


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


async def render_page(
    template: str, block: str | None = None, status: int = 200, **context: Any
) -> ResponseReturnValue:
    """Render the whole page, or only ``block`` when HTMX asked for a fragment."""
    if block is not None and is_htmx():
        return await render_block(template, block, **context), status
    return await render_template(template, **context), status


NEXT_PATH_MAX_LENGTH = 512
# Printable ASCII only: a browser strips TAB/CR/LF from a URL before parsing it (so
# "/\t/evil.example" means "//evil.example"), and a look-alike such as U+FF0F is no slash
# to us but may become one on the way. Our own paths never need anything else.
_PRINTABLE_ASCII = frozenset(chr(code) for code in range(0x21, 0x7F))


def safe_next_path(candidate: str | None, default: str = "/") -> str:
    """Only a path on this site: exactly one leading ``/``, no scheme, no host.

    Refused (the default is returned): any control, space or non-ASCII character, a
    backslash anywhere in the path, and ``//`` or ``/\\`` at its start, also when
    percent-encoded.
    """
    if not candidate or len(candidate) > NEXT_PATH_MAX_LENGTH:
        return default
    if not _PRINTABLE_ASCII.issuperset(candidate) or not candidate.startswith("/"):
        return default
    path = unquote(candidate.split("?", 1)[0].split("#", 1)[0])
    if (
        path.startswith("//")
        or "\\" in path
        or not _PRINTABLE_ASCII.issuperset(path)
        or urlsplit(candidate).netloc
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


# Browser features no page of ours uses: a script injected despite the CSP gets none of them.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
        "magnetometer", "microphone", "midi", "payment", "publickey-credentials-get",
        "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
)  # fmt: skip
# Two years, the preload list's minimum; sent only in production (always behind HTTPS).
HSTS = "max-age=63072000; includeSubDomains"


def host_cookie_name(name: str, *, secure: bool) -> str:
    """``__Host-name`` for a Secure cookie: browsers then refuse it unless it is Secure,
    host-only and ``Path=/``, so a sibling subdomain or plain-HTTP page cannot plant it."""
    return f"__Host-{name}" if secure else name


def install_security_headers(
    app: Quart, form_action_origins: Iterable[str] = (), *, hsts: bool = False
) -> None:
    policy = content_security_policy(form_action_origins)

    @app.after_request
    async def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if request.endpoint != "static":
            # Pages and fragments are per person (and carry CSRF tokens): no cache keeps them,
            # so the back button after sign-out on a shared computer shows nothing.
            response.headers["Cache-Control"] = "no-store"
        if is_htmx():
            response.vary.add("HX-Request")
        return response


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FOREIGN_POST = "This form was sent from another site, so it was not accepted. Go back and retry."


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL, lower-cased; None otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def origin_named(origin: str, referer: str) -> str | None:
    """The site a browser's ``Origin`` header names, else the origin of its ``Referer``;
    None when it names neither. ``Origin: null`` names no site: Chromium sends it for forms
    on pages with ``Referrer-Policy: no-referrer`` (our token pages)."""
    origin = origin.strip()
    if origin and origin != "null":
        return origin_of(origin) or "unreadable"
    referer = referer.strip()
    return (origin_of(referer) or "unreadable") if referer else None


def foreign_origin(origin: str, referer: str, allowed: frozenset[str]) -> bool:
    """The headers name a site other than ``allowed`` (the origin check's refusal; a request
    naming no site is left to the CSRF token)."""
    named = origin_named(origin, referer)
    return named is not None and named not in allowed


def install_origin_check(
    app: Quart, public_urls: Iterable[str], exempt_endpoints: Iterable[str] = ()
) -> frozenset[str]:
    """Refuse a state-changing request whose ``Origin`` (or ``Referer``) names another
    site, with a 403 page, before any view runs (ASVS 3.5.x, defence beside CSRF tokens).

    Requests that name no site (server-to-server calls, ``Origin: null``, privacy tools
    that strip Referer) are left to the CSRF token, which every form carries anyway.
    ``exempt_endpoints`` are views meant to be posted to from elsewhere (a one-click
    unsubscribe link posted by a mail client); each says why. Returns the origins allowed,
    for a route answered before Quart that applies the same rule (``foreign_origin``).
    """
    allowed = frozenset(filter(None, (origin_of(url) for url in public_urls)))
    exempt = frozenset(exempt_endpoints)

    @app.before_request
    async def _same_origin_posts_only() -> ResponseReturnValue | None:
        if request.method not in UNSAFE_METHODS or request.endpoint in exempt:
            return None
        origin, referer = request.headers.get("Origin", ""), request.headers.get("Referer", "")
        if not foreign_origin(origin, referer, allowed):
            return None
        named = origin_named(origin, referer)
        log.warning("refused a cross-site %s to %s from %s", request.method, request.path, named)
        return await render_error(403, FOREIGN_POST)

    return allowed


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
