"""Connections outlive every hook a service registers, at start-up and at shutdown."""

from pathlib import Path
from typing import Any

import pytest
from quart.testing.app import LifespanError

from auth_svc.settings import AuthSettings
from service_kit.lifecycle import infrastructure_of, manage_infrastructure
from service_kit.serving.web import create_base_app


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


async def test_an_app_started_twice_refuses_the_second_start(
    infrastructure_env: dict[str, Any],
) -> None:
    """Two start-ups would leave the first one's consumers running, unseen and unstopped."""
    app = create_base_app("sample_svc.app", Path(__file__).parent)
    manage_infrastructure(app, AuthSettings(**infrastructure_env), "sample_svc")
    async with app.test_app():
        first = infrastructure_of(app)
        with pytest.raises(LifespanError, match="already serving"):
            async with app.test_app():
                pass
        assert infrastructure_of(app) is first and first.nats.is_connected
    assert "infrastructure" not in app.extensions
