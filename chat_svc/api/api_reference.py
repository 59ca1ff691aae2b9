"""The API's OpenAPI document (``/api/v1/openapi.json``, quart-schema builds it from the
models that validate requests) holds only /api/ routes, and a readable reference page
(``/api/v1/reference``) is rendered from that same document, server-side: no script from
a CDN (the pages' CSP allows none), readable without JavaScript."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from quart import current_app, render_template
from quart.typing import ResponseReturnValue
from quart_schema import OpenAPIProvider
from werkzeug.routing import Rule

API_PREFIX = "/api/v1"


class ApiRoutesOnly(OpenAPIProvider):
    def generate_rules(self) -> Iterable[Rule]:
        return (rule for rule in super().generate_rules() if rule.rule.startswith(API_PREFIX))


def openapi_document() -> dict[str, Any]:
    document: dict[str, Any] = current_app.extensions["QUART_SCHEMA"].openapi_provider.schema()
    return document


async def reference_page() -> ResponseReturnValue:
    document = openapi_document()
    operations = [
        {"method": method.upper(), "path": path, **operation}
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    return await render_template(
        "api_reference.html",
        info=document["info"],
        operations=operations,
        schemas=document["components"]["schemas"],
    )
