"""What every Quart service shares on the web side.

Templates come from the service's own folder first, then ``web_templates/`` (layouts,
macros, error pages); static files (pinned htmx, the stylesheet) from ``web_templates/static``.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from flask.templating import _default_template_ctx_processor as flask_sync_processor
from jinja2 import ChoiceLoader, FileSystemLoader
from jinja2_fragments.quart import render_block
from quart import (
    Quart,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from quart.typing import ResponseReturnValue
from wtforms import Form

from service_kit.serving.layered_app import ASGICall, LayeredQuart
from service_kit.serving.raw_asgi import Receive, Scope, Send
from service_kit.serving.strict_ids import IdConverter

log = logging.getLogger(__name__)

WEB_TEMPLATES = Path(__file__).resolve().parents[2] / "web_templates"
STATIC_FOLDER = WEB_TEMPLATES / "static"
MAX_REQUEST_BYTES = 64 * 1024  # forms are small; anything larger is refused with 413


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
