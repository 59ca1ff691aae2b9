"""Who is asking, and the first request of someone chat has not seen yet: a valid session
is served even before its UserCreated event arrives, and is a member of general from its
first request."""

from __future__ import annotations

from async_lru import alru_cache

from chat_svc.actions.membership_changes import Memberships
from chat_svc.auth.auth_client import AuthClient, Viewer
from chat_svc.models.users import upsert_user
from chat_svc.stream_storms.known_visitors import KnownVisitors


class Visitors:
    def __init__(
        self, auth: AuthClient, memberships: Memberships, known: KnownVisitors | None = None
    ) -> None:
        self._auth = auth
        self._memberships = memberships
        self._known = known  # written by any replica before (stream_storms/)
        # Each person is written once per process (a failed write is tried again on their next
        # request); their first requests at once (a page's streams reconnecting) share it.
        self._write_once = alru_cache(maxsize=None, key=_user_id_of)(self._write_user)

    async def viewer_of(self, token: str) -> Viewer | None:
        """The person behind a chat session token (auth's answer, cached briefly), known to
        chat from then on; None for an invalid or ended session."""
        viewer = await self._auth.check(token)
        if viewer is not None:
            await self.remember_user(viewer)
        return viewer

    async def remember_user(self, viewer: Viewer) -> None:
        await self._write_once(viewer)

    async def _write_user(self, viewer: Viewer) -> None:
        if self._known is not None and await self._known.written(viewer):
            return
        await upsert_user(viewer.user_id, viewer.email, viewer.display_name)
        await self._memberships.join_general(viewer.user_id)
        if self._known is not None:
            await self._known.remember(viewer)


def _user_id_of(viewer: Viewer) -> str:
    return viewer.user_id
