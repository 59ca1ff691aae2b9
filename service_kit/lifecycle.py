"""Open a service's connections when it starts serving and close them when it stops."""

from __future__ import annotations

from collections.abc import Sequence

from beanie import Document
from quart import Quart, current_app

from service_kit.infrastructure import Infrastructure
from service_kit.serving.health import health_blueprint
from service_kit.settings import ServiceSettings

_KEY = "infrastructure"


def manage_infrastructure(
    app: Quart,
    settings: ServiceSettings,
    service: str,
    models: Sequence[type[Document]] = (),
    durables: Sequence[str] = (),
) -> None:
    """Register ``/healthz`` + ``/readyz`` and the open/close hooks.

    ``durables``: the durable consumers the service binds, checked at start-up.

    Register this before any hook that needs the connections: Quart runs ``before_serving``
    hooks in registration order. Quart also runs ``after_serving`` hooks in registration
    order, so the close hook is appended only at start-up: it runs after every hook the
    service registered, and the connections outlive everything that uses them.
    """
    health = health_blueprint()
    app.register_blueprint(health)

    @app.before_serving
    async def _open() -> None:
        if _KEY in app.extensions:
            # A second start-up would replace the first one's connections and background
            # tasks without stopping them: they would go on consuming events unseen.
            raise RuntimeError(f"{service} is already serving: start each app once")
        infrastructure = await Infrastructure.open(settings, service, models, durables=durables)
        app.extensions[_KEY] = infrastructure
        health.checks.update(infrastructure.readiness_checks())  # type: ignore[attr-defined]
        if _close not in app.after_serving_funcs:
            app.after_serving_funcs.append(_close)

    async def _close() -> None:
        infrastructure: Infrastructure | None = app.extensions.pop(_KEY, None)
        if infrastructure is not None:
            await infrastructure.close()


def infrastructure_of(app: Quart | None = None) -> Infrastructure:
    target = app if app is not None else current_app
    infrastructure: Infrastructure = target.extensions[_KEY]
    return infrastructure
