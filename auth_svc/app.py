"""auth_svc application factory."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from functools import partial
from pathlib import Path

from quart import Quart
from quart.typing import ResponseReturnValue
from quart_auth import QuartAuth
from quart_rate_limiter import RateLimiter, RateLimitExceeded

from auth_svc.administration.account_status_api import account_status_api
from auth_svc.blueprints.internal import internal_blueprint
from auth_svc.blueprints.passwords import passwords_blueprint
from auth_svc.blueprints.sign_in import sign_in_blueprint
from auth_svc.blueprints.sign_up import sign_up_blueprint
from auth_svc.joining.invitations_api import invitations_api
from auth_svc.joining.join_code_api import join_code_api
from auth_svc.joining.join_pages import join_blueprint
from auth_svc.lib.internal_listener import SCOPE_MARK, serve_internal_api
from auth_svc.lib.outbox_relay import OutboxRelay
from auth_svc.lib.passwords import PasswordHashing
from auth_svc.lib.rate_limits import ExpiringRedisStore
from auth_svc.lib.web import HASHING_KEY, RELAY_KEY, whole_page_error
from auth_svc.lookups.serving import serve_account_lookups
from auth_svc.models.documents import DOCUMENT_MODELS
from auth_svc.profiles.display_name_api import display_name_api
from auth_svc.settings import AuthSettings
from service_kit.lifecycle import infrastructure_of, manage_infrastructure
from service_kit.serving.admission import AdmissionLimit, BusyAnswer
from service_kit.serving.error_pages import install_error_pages
from service_kit.serving.layered_app import LayeredQuart
from service_kit.serving.request_safety import (
    host_cookie_name,
    install_origin_check,
    install_security_headers,
)
from service_kit.serving.web import AfterResponse, create_base_app

SERVICE = "auth_svc"
AUTH_COOKIE = "auth_session"
CSRF_COOKIE = "auth_csrf"  # Quart's session cookie, used only for CSRF tokens


def create_app(settings: AuthSettings | None = None) -> LayeredQuart:
    settings = settings or AuthSettings()
    app = create_base_app(__name__, Path(__file__).parent / "templates")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME=host_cookie_name(CSRF_COOKIE, secure=settings.cookies_secure),
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=settings.cookies_secure,
    )
    app.extensions["settings"] = settings
    app.extensions[HASHING_KEY] = PasswordHashing(
        memory_cost=settings.argon2_memory_cost,
        time_cost=settings.argon2_time_cost,
        parallelism=settings.argon2_parallelism,
    )
    manage_infrastructure(app, settings, SERVICE, models=DOCUMENT_MODELS)
    serve_account_lookups(app, settings.lookup_index)
    _run_outbox_relay(app)
    QuartAuth(
        app,
        cookie_name=host_cookie_name(AUTH_COOKIE, secure=settings.cookies_secure),
        cookie_secure=settings.cookies_secure,
        cookie_samesite="Lax",
        duration=settings.session_absolute_ttl,
    )
    RateLimiter(
        app,
        store=ExpiringRedisStore(
            settings.redis_url, settings.redis_max_connections, settings.redis_pool_timeout
        ),
    )
    install_security_headers(
        app, form_action_origins=[settings.chat_public_url], hsts=settings.is_production
    )
    install_origin_check(app, [settings.public_url])
    install_error_pages(app)

    @app.errorhandler(RateLimitExceeded)
    async def _too_many_requests(error: RateLimitExceeded) -> ResponseReturnValue:
        response = await whole_page_error(
            429,
            "Too many attempts. Please wait, then try again.",
            "rate_limited.html",
            retry_after=error.retry_after,
        )
        response.headers["Retry-After"] = str(error.retry_after)
        return response

    app.register_blueprint(sign_in_blueprint(settings))
    app.register_blueprint(sign_up_blueprint(settings))
    app.register_blueprint(passwords_blueprint(settings))
    app.register_blueprint(internal_blueprint(settings))
    app.register_blueprint(join_blueprint(settings))
    app.register_blueprint(join_code_api(settings))
    app.register_blueprint(invitations_api(settings))
    app.register_blueprint(account_status_api(settings))
    app.register_blueprint(display_name_api(settings))
    # The request path, outermost first; Quart's own asgi_app is innermost. The internal
    # listener (lib/internal_listener.py) is a second server whose app wraps this whole path.
    app.compose(
        [
            # Past N writes in flight, a cheap 503 before anything else runs. chat's calls on
            # the internal listener are not counted: they have their own per-caller limit, and
            # a burst of sign-ins must not make chat's token checks fail.
            partial(
                AdmissionLimit,
                max_writes_in_flight=settings.max_writes_in_flight,
                busy=BusyAnswer.rendered_at_start(app),
                exempt=lambda scope: bool(scope.get(SCOPE_MARK)),
            ),
            # Jobs a view defers (forgot-password's look-up) start once the answer is sent.
            partial(AfterResponse, quart=app),
        ]
    )
    serve_internal_api(app, settings)
    return app


def _run_outbox_relay(app: Quart) -> None:
    """Publish outbox entries while serving: starts once the connections are open (the
    infrastructure's ``before_serving``) and stops before they close (``after_serving``)."""

    @app.while_serving
    async def _relay() -> AsyncGenerator[None, None]:
        relay = OutboxRelay(infrastructure_of(app).js)
        app.extensions[RELAY_KEY] = relay
        relay.start()
        yield
        await relay.stop()
