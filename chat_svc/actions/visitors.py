"""Who is asking, and the first request of someone chat has not seen yet: a valid session
is served even before its UserCreated event arrives, and is a member of general from its
first request."""

from __future__ import annotations

import asyncio

from chat_svc.actions.membership_changes import Memberships
from chat_svc.auth.auth_client import AuthClient, Viewer
from chat_svc.models.users import upsert_user


class Visitors:
    def __init__(self, auth: AuthClient, memberships: Memberships) -> None:
        self._auth = auth
        self._memberships = memberships
        # Users this process already wrote to the store, so a token check upserts only once.
        self.known_users: set[str] = set()
        # First requests of one person at once (a page's streams reconnecting) share one write.
        self._remembering: dict[str, asyncio.Future[None]] = {}

    async def viewer_of(self, token: str) -> Viewer | None:
        """The person behind a chat session token (auth's answer, cached briefly), known to
        chat from then on; None for an invalid or ended session."""
        viewer = await self._auth.check(token)
        if viewer is not None:
            await self.remember_user(viewer)
        return viewer

    async def remember_user(self, viewer: Viewer) -> None:
        if viewer.user_id in self.known_users:
            return
        pending = self._remembering.get(viewer.user_id)
        if pending is None:
            pending = asyncio.ensure_future(self._write_user(viewer))
            self._remembering[viewer.user_id] = pending
            pending.add_done_callback(lambda _: self._remembering.pop(viewer.user_id, None))
        await asyncio.shield(pending)

    async def _write_user(self, viewer: Viewer) -> None:
        await upsert_user(viewer.user_id, viewer.email, viewer.display_name)
        await self._memberships.join_general(viewer.user_id)
        self.known_users.add(viewer.user_id)
