"""auth_svc started while its database is down: it serves, says why it is not ready, and
becomes ready by itself once the database answers."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from auth_svc.app import create_app
from auth_svc.settings import AuthSettings
from devstack.processes import ProcessGroup, free_port
from devstack.servers import mongodb_url
from tests.integration.auth_svc.conftest import csrf_token
from tests.support.servers import start_ferretdb


@pytest.mark.timeout(90)
async def test_auth_starts_without_its_database_answers_503_and_recovers_alone(
    infrastructure_env: dict[str, Any], server_group: ProcessGroup, tmp_path: Path
) -> None:
    port = free_port()  # no database here yet
    settings = AuthSettings(**(infrastructure_env | {"mongodb_url": mongodb_url(port)}))
    app = create_app(settings)
    async with app.test_app():
        client = app.test_client()
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        checks = (await ready.get_json())["checks"]
        assert checks["database"].startswith("failing")
        assert checks["nats"] == checks["redis"] == "ok"

        form = await client.get("/sign-in")  # a page that needs no database still works
        assert form.status_code == 200
        fields = {"csrf_token": await csrf_token(client, "/sign-in")}
        answer = await client.post(
            "/sign-in", form=fields | {"email": "ada@example.com", "password": "x" * 12}
        )
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "5"
        page = await answer.get_data(as_text=True)
        assert "nothing you just sent was saved" in page and "Traceback" not in page

        database = start_ferretdb(server_group, tmp_path, port)
        try:
            async with asyncio.timeout(15):  # the store retries every 2 s
                while (await client.get("/readyz")).status_code != 200:
                    await asyncio.sleep(0.2)
        finally:
            database.stop()
