"""The API's OpenAPI document (``/api/v1/openapi.json``, quart-schema builds it from the
models that validate requests) holds only /api/ routes, and a readable reference page
(``/api/v1/reference``) is rendered from that same document, server-side: no script from
a CDN (the pages' CSP allows none), readable without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from quart import current_app, render_template
from quart.typing import ResponseReturnValue
from quart_schema import OpenAPIProvider
from werkzeug.routing import BaseConverter, Rule

from chat_svc.api.event_stream_document import EVENT_STREAMS
from chat_svc.api.problems import PROBLEM_TYPE
from service_kit.serving.strict_ids import IdConverter

API_PREFIX = "/api/v1"
PARAMETER = re.compile(r"<(?:[^:>]*:)?([^>]+)>")


class ApiRoutesOnly(OpenAPIProvider):
    def generate_rules(self) -> Iterable[Rule]:
        return (rule for rule in super().generate_rules() if rule.rule.startswith(API_PREFIX))

    def build_paths(self, rule: Rule) -> tuple[dict[str, Any], dict[str, Any]]:
        """quart-schema's path pattern runs past ``>`` to a later converter's colon
        (``<slug>/…/<int:id>`` became ``{id}``): the path is rebuilt with a tighter one."""
        paths, components = super().build_paths(rule)
        (operations,) = paths.values()
        return {PARAMETER.sub(r"{\1}", rule.rule): operations}, components

    def build_path_parameter(self, name: str, converter: BaseConverter) -> dict[str, Any]:
        if isinstance(converter, IdConverter):  # 1 to 18 digits
            schema = {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}
            return {"name": name, "in": "path", "required": True, "schema": schema}
        parameter: dict[str, Any] = super().build_path_parameter(name, converter)
        return parameter

    def schema(self) -> dict[str, Any]:
        """As quart-schema builds it, with errors in the media type they are sent in."""
        document = super().schema()
        for operations in document["paths"].values():
            for operation in operations.values():
                for status, response in operation["responses"].items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        response["content"] = {PROBLEM_TYPE: content["application/json"]}
                        response["description"] = "Problem details (RFC 9457)"
        document["x-event-streams"] = EVENT_STREAMS
        return document


def openapi_document() -> dict[str, Any]:
    document: dict[str, Any] = current_app.extensions["QUART_SCHEMA"].openapi_provider.schema()
    return document


def schema_name(schema: dict[str, Any]) -> str:
    """A schema's name: the component it refers to, or its own title when inlined."""
    return str(schema.get("$ref", "").rsplit("/", 1)[-1] or schema.get("title", "object"))


def named_schemas(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every schema the document uses, by name: components and those inlined in operations."""
    found = dict(document["components"]["schemas"])
    for operations in document["paths"].values():
        for operation in operations.values():
            bodies = [operation.get("requestBody", {}), *operation["responses"].values()]
            for body in bodies:
                for content in body.get("content", {}).values():
                    schema = content.get("schema", {})
                    if "title" in schema:
                        found.setdefault(schema["title"], schema)
    return found


async def reference_page() -> ResponseReturnValue:
    document = openapi_document()
    operations = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            responses = [
                (status, response["description"], schema_name(content["schema"]))
                for status, response in operation["responses"].items()
                for content in response.get("content", {}).values()
            ]
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": operation.get("parameters", []),
                    "body": schema_name(body["schema"]) if body else None,
                    "responses": responses,
                }
            )
    return await render_template(
        "api_reference.html",
        info=document["info"],
        operations=operations,
        schemas=named_schemas(document),
        streams=document["x-event-streams"],
    )
