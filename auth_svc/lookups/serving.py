"""The account lookups for the app's lifetime: installed once Valkey is open, stopped
(a rebuild under way cancelled) before the connections close."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from quart import Quart

from auth_svc.lookups import LookupKind, install_lookups, open_lookups
from service_kit.lifecycle import infrastructure_of


def serve_account_lookups(app: Quart, kind: LookupKind) -> None:
    @app.while_serving
    async def _lookups() -> AsyncGenerator[None, None]:
        lookups = open_lookups(kind, infrastructure_of(app).redis)
        install_lookups(lookups)
        yield
        install_lookups(None)
        await lookups.stop()
