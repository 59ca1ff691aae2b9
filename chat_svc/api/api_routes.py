"""Assembles the API: quart-schema on the app (its OpenAPI document, our routes only), one
blueprint at ``/api/v1`` with problem details for every error under it."""

from __future__ import annotations

from quart import Blueprint, Quart
from quart.typing import ResponseReturnValue
from quart_schema import HttpSecurityScheme, Info, QuartSchema, document_response, hide
from quart_schema.openapi import QUART_SCHEMA_HIDDEN_ATTRIBUTE
from quart_schema.validation import QUART_SCHEMA_REQUEST_ATTRIBUTE

from chat_svc.api.api_events import event_stream
from chat_svc.api.api_messages import add_message_routes
from chat_svc.api.api_reference import API_PREFIX, ApiRoutesOnly, reference_page
from chat_svc.api.api_rooms import add_room_routes
from chat_svc.api.api_schemas import Problem
from chat_svc.api.bearer_auth import api_caller
from chat_svc.api.problems import ApiProblem, install_problems
from chat_svc.settings import ChatSettings

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def document_problems(app: Quart) -> None:
    """Every API route answers 401 and 503 as problems; one with a path parameter 404, one
    with a body 422, a write 429 (documented here once rather than on every view)."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not rule.endpoint.startswith("api.") or getattr(
            view, QUART_SCHEMA_HIDDEN_ATTRIBUTE, False
        ):
            continue
        statuses = [401, 503]
        statuses += [404] if rule.arguments else []
        statuses += (
            [422]
            if hasattr(view, QUART_SCHEMA_REQUEST_ATTRIBUTE) or "GET" in (rule.methods or ())
            else []
        )
        statuses += [429] if {"POST", "PATCH"} & set(rule.methods or ()) else []
        for status in statuses:
            document_response(Problem, status)(view)


def install_api(app: Quart, settings: ChatSettings) -> None:
    QuartSchema(
        app,
        openapi_path=f"{API_PREFIX}/openapi.json",
        redoc_ui_path=None,
        scalar_ui_path=None,
        swagger_ui_path=None,
        info=Info(
            title="Chat API",
            version="1",
            description="Rooms, messages and people, as the pages see them.",
        ),
        security_schemes={"bearer": HttpSecurityScheme(scheme="bearer")},
        security=[{"bearer": []}],
        openapi_provider_class=ApiRoutesOnly,
    )
    api = Blueprint("api", __name__, url_prefix=API_PREFIX)
    install_problems(api)
    add_room_routes(api, settings)
    add_message_routes(api, settings)

    # Not in the OpenAPI document (a stream never ends: the walk and the fuzzing would
    # hang on it); described on the reference page.
    @api.get("/events")
    @hide
    @api_caller
    async def events() -> ResponseReturnValue:
        return await event_stream()

    @api.get("/reference")
    @hide
    async def reference() -> ResponseReturnValue:
        return await reference_page()

    # Anything else under /api/ is a problem too, never an HTML page.
    elsewhere = Blueprint("api_elsewhere", __name__, url_prefix="/api")
    install_problems(elsewhere)

    @elsewhere.route("/", methods=ALL_METHODS, defaults={"anything": ""})
    @elsewhere.route("/<path:anything>", methods=ALL_METHODS)
    @hide
    async def nothing_here(anything: str) -> ResponseReturnValue:
        raise ApiProblem(404)

    app.register_blueprint(api)
    app.register_blueprint(elsewhere)
    document_problems(app)
