"""Each service starts against real NATS and Valkey and reports its health."""

from collections.abc import Callable
from typing import Any

import pytest
from quart import Quart

from auth_svc.app import create_app as create_auth
from auth_svc.settings import AuthSettings
from chat_svc.app import create_app as create_chat
from chat_svc.settings import ChatSettings
from mail_svc.app import create_app as create_mail
from mail_svc.settings import MailSettings
from tests.support.servers import RedisServer
from tests.support.smtp_sink import SmtpSink

FACTORIES: list[tuple[Callable[[Any], Quart], type[Any]]] = [
    (create_auth, AuthSettings),
    (create_chat, ChatSettings),
    (create_mail, MailSettings),
]


@pytest.mark.parametrize(("factory", "settings_class"), FACTORIES)
async def test_service_is_alive_and_ready(
    factory: Callable[[Any], Quart],
    settings_class: type[Any],
    infrastructure_env: dict[str, Any],
    smtp_sink: SmtpSink,
) -> None:
    # mail_svc is ready only when its SMTP server answers.
    smtp = {"smtp_port": smtp_sink.port} if settings_class is MailSettings else {}
    app = factory(settings_class(**infrastructure_env, **smtp))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        assert (await client.get("/healthz")).status_code == 200
        ready = await client.get("/readyz")
        body = await ready.get_json()
        assert ready.status_code == 200, body
        assert body["checks"]["nats"] == "ok"
        assert body["checks"]["redis"] == "ok"


async def test_readiness_fails_while_redis_is_down(
    infrastructure_env: dict[str, Any], redis_server: RedisServer
) -> None:
    app = create_chat(ChatSettings(**infrastructure_env))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        redis_server.stop()
        try:
            response = await client.get("/readyz")
            assert response.status_code == 503
            assert (await response.get_json())["checks"]["redis"].startswith("failing")
            assert (await client.get("/healthz")).status_code == 200
        finally:
            redis_server.start()
        assert (await client.get("/readyz")).status_code == 200
