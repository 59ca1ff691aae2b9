"""The request path is the composed list, in its order, for the test client too."""

from __future__ import annotations

from collections.abc import Coroutine
from functools import partial
from pathlib import Path
from typing import Any

from service_kit.serving.layered_app import ASGICall, Mount
from service_kit.serving.raw_asgi import Receive, Scope, Send, send_whole
from service_kit.serving.web import create_base_app


class Mark:
    """Appends its name to the ``seen`` header list it hands on."""

    def __init__(self, app: ASGICall, *, name: str, seen: list[str]) -> None:
        self.app = app
        self.name = name
        self.seen = seen

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Coroutine[Any, Any, None]:
        self.seen.append(self.name)
        return self.app(scope, receive, send)


async def _mounted(scope: Scope, receive: Receive, send: Send) -> None:
    await send_whole(send, 200, [], b"mounted")


async def test_requests_meet_the_layers_in_list_order_then_quart() -> None:
    app = create_base_app("sample_svc.app", Path(__file__).parent / "templates")
    seen: list[str] = []

    @app.get("/quart")
    async def _quart() -> str:
        seen.append("quart")
        return "quart"

    app.compose(
        [
            partial(Mark, name="outer", seen=seen),
            None,  # a layer switched off
            partial(Mount, matches=lambda scope: scope["path"] == "/mounted", mounted=_mounted),
            partial(Mark, name="inner", seen=seen),
        ]
    )
    client = app.test_client()
    response = await client.get("/quart")
    assert await response.get_data(as_text=True) == "quart"
    assert seen == ["outer", "inner", "quart"]
    seen.clear()
    response = await client.get("/mounted")
    assert await response.get_data(as_text=True) == "mounted"
    assert seen == ["outer"]
    assert len(app.layers) == 3
