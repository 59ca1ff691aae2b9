"""The account menu's "Administration" link, for administrators only.

The viewer carries no role, so the role is read as the admin gate reads it (admin_gate.py):
one read of the person by id, and only on the pages people open now and then. The room
page, opened all day, is left out: the fast path serves it byte for byte from a skeleton
shared by every viewer, without reading the store (web/fast_paths/page_skeletons.py), and
Quart's copy must match it."""

from __future__ import annotations

from quart import g, request

from chat_svc.administration.admin_gate import is_administrator

ROOM_PAGE = "chat.room_page"


async def account_menu_links() -> dict[str, bool]:
    viewer = g.get("viewer")
    if viewer is None or request.endpoint == ROOM_PAGE:
        return {}
    return {"viewer_is_admin": await is_administrator(viewer.user_id)}
