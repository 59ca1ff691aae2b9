"""RFC 9457 problem details for everything under /api/: the status as the pages use it and
a stable ``code`` a script can branch on. Never an HTML page, never a traceback."""

from __future__ import annotations

import logging

from pymongo.errors import ConnectionFailure, ExecutionTimeout
from quart import Blueprint, Response
from quart.typing import ResponseReturnValue
from quart_rate_limiter import RateLimitExceeded
from quart_schema import RequestSchemaValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from werkzeug.exceptions import HTTPException

from chat_svc.actions.post_intake import PostRefusedError
from chat_svc.api.api_schemas import Problem
from chat_svc.auth.auth_client import AuthUnavailableError
from service_kit.storage.document_store import DatabaseNotReadyError

log = logging.getLogger(__name__)

PROBLEM_TYPE = "application/problem+json"
RETRY_AFTER_SECONDS = 2
# The stable code per status; a view may name a more precise one.
CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}
TITLES = {
    400: "Bad request",
    401: "A valid bearer token is needed",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal error",
    503: "Unavailable, retry soon",
}


class ApiProblem(Exception):
    """Raised by a view to answer a problem."""

    def __init__(
        self, status: int, code: str | None = None, detail: str | None = None, **headers: str
    ) -> None:
        super().__init__(detail or code)
        self.status, self.code, self.detail, self.headers = status, code, detail, headers


def problem_response(
    status: int,
    code: str | None = None,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    problem = Problem(
        title=TITLES.get(status, "Error"),
        status=status,
        code=code or CODES.get(status, "error"),
        detail=detail,
    )
    response = Response(problem.model_dump_json(exclude_none=True), status=status)
    response.content_type = PROBLEM_TYPE
    response.headers.update(headers or {})
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def install_problems(api: Blueprint) -> None:
    @api.errorhandler(ApiProblem)
    async def _problem(error: ApiProblem) -> ResponseReturnValue:
        return problem_response(error.status, error.code, error.detail, error.headers)

    @api.errorhandler(RequestSchemaValidationError)
    async def _invalid(error: RequestSchemaValidationError) -> ResponseReturnValue:
        # Field names and messages only, never the input (it may be a secret pasted by mistake).
        cause = error.validation_error
        errors = getattr(cause, "errors", None)
        detail = (
            "; ".join(
                f"{'.'.join(str(part) for part in item['loc']) or 'body'}: {item['msg']}"
                for item in errors(include_input=False, include_url=False)
            )
            if callable(errors)
            else "The body must be a JSON object as documented."
        )
        return problem_response(422, detail=detail)

    @api.errorhandler(UnicodeDecodeError)  # a body that is not UTF-8, read as JSON
    @api.errorhandler(RecursionError)  # JSON nested past what the parser follows
    async def _unreadable(error: Exception) -> ResponseReturnValue:
        return problem_response(400, "bad_json", "The body is not UTF-8 JSON.")

    @api.errorhandler(RateLimitExceeded)
    async def _too_many(error: RateLimitExceeded) -> ResponseReturnValue:
        seconds = error.retry_after if isinstance(error.retry_after, int) else 60
        return problem_response(429, headers={"Retry-After": str(seconds)})

    @api.errorhandler(PostRefusedError)
    async def _posting_too_fast(error: PostRefusedError) -> ResponseReturnValue:
        return problem_response(429, headers={"Retry-After": str(error.retry_after)})

    @api.errorhandler(AuthUnavailableError)
    @api.errorhandler(ConnectionFailure)
    @api.errorhandler(ExecutionTimeout)
    @api.errorhandler(DatabaseNotReadyError)
    @api.errorhandler(RedisConnectionError)
    @api.errorhandler(RedisTimeoutError)
    async def _unavailable(error: Exception) -> ResponseReturnValue:
        log.warning("api unavailable: %s", type(error).__name__)
        return problem_response(503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    @api.errorhandler(HTTPException)
    async def _http(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        headers = {}
        allowed = error.get_response().headers.get("Allow")
        if allowed:
            headers["Allow"] = allowed
        return problem_response(status, headers=headers)

    @api.errorhandler(Exception)
    async def _unexpected(error: Exception) -> ResponseReturnValue:
        log.exception("unhandled api error")
        return problem_response(500)
