"""Connections outlive every hook a service registers, at start-up and at shutdown."""

from pathlib import Path
from typing import Any

from auth_svc.settings import AuthSettings
from service_kit.lifecycle import infrastructure_of, manage_infrastructure
from service_kit.web import create_base_app


async def test_a_service_after_serving_hook_still_has_its_connections(
    infrastructure_env: dict[str, Any],
) -> None:
    app = create_base_app("sample_svc.app", Path(__file__).parent)
    manage_infrastructure(app, AuthSettings(**infrastructure_env), "sample_svc")
    seen_at_shutdown: list[bool] = []

    @app.after_serving
    async def _service_shutdown() -> None:  # registered after the infrastructure's hooks
        infrastructure = infrastructure_of(app)
        seen_at_shutdown.append(infrastructure.nats.is_connected)
        await infrastructure.redis.ping()

    async with app.test_app():
        pass
    assert seen_at_shutdown == [True]
    assert "infrastructure" not in app.extensions  # and it was closed afterwards
